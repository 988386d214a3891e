// What every writer of js/download/save.js shares: the sink it returns, its failures, the file
// name it saves under, and two helpers.

/**
 * @typedef {Object} Sink
 * @property {(chunk: Uint8Array) => Promise<void>} write resolves when the sink can take more
 * @property {() => Promise<void>} close only after the whole file verified
 * @property {(message: string) => Promise<void>} abort discards what was written, where the platform allows
 * @property {AbortSignal} cancelled aborts when the person cancels the download outside the page
 * @property {() => string | null} [offer] the staged and memory writers: after close(), the blob:
 *   URL the verified file is saved from with an <a download>
 * @property {boolean} [keepsPartial] the stream: the browser may keep what was written of a file
 *   that then failed verification, and the page must say so
 */

/**
 * Why a writer could not save a file: never the network's fault, each with its own sentence.
 * 'stream-not-taken': the browser did not hand the download to the service worker;
 * 'not-started': the browser did not start a download it had taken before (downloads blocked);
 * 'helper': the service worker could not start; 'quota': the browser's storage is full;
 * 'storage': its file system failed; 'too-large': over the memory writer's cap;
 * 'unavailable': this browser has no way to save from this page.
 */
export class SaveError extends Error {
  /**
   * @param {'stream-not-taken' | 'not-started' | 'helper' | 'quota' | 'storage' | 'too-large' | 'unavailable'} kind
   * @param {string} sentence what people read
   */
  constructor(kind, sentence) {
    super(sentence);
    this.name = 'SaveError';
    this.kind = kind;
  }
}

/**
 * Makes a decrypted name safe as a file name on every desktop system; it is shown untouched.
 * @param {string} name
 */
export function safeFileName(name) {
  const cleaned = name
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_')
    .replace(/^[\s.]+|[\s.]+$/g, '')
    .slice(0, 200);
  return cleaned || 'download';
}

/**
 * Resolves with `promise`, or rejects with `error` once `ms` passed.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {() => Error} error
 * @returns {Promise<T>}
 */
export function within(promise, ms, error) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout])).finally(() => clearTimeout(timer));
}

/**
 * @param {Uint8Array} chunk
 * @returns {Uint8Array<ArrayBuffer>} the chunk if it owns its whole buffer (it is handed over, not
 *   copied), else a copy that does
 */
export function owned(chunk) {
  const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
  return /** @type {Uint8Array<ArrayBuffer>} */ (whole && chunk.buffer instanceof ArrayBuffer ? chunk : chunk.slice());
}
