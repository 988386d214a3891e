// @ts-check
/**
 * Row 6: RFC 8188 "aes128gcm" encoding on WebCrypto, 64 KiB of content per
 * record, one record in flight. A standard format's cost over the raw
 * ceiling (row 3): HKDF once, a copy into the record buffer, a delimiter byte.
 */
import { measuredRow, timePasses } from '../measure.mjs';
import { Aes128GcmEncoder, RS_64K_CONTENT, decodeAes128Gcm, selfTest } from '../rfc8188.mjs';

/**
 * @param {Uint8Array<ArrayBuffer>} ikm
 * @param {import('../data.mjs').Source} source
 * @param {Uint8Array[] | null} keep collects header and records when given
 */
async function encodePass(ikm, source, keep) {
  const enc = await Aes128GcmEncoder.create({ ikm, rs: RS_64K_CONTENT });
  keep?.push(enc.header());
  for (const push of source.pushes()) {
    const records = await enc.push(push);
    if (keep) keep.push(...records);
  }
  const last = await enc.finish();
  keep?.push(last);
}

/**
 * RFC examples, then a 1 MiB round trip of the benchmark's own data, pushed
 * the way the timed pass pushes it.
 * @param {import('../data.mjs').Source} source
 */
async function check(source) {
  await selfTest();
  const small = source.prefix(1024 * 1024);
  const ikm = crypto.getRandomValues(new Uint8Array(16));
  /** @type {Uint8Array[]} */
  const parts = [];
  await encodePass(ikm, small, parts);
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((off, p) => (body.set(p, off), off + p.length), 0);
  const { plaintext, rs } = await decodeAes128Gcm(ikm, body);
  if (rs !== RS_64K_CONTENT || plaintext.length !== small.total)
    throw new Error('aes128gcm round trip: length mismatch');
  for (let i = 0; i < plaintext.length; i++) {
    if (plaintext[i] !== small.block[i]) throw new Error(`aes128gcm round trip: byte ${i} differs`);
  }
}

/**
 * @param {import('../data.mjs').Source} source
 * @param {{ reps: number, warmupBytes: number }} opts
 * @returns {Promise<import('../measure.mjs').Row[]>}
 */
export async function benchRfc8188(source, { reps, warmupBytes }) {
  await check(source);
  const ikm = crypto.getRandomValues(new Uint8Array(16));
  await encodePass(ikm, source.prefix(warmupBytes), null);
  const { ms } = await timePasses(reps, () => encodePass(ikm, source, null));
  return [
    measuredRow(
      {
        id: '6',
        name: 'RFC 8188 aes128gcm encode (WebCrypto)',
        unit: '64 KiB records',
        note: `rs=${RS_64K_CONTENT}; decode-checked (RFC 8188 examples + 1 MiB round trip)`,
      },
      source.total,
      ms,
    ),
  ];
}
