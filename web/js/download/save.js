// Where a download's plaintext goes. Four writers, chosen by feature detection (never by user
// agent) in one place, chooseWriter() and openSink():
//   picker: the File System Access API (Chromium desktop) writes to a file the person picked,
//     which the browser discards if the download is aborted;
//   staged: the plaintext goes into an origin-private file through a worker's
//     FileSystemSyncAccessHandle (Firefox, Safari, Chromium without File System Access), and only a
//     verified file is offered, as an <a download> on a blob URL of that disk-backed File;
//   memory: the plaintext is kept in memory and offered as a Blob once verified, up to
//     MEMORY_CAP_BYTES (WebKitGTK 2.50, which has no origin-private file system; private windows);
//   stream: a service worker (web/sw.js) turns a stream from this page into an ordinary browser
//     download, for a file over the memory writer's cap where neither of the first two exists.
// The first three keep the promise that nothing of a file that fails verification is saved on the
// page's own authority. The stream cannot: what the browser wrote before the failure is the
// browser's to keep, and WebKitGTK 2.50 keeps it under the file's name (Chromium and Firefox
// discard it). So the stream comes last, only for files no other writer can take, and says so.
// The picker, the staged writer and the stream keep memory flat in the file's size.
//
// Each writer is a module of writers/; this one chooses among them.

/** @typedef {import('./writers/sink.js').Sink} Sink */

import { formatSize } from '../lib/format.js';
import { canPickFile, pickFileSink } from './writers/picker.js';
import { streamSink, streamWorker, HELPER_TIMEOUT_MS } from './writers/stream.js';
import { stageWorker, stagedSink } from './writers/staged.js';
import { MEMORY_CAP_BYTES, memoryCap, memorySink } from './writers/memory.js';
import { SaveError, within } from './writers/sink.js';

export { SaveError, safeFileName } from './writers/sink.js';
export { canPickFile, canPickFolder, isPickerCancel, pickFolder } from './writers/picker.js';
export { sweepStaged } from './writers/staged.js';

/** How this page saves the files it downloads. @typedef {'picker' | 'staged' | 'memory'} Writer */

/** @type {Record<Writer, string>} */
const WRITER_SENTENCES = {
  picker: 'This browser saves each file where you choose, as it arrives.',
  staged:
    'This browser first stores each file in its own storage, then saves it: it needs free disk space for the largest file.',
  memory: `This browser keeps each file in memory until it is verified, then saves it, up to ${formatSize(MEMORY_CAP_BYTES)}.`,
};
const LARGER_STREAMED =
  'It saves a larger file to your Downloads folder as it arrives: should that file fail verification, delete what was saved of it.';

/**
 * What #save-how says for `writer`.
 * @param {Writer} writer
 * @param {boolean} streamsLarger whether a file over the memory writer's cap goes through the stream
 */
export const writerSentence = (writer, streamsLarger) =>
  writer === 'memory' && streamsLarger ? `${WRITER_SENTENCES.memory} ${LARGER_STREAMED}` : WRITER_SENTENCES[writer];

/** @type {Promise<{ writer: Writer, streamsLarger: boolean }> | null} */
let chosen = null;
/** @type {((writer: Writer, streamsLarger: boolean) => void)[]} */
const onWriterChange = [];

/**
 * How this browser saves, found out once per page by trying, never by its name: File System
 * Access, else an origin-private file a worker can write through a sync access handle (made in
 * bounded time), else memory; with memory, whether a service worker runs (registered and running
 * in bounded time) to stream larger files. Whether the browser takes its stream shows at the first
 * such file, which ends that way if not.
 * @returns {Promise<{ writer: Writer, streamsLarger: boolean }>}
 */
export function chooseWriter() {
  chosen ??= (async () => {
    if (canPickFile()) return { writer: /** @type {Writer} */ ('picker'), streamsLarger: false };
    if (await canStage()) return { writer: /** @type {Writer} */ ('staged'), streamsLarger: false };
    const streamsLarger = await streamWorker().then(
      () => true,
      () => false,
    );
    return { writer: /** @type {Writer} */ ('memory'), streamsLarger };
  })();
  return chosen;
}

/** Whether the staged writer works here: its worker answers a probe in bounded time. */
async function canStage() {
  if (typeof navigator.storage?.getDirectory !== 'function' || typeof Worker !== 'function') return false;
  try {
    const stage = stageWorker();
    try {
      await within(stage.ask({ type: 'probe' }), HELPER_TIMEOUT_MS, () => new SaveError('storage', 'probe'));
    } finally {
      stage.end();
    }
    return true;
  } catch {
    return false;
  }
}

/** @param {(sentence: string, writer: Writer) => void} listener told now, and again if it changes */
export function watchWriter(listener) {
  const tell = (/** @type {Writer} */ writer, /** @type {boolean} */ streamsLarger) =>
    listener(writerSentence(writer, streamsLarger), writer);
  onWriterChange.push(tell);
  chooseWriter().then(({ writer, streamsLarger }) => tell(writer, streamsLarger));
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
  const { writer, streamsLarger } = await chooseWriter();
  if (writer === 'staged') return stagedSink();
  if (writer === 'picker') return pickFileSink(name);
  if (size <= memoryCap() || !streamsLarger) return memorySink(name, size);
  try {
    return await streamSink(name, size);
  } catch (err) {
    if (!(err instanceof SaveError && err.kind === 'stream-not-taken')) throw err;
    // The service worker runs but the browser does not give it downloads: larger files are refused
    // from now on, as where no service worker runs.
    chosen = Promise.resolve({ writer, streamsLarger: false });
    for (const listener of onWriterChange) listener(writer, false);
    return memorySink(name, size);
  }
}
