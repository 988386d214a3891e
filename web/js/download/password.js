// The download page's side of password shares: the parameters the server holds for them, and
// their Argon2id, run in js/workers/password-worker.js (js/lib/derivation.js).
import { deriveInWorker } from '../lib/derivation.js';

/** @typedef {{ salt: string, m_kib: number, t: number, p: number }} PasswordParams */

/**
 * Whether the state endpoint's `password` has the shape the format gives it. The bounds are the
 * wasm module's to check: it refuses parameters outside them, so a server cannot make this page
 * spend gigabytes.
 * @param {unknown} value
 * @returns {value is PasswordParams}
 */
export function isPasswordParams(value) {
  const v = /** @type {any} */ (value);
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof v.salt === 'string' &&
    [v.m_kib, v.t, v.p].every((n) => Number.isInteger(n) && n > 0)
  );
}

/**
 * The share secret for `password`, derived in a worker of its own.
 * @param {Uint8Array} ls the link secret; its buffer moves to the worker, which wipes it
 * @param {string} password
 * @param {PasswordParams} params
 * @returns {Promise<Uint8Array>}
 */
export function deriveShareSecret(ls, password, params) {
  const { salt, m_kib, t, p } = params;
  const url = new URL('../workers/password-worker.js', import.meta.url);
  return deriveInWorker(url, { ls, password, salt, m_kib, t, p }, [ls.buffer], 'ss');
}
