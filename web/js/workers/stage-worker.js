// Writes one staged download into the origin-private file system (js/download/writers/staged.js,
// stagedSink): a FileSystemSyncAccessHandle writes each chunk straight to disk as it comes, so
// memory stays flat whatever the file's size. One file per worker; the page ends the worker
// after it. Its messages are typed in js/download/stage-protocol.js.
import { STAGED_DIR } from '../download/stage-protocol.js';

/** @typedef {import('../download/stage-protocol.js').ToStage} ToStage */
/** @typedef {import('../download/stage-protocol.js').FromStage} FromStage */

const scope = /** @type {DedicatedWorkerGlobalScope} */ (/** @type {unknown} */ (self));

/** @type {FileSystemDirectoryHandle | null} */
let dir = null;
/** @type {FileSystemSyncAccessHandle | null} */
let handle = null;
let fileName = '';
let at = 0;

/** @param {FromStage} msg */
function tell(msg) {
  scope.postMessage(msg);
}

async function stagedDir() {
  dir ??= await (await navigator.storage.getDirectory()).getDirectoryHandle(STAGED_DIR, { create: true });
  return dir;
}

/** @param {string} name */
async function open(name) {
  const file = await (await stagedDir()).getFileHandle(name, { create: true });
  fileName = name;
  handle = await file.createSyncAccessHandle();
  handle.truncate(0);
  at = 0;
}

/** @param {ToStage} msg */
async function handleMessage(msg) {
  if (msg.type === 'probe') {
    // The feature test: a handle made, written and closed, and the file removed again.
    // Named like a staged file, with its time first, so that the page's sweep (which deletes
    // only old ones) leaves it alone.
    const name = `${Date.now()}-probe-${crypto.randomUUID()}`;
    await open(name);
    await close();
    await (await stagedDir()).removeEntry(name).catch((err) => {
      if (!(err instanceof DOMException && err.name === 'NotFoundError')) throw err;
    });
  } else if (msg.type === 'open') {
    await open(msg.name);
  } else if (msg.type === 'chunk') {
    if (!handle) throw new Error('no staged file is open');
    const written = handle.write(msg.chunk, { at });
    // A short write is the disk (or the origin's quota) running out.
    if (written !== msg.chunk.byteLength) throw new DOMException('short write', 'QuotaExceededError');
    at += written;
  } else if (msg.type === 'close') {
    await close();
  } else if (msg.type === 'abort') {
    await close().catch(() => {});
    if (fileName) await (await stagedDir()).removeEntry(fileName).catch(() => {});
  }
}

async function close() {
  if (!handle) return;
  const h = handle;
  handle = null;
  h.flush();
  h.close();
}

// One request at a time: the page waits for each answer before it sends the next.
scope.addEventListener('message', (event) => {
  handleMessage(/** @type {ToStage} */ (event.data)).then(
    () => tell({ type: 'done' }),
    (err) =>
      tell({
        type: 'error',
        kind: err instanceof DOMException && err.name === 'QuotaExceededError' ? 'quota' : 'storage',
        message: err instanceof Error ? err.message : String(err),
      }),
  );
});
