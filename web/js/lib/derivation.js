// One Argon2id derivation off the page's thread, both sides of it: the page starts a worker of
// its own for each derivation (deriveInWorker) and ends it after, which also gives the memory
// back; the worker (js/workers/password-worker.js, js/workers/stretch-worker.js) answers one
// message with the key or the failure (serveDerivation).

/**
 * The worker's answer: the key under `field` (its buffer transferred), or the module's error
 * kind ('argon2 parameters', 'bad encoding', ...), null if it is not one.
 * @typedef {{ type: 'done', [field: string]: unknown } | { type: 'error', kind: string | null }} DeriveAnswer
 */

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
 * Runs one Argon2id derivation in a worker of its own, ended after it.
 * @param {URL} url the worker's script
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
      /** @type {DeriveAnswer} */
      const msg = event.data;
      const key = msg?.type === 'done' ? msg[field] : null;
      if (key instanceof Uint8Array) resolve(key);
      else reject(new DeriveError(msg?.type === 'error' && typeof msg.kind === 'string' ? msg.kind : null));
    });
    worker.addEventListener('error', () => {
      worker.terminate();
      reject(new DeriveError(null));
    });
    worker.postMessage(message, transfer);
  });
}

/**
 * The worker's side: answers each message with the key `derive` makes of it.
 * @param {string} field
 * @param {(msg: any) => Promise<Uint8Array>} derive
 */
export function serveDerivation(field, derive) {
  const scope = /** @type {DedicatedWorkerGlobalScope} */ (/** @type {unknown} */ (self));
  scope.addEventListener('message', async (event) => {
    /** @type {DeriveAnswer} */
    let answer;
    try {
      const key = await derive(event.data ?? {});
      answer = { type: 'done', [field]: key };
      scope.postMessage(answer, [key.buffer]);
    } catch (err) {
      const kind = err instanceof Error && err.name === 'SealdropError' ? String(/** @type {any} */ (err).kind) : null;
      answer = { type: 'error', kind };
      scope.postMessage(answer);
    }
  });
}
