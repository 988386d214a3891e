// The workers' side of an Argon2id derivation (js/password-worker.js, js/stretch-worker.js; the
// page's side is deriveInWorker in js/password.js): one message in, the key or the failure out.

const scope = /** @type {DedicatedWorkerGlobalScope} */ (/** @type {unknown} */ (self));

/**
 * Answers {type: 'done', [field]: key} (its buffer transferred) or {type: 'error', kind} where
 * kind is the module's error kind ('argon2 parameters', 'bad encoding', ...) or null.
 * @param {string} field
 * @param {(msg: any) => Promise<Uint8Array>} derive
 */
export function serveDerivation(field, derive) {
  scope.addEventListener('message', async (event) => {
    try {
      const key = await derive(event.data ?? {});
      scope.postMessage({ type: 'done', [field]: key }, [key.buffer]);
    } catch (err) {
      const kind = err instanceof Error && err.name === 'SealdropError' ? String(/** @type {any} */ (err).kind) : null;
      scope.postMessage({ type: 'error', kind });
    }
  });
}
