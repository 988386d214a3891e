// @ts-check
/**
 * Rows 7a-7c: the parts of the sealdrop pipeline measured alone, to show where
 * its time goes: BLAKE3 in wasm (the content id, including the copy into wasm
 * memory) and WebCrypto with 1 MiB records (one, then eight in flight) and
 * with 256 KiB records four in flight (what the engine does at its default).
 */
import { measuredRow, timePasses } from '../measure.mjs';
import { MiB } from '../data.mjs';

/** @param {number} seq */
function counterNonce(seq) {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setUint32(8, seq, false);
  return iv;
}

/**
 * @param {any} mod the sealdrop module
 * @param {import('../data.mjs').Source} source
 */
async function hashPass(mod, source) {
  const h = new mod.Blake3Hasher();
  for (const push of source.pushes()) h.update(push);
  const out = h.finalize();
  h.free();
  return out;
}

/**
 * @param {CryptoKey} key
 * @param {import('../data.mjs').Source} source
 * @param {number} inFlight records started before the first is awaited
 * @param {number} record record size in bytes
 */
async function encryptPass(key, source, inFlight, record) {
  let seq = 0;
  /** @type {Promise<ArrayBuffer>[]} */
  let pending = [];
  for (const piece of source.records(record)) {
    pending.push(crypto.subtle.encrypt({ name: 'AES-GCM', iv: counterNonce(seq++) }, key, piece));
    if (pending.length >= inFlight) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
}

/**
 * @param {any} mod the sealdrop module, or null when not built
 * @param {import('../data.mjs').Source} source
 * @param {{ reps: number, warmupBytes: number }} opts
 * @returns {Promise<import('../measure.mjs').Row[]>}
 */
export async function benchComponents(mod, source, { reps, warmupBytes }) {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt']);
  const rows = [];
  if (mod) {
    await hashPass(mod, source.prefix(warmupBytes));
    const hash = await timePasses(reps, () => hashPass(mod, source));
    rows.push(
      measuredRow(
        { id: '7a', name: 'BLAKE3 in wasm (simd128), incl. copy into wasm', unit: '8 MiB pushes' },
        source.total,
        hash.ms,
      ),
    );
  }
  for (const [id, inFlight, record] of /** @type {const} */ ([
    ['7b', 1, MiB],
    ['7c', 8, MiB],
    ['7d', 4, 256 * 1024],
  ])) {
    await encryptPass(key, source.prefix(warmupBytes), inFlight, record);
    const enc = await timePasses(reps, () => encryptPass(key, source, inFlight, record));
    rows.push(
      measuredRow(
        { id, name: `raw WebCrypto AES-256-GCM encrypt, ${inFlight} in flight`, unit: `${record / 1024} KiB records` },
        source.total,
        enc.ms,
      ),
    );
  }
  return rows;
}
