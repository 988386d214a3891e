// Every call to the sealdrop API goes through here, so that people always see the server's
// sentence (never a bare code) and retries follow one policy on both pages.

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when no answer arrived
   * @param {string} code the server's machine code ('network' when no answer arrived)
   * @param {string} message a sentence for people
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    /** @type {number | undefined} seconds the server asked us to wait (429, 503) */
    this.retryAfterSeconds = undefined;
  }
}

/** @type {string | null} the session's CSRF token, sent with every request that changes something */
let csrfToken = null;

/**
 * Sets (or with null, forgets) the token apiFetch sends as `Sealdrop-CSRF` on every request
 * whose method is not GET or HEAD. Pages get it from the session; workers from their start message.
 * @param {string | null} token
 */
export function setCsrf(token) {
  csrfToken = token || null;
}

/** The sentence for a request that got no answer at all. */
export const NETWORK_MESSAGE = 'The connection to the server was lost.';

/**
 * The server's own sentence, ending in a full stop so that the page can add what to do next;
 * or what happened when the failure was not the server's answer.
 * @param {unknown} err
 */
export function apiSentence(err) {
  if (err instanceof ApiError) return err.message.replace(/\.?$/, '.');
  return 'Something went wrong in this browser.';
}

/**
 * @typedef {Object} RequestOptions
 * @property {string} [method]
 * @property {unknown} [json] sent as a JSON body
 * @property {BodyInit} [body] sent as is
 * @property {Record<string, string>} [headers]
 * @property {AbortSignal} [signal]
 */

/**
 * Fetches an API path; resolves to the response when it is 2xx, else rejects with an ApiError.
 * An abort rejects with the AbortError untouched so callers can tell cancel from failure.
 * @param {string} path
 * @param {RequestOptions} [options]
 * @returns {Promise<Response>}
 */
export async function apiFetch(path, options = {}) {
  const headers = { ...options.headers };
  const method = options.method ?? 'GET';
  if (csrfToken && method !== 'GET' && method !== 'HEAD') headers['Sealdrop-CSRF'] = csrfToken;
  /** @type {BodyInit | undefined} */
  let body = options.body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  /** @type {Response} */
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body,
      signal: options.signal,
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError(0, 'network', NETWORK_MESSAGE);
  }
  if (res.ok) return res;
  throw await errorFrom(res);
}

/**
 * Like apiFetch, and parses the JSON answer.
 * @param {string} path
 * @param {RequestOptions} [options]
 * @returns {Promise<any>}
 */
export async function apiJson(path, options = {}) {
  const res = await apiFetch(path, options);
  try {
    return await res.json();
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError(0, 'network', NETWORK_MESSAGE);
  }
}

/** @param {Response} res */
async function errorFrom(res) {
  /** @type {any} */
  let payload = null;
  try {
    payload = await res.json();
  } catch {
    // A proxy or the platform answered with something other than our JSON error.
  }
  const e = payload && typeof payload === 'object' ? payload.error : null;
  const code = e && typeof e.code === 'string' ? e.code : `http_${res.status}`;
  const message =
    e && typeof e.message === 'string' && e.message
      ? e.message
      : res.status >= 500
        ? 'The server had a problem.'
        : `The server refused the request (HTTP ${res.status}).`;
  const err = new ApiError(res.status, code, message);
  const retryAfter = Number(res.headers.get('Retry-After'));
  if (Number.isFinite(retryAfter) && retryAfter > 0) err.retryAfterSeconds = retryAfter;
  return err;
}

/**
 * @param {unknown} err
 * @returns {boolean}
 */
export function isAbort(err) {
  return err instanceof DOMException && err.name === 'AbortError';
}

/**
 * Network losses, 5xx and 429 may pass by themselves, and so does a part that an earlier,
 * interrupted try of ours is still storing; any other 4xx will not.
 * @param {unknown} err
 */
export function isRetryable(err) {
  return (
    err instanceof ApiError &&
    (err.status === 0 || err.status === 429 || err.status >= 500 || err.code === 'part_in_progress')
  );
}

/**
 * Runs `attempt` until it succeeds, retrying retryable failures with exponential backoff and
 * full jitter (so that many clients that lost the same connection do not return in step).
 * @template T
 * @param {() => Promise<T>} attempt
 * @param {{ tries?: number, signal?: AbortSignal, baseMs?: number, maxMs?: number,
 *   onRetry?: (err: ApiError, waitMs: number, tryNumber: number) => void }} [options]
 * @returns {Promise<T>}
 */
export async function withRetry(attempt, options = {}) {
  const tries = options.tries ?? 5;
  const baseMs = options.baseMs ?? 500;
  const maxMs = options.maxMs ?? 15000;
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= tries || !isRetryable(err)) throw err;
      const apiErr = /** @type {ApiError} */ (err);
      const ceiling = Math.min(maxMs, baseMs * 2 ** (i - 1));
      let waitMs = ceiling / 2 + Math.random() * (ceiling / 2);
      if (apiErr.retryAfterSeconds) waitMs = Math.max(waitMs, apiErr.retryAfterSeconds * 1000);
      options.onRetry?.(apiErr, waitMs, i);
      await sleep(waitMs, options.signal);
    }
  }
}

/**
 * @param {number} ms
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>}
 */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
