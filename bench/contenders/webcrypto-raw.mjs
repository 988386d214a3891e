// @ts-check
/**
 * Rows 3 and 3b: plain WebCrypto AES-256-GCM over 64 KiB records, one record
 * in flight. No framing, no hashing, no copies beyond WebCrypto's own: the
 * ceiling any WebCrypto-based engine in this browser can reach.
 */
import { measuredRow, timePasses } from '../measure.mjs';
import { RECORD_BYTES } from '../data.mjs';

/** @param {number} seq */
function counterNonce(seq) {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setUint32(8, seq, false);
  return iv;
}

/**
 * @param {CryptoKey} key
 * @param {import('../data.mjs').Source} source
 */
async function encryptPass(key, source) {
  let seq = 0;
  for (const record of source.records()) {
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: counterNonce(seq++) }, key, record);
  }
}

/**
 * Decrypts one block's worth of records, cycled like the plaintext is; every
 * call verifies a real tag, so a wrong nonce or key would throw.
 * @param {CryptoKey} key
 * @param {Uint8Array<ArrayBuffer>[]} blockCiphertexts
 * @param {number} recordCount records in the whole stream
 */
async function decryptPass(key, blockCiphertexts, recordCount) {
  const n = blockCiphertexts.length;
  for (let i = 0; i < recordCount; i++) {
    await crypto.subtle.decrypt({ name: 'AES-GCM', iv: counterNonce(i % n) }, key, blockCiphertexts[i % n]);
  }
}

/**
 * Untimed WebCrypto work before any contender runs. In a fresh worker the
 * first few hundred MB run at about half speed (heap sizing, WebCrypto's
 * thread pool, CPU clocks), which would otherwise land on whichever contender
 * happens to go first.
 * @param {import('../data.mjs').Source} source
 * @param {number} bytes
 */
export async function warmUpWorker(source, bytes) {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt']);
  await encryptPass(key, source.prefix(bytes));
}

/**
 * @param {import('../data.mjs').Source} source
 * @param {{ reps: number, warmupBytes: number }} opts
 * @returns {Promise<import('../measure.mjs').Row[]>}
 */
export async function benchRawWebCrypto(source, { reps, warmupBytes }) {
  const unit = `${RECORD_BYTES / 1024} KiB records`;
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);

  await encryptPass(key, source.prefix(warmupBytes));
  const enc = await timePasses(reps, () => encryptPass(key, source));

  const oneBlock = source.prefix(source.block.length);
  /** @type {Uint8Array<ArrayBuffer>[]} */
  const blockCts = [];
  let seq = 0;
  for (const record of oneBlock.records()) {
    blockCts.push(
      new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: counterNonce(seq++) }, key, record)),
    );
  }
  const recordCount = Math.ceil(source.total / RECORD_BYTES);
  await decryptPass(key, blockCts, Math.min(recordCount, blockCts.length));
  const dec = await timePasses(reps, () => decryptPass(key, blockCts, recordCount));

  return [
    measuredRow({ id: '3', name: 'raw WebCrypto AES-256-GCM encrypt (ceiling)', unit }, source.total, enc.ms),
    measuredRow({ id: '3b', name: 'raw WebCrypto AES-256-GCM decrypt (ceiling)', unit }, source.total, dec.ms),
  ];
}
