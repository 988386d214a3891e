// The one place pages and workers load the generated wasm module from, so it is fetched and
// instantiated once per realm and every caller waits on the same promise.
import init, * as sd from '../../pkg/sealdrop_wasm.js';

/** @type {Promise<typeof sd> | null} */
let ready = null;
/** @type {{ m_kib: number, t: number, p: number } | null} */
let argon2 = null;

/** @returns {Promise<typeof sd>} */
export function loadWasm() {
  if (!ready) {
    ready = init({ module_or_path: new URL('../../pkg/sealdrop_wasm_bg.wasm', import.meta.url) }).then(() => {
      argon2 = sd.argon2Defaults();
      return sd;
    });
    // A failed load (offline for a moment) must not poison every later attempt.
    ready.catch(() => {
      ready = null;
    });
  }
  return ready;
}

/**
 * The Argon2id parameters of a new share password, defined once in the Rust core and read as the
 * module loads; only after loadWasm() resolved.
 * @returns {{ m_kib: number, t: number, p: number }}
 */
export function argon2Defaults() {
  if (!argon2) throw new Error('the wasm module is not loaded yet');
  return argon2;
}

/**
 * Lower-case hex, the form content ids and part hashes take on the wire.
 * @param {Uint8Array} bytes
 */
export function toHex(bytes) {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

// Kinds that mean the bytes or keys do not match what was sealed. The others ('busy',
// 'finished', 'bad input', 'webcrypto', ...) are faults of this page or browser, and calling
// them tampering would accuse the sender of something the server never did.
const FORMAT_KINDS = new Set([
  'bad magic',
  'bad version',
  'bad chunk size',
  'bad flags',
  'wrong key',
  'tampered chunk',
  'truncated',
  'trailing data',
  'empty last chunk',
  'tampered metadata',
  'tampered manifest',
  'bad metadata',
  'bad manifest',
]);

/**
 * @param {unknown} err
 * @returns {err is import('../../pkg/sealdrop_wasm.js').SealdropError}
 */
export function isFormatError(err) {
  return (
    err instanceof Error &&
    err.name === 'SealdropError' &&
    FORMAT_KINDS.has(/** @type {{ kind?: unknown }} */ (err).kind + '')
  );
}
