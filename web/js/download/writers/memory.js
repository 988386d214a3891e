// The memory writer (browsers with neither File System Access nor an origin-private file system,
// such as WebKitGTK 2.50): the plaintext is kept in memory and offered as a Blob once verified, up
// to MEMORY_CAP_BYTES.

/** @typedef {import('./sink.js').Sink} Sink */

import { formatSize } from '../../lib/format.js';
import { SaveError, owned } from './sink.js';

/**
 * The largest file the memory writer takes. It holds the whole plaintext, and building the Blob
 * may briefly need it twice: 512 MiB keeps that peak near 1 GiB, which desktop WebKit and the
 * larger phones bear, where iOS ends a tab at about 1.5 to 2 GiB.
 */
export const MEMORY_CAP_BYTES = 512 * 1024 * 1024;

/**
 * The memory writer's cap. A test may lower it (never raise it) with
 * globalThis.__sealdropMemoryCap, so that it needs no 512 MiB file: a lower cap only refuses more,
 * or sends more to the stream (js/download/save.js), and -1 takes no file at all, not even 0 B.
 */
export function memoryCap() {
  const lower = Number(/** @type {any} */ (globalThis).__sealdropMemoryCap);
  return Number.isSafeInteger(lower) && lower >= -1 ? Math.min(lower, MEMORY_CAP_BYTES) : MEMORY_CAP_BYTES;
}

/**
 * The memory writer: the plaintext is kept and offered as a Blob once verified. A file over the
 * cap is refused here, before anything is fetched.
 * @param {string} name
 * @param {number} size
 * @returns {Sink}
 */
export function memorySink(name, size) {
  const cap = memoryCap();
  if (size > cap) {
    throw new SaveError(
      'too-large',
      `This browser can save files up to ${formatSize(cap)} from this page; “${name}” is ${formatSize(size)}. Open this page in Chrome, Edge or Firefox to save it.`,
    );
  }
  /** @type {Uint8Array<ArrayBuffer>[]} */
  let chunks = [];
  /** @type {string | null} */
  let url = null;
  return {
    async write(chunk) {
      chunks.push(owned(chunk));
    },
    async close() {
      const blob = new Blob(chunks, { type: 'application/octet-stream' });
      chunks = [];
      url = URL.createObjectURL(blob);
    },
    async abort() {
      chunks = [];
    },
    cancelled: new AbortController().signal,
    offer: () => url,
  };
}
