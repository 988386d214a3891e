// The end-to-end transfer benchmark: a file of --mib MiB (default 1024) uploaded through the
// share page and downloaded through the download page (both Chromium writers, and Firefox's) on
// a fresh local stack, beside curl PUTting the same number of part-sized bytes straight to the
// same API, and the floor of a download's memory (fetch and WebCrypto alone, bench/floor.mjs).
// Prints MB/s and the browser's peak memory (the RSS of the process hosting the page, sampled
// from /proc, and the page's JS heap); asserts nothing. --rows picks some of curl, floor,
// chromium (the download page's writers) and firefox; the upload always runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startStack, ROOT } from '../tests/support/stack.mjs';
import { launch, withSession, OPFS_PICKER, NO_PICKER } from '../tests/support/browser.mjs';
import { admin, asJson } from '../tests/support/accounts.mjs';
import { sd, call } from '../tests/support/client.mjs';
import { launchEngine } from '../tests/support/engines.mjs';
import { measured, chromiumSamplers, firefoxContentMiB } from './rss.mjs';
import { floorRows } from './floor.mjs';

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '1024' },
    rows: { type: 'string', default: 'curl,floor,chromium,firefox' },
  },
});
const MIB = Number(values.mib);
const ROWS = new Set(values.rows.split(','));
const BYTES = MIB * 1024 * 1024;
const MB = (/** @type {number} */ bytes, /** @type {number} */ ms) => bytes / 1e6 / (ms / 1000);

const dir = mkdtempSync(join(tmpdir(), 'sealdrop-bench-'));
const file = join(dir, `bench-${MIB}MiB.bin`);
const fd = openSync(file, 'w');
for (let left = BYTES; left > 0; left -= 64 * 1024 * 1024) writeSync(fd, randomBytes(Math.min(left, 64 * 1024 * 1024)));
closeSync(fd);

