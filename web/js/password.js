// The download page's side of password shares: the parameters the server holds for them, and
// running their Argon2id in js/password-worker.js. The staff pages run theirs the same way
// (js/session.js, js/stretch-worker.js); js/derivation.js is the workers' side.

/** @typedef {{ salt: string, m_kib: number, t: number, p: number }} PasswordParams */

/** The derivation failed; `kind` is the module's error kind, or null if the worker died. */
export class DeriveError extends Error {
  /** @param {string | null} kind */
  constructor(kind) {
    super(`password derivation failed: ${kind ?? 'worker'}`);
    this.name = 'DeriveError';
    this.kind = kind;
  }
}

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
  return deriveInWorker('/js/password-worker.js', { ls, password, salt, m_kib, t, p }, [ls.buffer], 'ss');
}

/**
 * Runs one Argon2id derivation in a worker of its own, ended after it, which also gives its
 * memory back.
 * @param {string} url the worker's script
 * @param {Record<string, unknown>} message what it derives from
 * @param {Transferable[]} transfer
 * @param {string} field where its answer {type: 'done'} holds the key
 * @returns {Promise<Uint8Array>}
 */
export function deriveInWorker(url, message, transfer, field) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { type: 'module' });
    worker.addEventListener('message', (event) => {
      worker.terminate();
      const msg = event.data;
      const key = msg?.[field];
      if (msg?.type === 'done' && key instanceof Uint8Array) resolve(key);
      else reject(new DeriveError(typeof msg?.kind === 'string' ? msg.kind : null));
    });
    worker.addEventListener('error', () => {
      worker.terminate();
      reject(new DeriveError(null));
    });
    worker.postMessage(message, transfer);
  });
}
