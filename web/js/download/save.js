// Where a download's plaintext goes. Four writers, chosen by feature detection (never by user
// agent) in one place, chooseWriter():
//   picker: the File System Access API (Chromium desktop) writes to a file the person picked;
//   stream: a service worker (web/sw.js) turns a stream from this page into an ordinary browser
//     download, used only once it was seen to take the stream (streamSink waits, bounded, for the
//     browser to hand the download's request to the worker, and only then fetches anything);
//   staged: the plaintext goes into an origin-private file through a worker's
//     FileSystemSyncAccessHandle (Firefox, Safari), and only a verified file is offered, as an
//     <a download> on a blob URL of that disk-backed File;
//   memory: the plaintext is kept in memory and offered as a Blob, up to MEMORY_CAP_BYTES
//     (WebKit without service workers or an origin-private file system).
// The first three keep memory flat in the file's size. Whatever the writer, a download that fails
// verification leaves no complete-looking file behind and offers nothing.
//
// Each writer is a module of writers/; this one chooses among them.

/** @typedef {import('./writers/sink.js').Sink} Sink */

import { formatSize } from '../lib/format.js';
import { canPickFile, pickFileSink } from './writers/picker.js';
import { streamSink, streamWorker, HELPER_TIMEOUT_MS } from './writers/stream.js';
import { stageWorker, stagedSink } from './writers/staged.js';
import { MEMORY_CAP_BYTES, memorySink } from './writers/memory.js';
import { SaveError, within } from './writers/sink.js';

export { SaveError, safeFileName } from './writers/sink.js';
export { canPickFile, canPickFolder, isPickerCancel, pickFolder } from './writers/picker.js';
export { sweepStaged } from './writers/staged.js';

/** @typedef {'picker' | 'stream' | 'staged' | 'memory'} Writer */

/** @type {Record<Writer, string>} */
export const WRITER_SENTENCES = {
  picker: 'This browser saves each file where you choose, as it arrives.',
  stream: 'This browser saves each file to your Downloads folder as it arrives.',
  staged:
    'This browser first stores each file in its own storage, then saves it: it needs free disk space for the largest file.',
  memory: `This browser keeps each file in memory before saving it, up to ${formatSize(MEMORY_CAP_BYTES)}.`,
};

/** @type {Promise<Writer> | null} */
let chosen = null;
/** @type {((writer: Writer) => void)[]} */
const onWriterChange = [];

/**
 * How this browser saves, found out once per page by trying, never by its name: File System
 * Access, else a service worker (registered and running in bounded time; whether it takes the
 * stream shows at the first download, which moves on to the next writer if not), else an
 * origin-private file a worker can write through a sync access handle (made in bounded time),
 * else memory.
 * @returns {Promise<Writer>}
 */
export function chooseWriter() {
  chosen ??= (async () => {
    if (canPickFile()) return 'picker';
    try {
      await streamWorker();
      return 'stream';
    } catch {
      return fallbackWriter();
    }
  })();
  return chosen;
}

/** The writer after the stream: staged where the probe works, else memory. @returns {Promise<Writer>} */
async function fallbackWriter() {
  if (typeof navigator.storage?.getDirectory !== 'function' || typeof Worker !== 'function') return 'memory';
  try {
    const stage = stageWorker();
    try {
      await within(stage.ask({ type: 'probe' }), HELPER_TIMEOUT_MS, () => new SaveError('storage', 'probe'));
    } finally {
      stage.end();
    }
    return 'staged';
  } catch {
    return 'memory';
  }
}

/** @param {(writer: Writer) => void} listener told the writer now, and again if it changes */
export function watchWriter(listener) {
  onWriterChange.push(listener);
  chooseWriter().then(listener);
}

/**
 * Where one file goes, by this browser's writer (a folder's writer for "Download all" is the
 * page's). The picker must be asked straight from the click: nothing is awaited before it.
 * @param {string} name
 * @param {number} size
 * @returns {Promise<Sink>}
 */
export async function openSink(name, size) {
  if (canPickFile()) return pickFileSink(name);
  const writer = await chooseWriter();
  if (writer === 'stream') {
    try {
      return await streamSink(name, size);
    } catch (err) {
      if (!(err instanceof SaveError && err.kind === 'stream-not-taken')) throw err;
      // The service worker runs but the browser does not give it downloads: this file and the
      // next go through the writer after it.
      const next = await fallbackWriter();
      chosen = Promise.resolve(next);
      for (const listener of onWriterChange) listener(next);
      return openSink(name, size);
    }
  }
  if (writer === 'staged') return stagedSink();
  if (writer === 'memory') return memorySink(name, size);
  return pickFileSink(name);
}
