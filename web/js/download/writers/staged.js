// The staged writer (Firefox, Safari): the plaintext goes into an origin-private file through a
// worker's FileSystemSyncAccessHandle (js/workers/stage-worker.js), and only a verified file is
// offered, as an <a download> on a blob URL of that disk-backed File. Memory stays flat.

/** @typedef {import('../stage-protocol.js').ToStage} ToStage */
/** @typedef {import('../stage-protocol.js').FromStage} FromStage */

/** @typedef {import('./sink.js').Sink} Sink */

import { STAGED_DIR } from '../stage-protocol.js';
import { SaveError, owned } from './sink.js';

/**
 * Staged files older than this are deleted whenever the download page loads. A page cannot see
 * when the browser finished saving from an <a download>, so a staged file stays after it was
 * offered; an hour is ample for that save, and younger files may belong to another open tab.
 */
export const STAGED_MAX_AGE_MS = 60 * 60 * 1000;

/** A staging worker, asked one thing at a time. */
export function stageWorker() {
  const worker = new Worker(new URL('../../workers/stage-worker.js', import.meta.url), { type: 'module' });
  /** @type {{ resolve: () => void, reject: (err: Error) => void } | null} */
  let waiting = null;
  /** @param {Error} err */
  const fail = (err) => {
    const w = waiting;
    waiting = null;
    w?.reject(err);
  };
  worker.onmessage = (event) => {
    /** @type {FromStage} */
    const msg = event.data;
    const w = waiting;
    waiting = null;
    if (msg?.type === 'done') w?.resolve();
    else if (msg?.type === 'error' && msg.kind === 'quota') w?.reject(new SaveError('quota', QUOTA));
    else w?.reject(new SaveError('storage', STORAGE_FAILED));
  };
  worker.onerror = (event) => {
    event.preventDefault();
    fail(new SaveError('storage', STORAGE_FAILED));
  };
  return {
    /**
     * @param {ToStage} msg
     * @param {Transferable[]} [transfer]
     * @returns {Promise<void>}
     */
    ask(msg, transfer = []) {
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        worker.postMessage(msg, transfer);
      });
    },
    end() {
      fail(new SaveError('storage', STORAGE_FAILED));
      worker.terminate();
    },
  };
}

const QUOTA = 'This browser’s storage is full, so the file could not be stored before saving. Free some disk space.';
const STORAGE_FAILED = 'This browser’s storage failed while storing the file.';

/** @returns {Promise<FileSystemDirectoryHandle>} */
async function stagedDir() {
  return (await navigator.storage.getDirectory()).getDirectoryHandle(STAGED_DIR, { create: true });
}

/**
 * The staged writer: each chunk goes to disk in the staging worker as it comes (its buffer
 * transferred), and only a file that verified is offered, from a blob URL of the origin-private
 * File itself (disk-backed, never read into memory here). An abort deletes the staged file.
 * @returns {Promise<Sink>}
 */
export async function stagedSink() {
  const stage = stageWorker();
  // Its creation time leads the name, for the sweep (sweepStaged).
  const staged = `${Date.now()}-${crypto.randomUUID()}`;
  try {
    await stage.ask({ type: 'open', name: staged });
  } catch (err) {
    await stage.ask({ type: 'abort' }).catch(() => {});
    stage.end();
    throw err;
  }
  /** @type {string | null} */
  let url = null;
  return {
    async write(chunk) {
      const data = owned(chunk);
      await stage.ask({ type: 'chunk', chunk: data }, [data.buffer]);
    },
    async close() {
      await stage.ask({ type: 'close' });
      stage.end();
      const file = await (await (await stagedDir()).getFileHandle(staged)).getFile();
      url = URL.createObjectURL(file);
    },
    async abort() {
      await stage.ask({ type: 'abort' }).catch(() => {});
      stage.end();
      // Also from here, should the worker have died before it could.
      await (await stagedDir()).removeEntry(staged).catch(() => {});
    },
    cancelled: new AbortController().signal,
    offer: () => url,
  };
}

/**
 * Deletes the staged files older than STAGED_MAX_AGE_MS (the download page, at every load).
 * Younger ones may still be saving in another tab. Best effort.
 */
export async function sweepStaged() {
  if (typeof navigator.storage?.getDirectory !== 'function') return;
  try {
    const dir = await stagedDir();
    /** @type {string[]} */
    const old = [];
    // @ts-ignore: async iteration of a directory handle
    for await (const name of dir.keys()) {
      const made = Number(/^(\d+)-/.exec(name)?.[1]);
      if (!Number.isFinite(made) || Date.now() - made > STAGED_MAX_AGE_MS) old.push(name);
    }
    for (const name of old) await dir.removeEntry(name).catch(() => {});
  } catch {
    // Nothing staged can be found; nothing to delete.
  }
}
