// @ts-check
/**
 * Rows 7a-7c: the parts of the sealdrop pipeline measured alone, to show where
 * its time goes: BLAKE3 in wasm (the content id, including the copy into wasm
 * memory) and WebCrypto with one 1 MiB record in flight and with a whole 8 MiB
 * push of records in flight (what the engine does).
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
 */
async function encryptPass(key, source, inFlight) {
  let seq = 0;
  /** @type {Promise<ArrayBuffer>[]} */
  let pending = [];
  for (const record of source.records(MiB)) {
    pending.push(crypto.subtle.encrypt({ name: 'AES-GCM', iv: counterNonce(seq++) }, key, record));
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
  for (const [id, inFlight] of /** @type {const} */ ([
    ['7b', 1],
    ['7c', 8],
  ])) {
    await encryptPass(key, source.prefix(warmupBytes), inFlight);
    const enc = await timePasses(reps, () => encryptPass(key, source, inFlight));
    rows.push(
      measuredRow(
        { id, name: `raw WebCrypto AES-256-GCM encrypt, ${inFlight} in flight`, unit: '1 MiB records' },
        source.total,
        enc.ms,
      ),
    );
  }
  return rows;
}
