// curl beside the clients in the transfer benchmarks: the same payload size cut into the same
// parts, PUT to the same endpoint, and the same parts fetched by Range under a ticket, three in
// flight as the clients keep them. A measure of what the local stack itself allows.
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { asJson } from '../tests/support/accounts.mjs';
import { call, sd } from '../tests/support/client.mjs';

const MB = (/** @type {number} */ bytes, /** @type {number} */ ms) => bytes / 1e6 / (ms / 1000);

/**
 * curl PUTs a payload of a `bytes` file's size, in its parts, into a share of its own.
 * @param {{ base: string, staff: any, bytes: number, dir: string }} options
 * @returns {Promise<string[]>} the table row
 */
export async function curlPutRow({ base, staff, bytes, dir }) {
  const log2 = sd.defaultLog2Chunk();
  const layout = sd.uploadLayout(bytes, log2, 0);
  const header = new Uint8Array(56);
  header.set([0x53, 0x44, 0x52, 0x50, 0x01, log2]);
  const created = await call(`${base}/api/shares`, {
    method: 'POST',
    headers: asJson(staff),
    body: JSON.stringify({
      auth_key_hash: sd.b64Encode(new Uint8Array(32)),
      password: null,
      expires_at: Date.now() + 24 * 3600 * 1000,
      max_downloads: null,
      files: [
        {
          header: sd.b64Encode(header),
          metadata: sd.b64Encode(new Uint8Array(284)),
          payload_size: layout.payloadSize,
          chunks_per_part: layout.chunksPerPart,
        },
      ],
    }),
  });
  const { id, owner_token: owner } = created.body;
  const partsDir = join(dir, 'parts');
  execFileSync('mkdir', ['-p', partsDir]);
  // The payload is the file's bytes plus 16 per chunk; the tail of the last part is padded.
  execFileSync('sh', [
    '-c',
    `head -c ${layout.payloadSize} /dev/urandom | split -b ${layout.partSize} -d -a 5 - ${partsDir}/p`,
  ]);
  const args = ['-sS', '--fail', '-H', 'Expect:', '-H', `Authorization: Bearer ${owner}`];
  args.push('-H', `Sealdrop-Part-Blake3: ${'0'.repeat(64)}`, '--parallel', '--parallel-max', '3');
  for (let n = 1; n <= layout.partCount; n++) {
    const part = join(partsDir, `p${String(n - 1).padStart(5, '0')}`);
    args.push('-o', '/dev/null', '-T', part, `${base}/api/shares/${id}/files/0/parts/${n}`);
  }
  const started = performance.now();
  const curl = spawnSync('curl', args, { stdio: 'inherit' });
  const ms = performance.now() - started;
  if (curl.status !== 0) throw new Error('curl failed');
  rmSync(partsDir, { recursive: true });
  return ['curl PUT, 3 parts in flight', MB(layout.payloadSize, ms).toFixed(0), '-', '-'];
}

/**
 * A share link's one file as a client fetches it: its payload URL and a ticket, proven with the
 * link's key as the download page proves it (this counts a download).
 * @param {string} base
 * @param {string} link
 * @param {number} bytes the file's size
 */
export async function ticketFor(base, link, bytes) {
  const id = new URL(link).pathname.split('/').pop();
  const ss = sd.shareSecretFromLink(sd.b64Decode(link.split('#')[1]));
  const proof = await call(`${base}/api/shares/${id}/proof`, {
    method: 'POST',
    headers: { authorization: `Sealdrop-Key ${sd.b64Encode(sd.shareAuthKey(ss))}` },
  });
  if (proof.status !== 200) throw new Error(`proof: ${proof.status}`);
  const headers = { Authorization: `Sealdrop-Ticket ${proof.body.ticket}` };
  return {
    origin: base,
    url: `${base}/api/shares/${id}/files/0/payload`,
    headers,
    bytes: sd.uploadLayout(bytes, sd.defaultLog2Chunk(), 0).payloadSize,
  };
}

/**
 * curl fetches a share's one payload by Range, part by part, three in flight.
 * @param {Awaited<ReturnType<typeof ticketFor>>} ticketed
 * @param {number} bytes the file's size
 * @returns {string[]} the table row
 */
export function curlGetRow(ticketed, bytes) {
  const layout = sd.uploadLayout(bytes, sd.defaultLog2Chunk(), 0);
  const args = [
    '-sS',
    '--fail',
    '-H',
    `Authorization: ${ticketed.headers.Authorization}`,
    '--parallel',
    '--parallel-max',
    '3',
  ];
  for (let n = 0; n < layout.partCount; n++) {
    const start = n * layout.partSize;
    const end = Math.min(start + layout.partSize, layout.payloadSize) - 1;
    args.push('-o', '/dev/null', '-r', `${start}-${end}`, ticketed.url);
  }
  const started = performance.now();
  const curl = spawnSync('curl', args, { stdio: 'inherit' });
  const ms = performance.now() - started;
  if (curl.status !== 0) throw new Error('curl failed');
  return ['curl GET by Range, 3 parts in flight', MB(layout.payloadSize, ms).toFixed(0), '-', '-'];
}
