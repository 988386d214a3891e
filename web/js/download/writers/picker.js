// The picker writer: the File System Access API (Chromium desktop) writes each file where the
// person chose, as it arrives; a folder once for "Download all".

/**
 * @typedef {{ createWritable(): Promise<FileSystemWritableFileStream>, remove?: () => Promise<void> }} SaveHandle
 * @typedef {(options: { suggestedName: string }) => Promise<SaveHandle>} SaveFilePicker
 * @typedef {(options: { mode: 'readwrite' }) => Promise<FileSystemDirectoryHandle>} DirectoryPicker
 */

/** @typedef {import('./sink.js').Sink} Sink */

import { safeFileName } from './sink.js';

export function canPickFile() {
  return typeof (/** @type {any} */ (window).showSaveFilePicker) === 'function';
}

export function canPickFolder() {
  return typeof (/** @type {any} */ (window).showDirectoryPicker) === 'function';
}

/**
 * @param {unknown} err
 * @returns {boolean} whether the person closed a picker without choosing
 */
export function isPickerCancel(err) {
  return err instanceof DOMException && err.name === 'AbortError';
}

/**
 * Asks where to save one file.
 * @param {string} name
 * @returns {Promise<Sink>}
 */
export async function pickFileSink(name) {
  const picker = /** @type {SaveFilePicker} */ (/** @type {any} */ (window).showSaveFilePicker);
  const handle = await picker({ suggestedName: safeFileName(name) });
  return fileSink(handle, async () => {
    // remove() is not everywhere yet; where missing, the picked file stays empty, not partial.
    if (typeof handle.remove === 'function') await handle.remove();
  });
}

/**
 * Asks for a folder once, for "Download all": one save prompt per file would need a fresh
 * click for each, and browsers refuse pickers without one.
 * @returns {Promise<(name: string) => Promise<Sink>>}
 */
export async function pickFolder() {
  const picker = /** @type {DirectoryPicker} */ (/** @type {any} */ (window).showDirectoryPicker);
  const dir = await picker({ mode: 'readwrite' });
  return async (name) => {
    const unique = await freeName(dir, safeFileName(name));
    const handle = await dir.getFileHandle(unique, { create: true });
    return fileSink(handle, () => dir.removeEntry(unique));
  };
}

/**
 * "report.pdf", else "report (1).pdf", ...: never overwrite a file already in the folder.
 * @param {FileSystemDirectoryHandle} dir
 * @param {string} name
 */
async function freeName(dir, name) {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  for (let i = 0; ; i++) {
    const candidate = i === 0 ? name : `${stem} (${i})${ext}`;
    try {
      await dir.getFileHandle(candidate);
    } catch (err) {
      if (err instanceof DOMException && err.name === 'NotFoundError') return candidate;
      throw err;
    }
  }
}

/**
 * @param {SaveHandle} handle
 * @param {() => Promise<void>} removeFile
 * @returns {Promise<Sink>}
 */
async function fileSink(handle, removeFile) {
  // The writable fills a temporary file; the target only changes when close() succeeds.
  const writable = await handle.createWritable();
  return {
    write: (chunk) => writable.write(/** @type {Uint8Array<ArrayBuffer>} */ (chunk)),
    close: () => writable.close(),
    abort: async () => {
      await writable.abort().catch(() => {});
      await removeFile().catch(() => {});
    },
    cancelled: new AbortController().signal,
  };
}