const stack = await startStack({
  port: 8798,
  stateDir: join(ROOT, '.wrangler/bench/state'),
  logFile: join(ROOT, '.wrangler/bench/wrangler.log'),
});
const browser = await launch();
// Shares are made by a signed-in person: the stack's first admin, through its setup link.
const staff = await admin({ base: stack.url, stateDir: stack.stateDir });
/** @type {string[][]} */
const rows = [];
try {
  if (ROWS.has('curl')) rows.push(await curlRow());
  const link = await uploadRow();
  if (ROWS.has('floor')) await floorRows(browser, await ticketed(link), (row) => rows.push(row));
  if (ROWS.has('chromium')) await chromiumRows(link);
  if (ROWS.has('firefox')) rows.push(await firefoxRow(link));
} finally {
  await browser.close();
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** curl: the same payload size, cut into the same parts, PUT to the same endpoint. */
async function curlRow() {
  const log2 = sd.defaultLog2Chunk();
  const layout = sd.uploadLayout(BYTES, log2, 0);
  const header = new Uint8Array(56);
  header.set([0x53, 0x44, 0x52, 0x50, 0x01, log2]);
  const created = await call(`${stack.url}/api/shares`, {
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
    args.push('-o', '/dev/null', '-T', part, `${stack.url}/api/shares/${id}/files/0/parts/${n}`);
  }
  const curlStart = performance.now();
  const curl = spawnSync('curl', args, { stdio: 'inherit' });
  const curlMs = performance.now() - curlStart;
  if (curl.status !== 0) throw new Error('curl failed');
  rmSync(partsDir, { recursive: true });
  return ['curl PUT, 3 parts in flight', MB(layout.payloadSize, curlMs).toFixed(0), '-', '-'];
}

/** The share page: uploads the file, returns its share's link. */
async function uploadRow() {
  const up = await browser.newContext();
  await withSession(up, staff);
  const page = await up.newPage();
  await page.goto(`${stack.url}/`);
  await page.waitForSelector('body[data-state="idle"]');
  await page.setInputFiles('#file-input', file);
  // Both writers download the same link.
  await page.click('#options summary');
  await page.check('#unlimited');
  const samplers = await chromiumSamplers(browser, page);
  const upload = await measured(
    samplers.rss,
    async () => {
      await page.click('#share-button');
      await page.waitForSelector('body[data-state="done"]', { timeout: 0 });
    },
    samplers.heap,
  );
  const link = await page.inputValue('#share-link');
  await up.close();
  rows.push([
    'page upload (seal + PUT)',
    MB(BYTES, upload.ms).toFixed(0),
    `${upload.rss.toFixed(0)} (idle ${upload.idle.toFixed(0)})`,
    upload.heap.toFixed(0),
  ]);
  return link;
}

/**
 * The share's one file as the floor fetches it: its payload URL and a ticket, proven with the
 * link's key as the download page proves it.
 * @param {string} link
 */
async function ticketed(link) {
  const id = new URL(link).pathname.split('/').pop();
  const ss = sd.shareSecretFromLink(sd.b64Decode(link.split('#')[1]));
  const proof = await call(`${stack.url}/api/shares/${id}/proof`, {
    method: 'POST',
    headers: { authorization: `Sealdrop-Key ${sd.b64Encode(sd.shareAuthKey(ss))}` },
  });
  if (proof.status !== 200) throw new Error(`proof: ${proof.status}`);
  const headers = { Authorization: `Sealdrop-Ticket ${proof.body.ticket}` };
  return {
    origin: stack.url,
    url: `${stack.url}/api/shares/${id}/files/0/payload`,
    headers,
    bytes: sd.uploadLayout(BYTES, sd.defaultLog2Chunk(), 0).payloadSize,
  };
}

/**
 * The download page in Chromium, through each writer.
 * @param {string} link
 */
async function chromiumRows(link) {
  for (const [writer, init] of /** @type {const} */ ([
    ['File System Access', OPFS_PICKER],
    ['service worker', NO_PICKER],
  ])) {
    const down = await browser.newContext({ acceptDownloads: true });
    const dpage = await down.newPage();
    await dpage.addInitScript(init);
    await dpage.goto(link);
    await dpage.click('#reveal');
    await dpage.waitForSelector('body[data-state="ready"]');
    const samplers = await chromiumSamplers(browser, dpage);
    const result = await measured(
      samplers.rss,
      async () => {
        const downloaded = writer === 'service worker' ? dpage.waitForEvent('download') : null;
        await dpage.click('li[data-j="0"] button');
        if (downloaded) await (await downloaded).path();
        await dpage.waitForSelector('li[data-j="0"][data-state="verified"]', { timeout: 0 });
      },
      samplers.heap,
    );
    await down.close();
    rows.push([
      `page download (${writer})`,
      MB(BYTES, result.ms).toFixed(0),
      `${result.rss.toFixed(0)} (idle ${result.idle.toFixed(0)})`,
      result.heap.toFixed(0),
    ]);
  }
}

/**
 * The download page in Firefox (ESR, headless): it has no File System Access API, so it saves
 * through its writer of choice there; the memory is its page's content process.
 * @param {string} link
 */
async function firefoxRow(link) {
  const engine = await launchEngine('firefox');
  try {
    const page = await engine.open({ base: stack.url });
    await page.goto(link);
    await page.click('#reveal');
    await page.waitFor('body[data-state="ready"]');
    const pid = /** @type {number} */ (engine.pid);
    const result = await measured(
      async () => firefoxContentMiB(pid),
      async () => {
        await page.click('li[data-j="0"] button');
        await page.waitFor('li[data-j="0"][data-state="verified"]', 600_000);
      },
    );
    const writer = await page.evaluate(() => document.body.dataset.writer ?? '?');
    return [
      `page download, Firefox (${writer} writer)`,
      MB(BYTES, result.ms).toFixed(0),
      `${result.rss.toFixed(0)} (idle ${result.idle.toFixed(0)})`,
      '-',
    ];
  } finally {
    await engine.close();
  }
}

console.log(`\n${MIB} MiB on the local stack (wrangler dev), Chromium and Firefox headless:\n`);
const head = ['transfer', 'MB/s', 'peak renderer RSS (MiB)', 'peak page JS heap (MiB)'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const row of [head, widths.map((w) => '-'.repeat(w)), ...rows]) {
  console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
}
