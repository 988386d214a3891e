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
//     (WebKit without an origin-private file system, such as WebKitGTK 2.50).
// The first three keep memory flat in the file's size. Whatever the writer, a download that fails
// verification leaves no complete-looking file behind and offers nothing.
//
// Why WebKit said "Connection lost" before this (the page knew only picker and stream): the
// stream writer registered its worker, announced the download and clicked the /dl/ link, and
// returned its sink at once, so the page went on to fetch the first parts while that navigation
// started. WebKit never handed the navigation to the service worker (the page is outside the
// worker's scope, navigator.serviceWorker.controller is null, and WebKit does not route such a
// navigation, or its download, through the worker's stream), and it cancels the document's
// loads in flight when its main frame starts a navigation. Those part fetches rejected with a
// TypeError, which lib/api.js apiFetch turns, as it must for a real network loss, into
// ApiError(0, 'network'); payload.js retried them with backoff (onRetry: "Connection lost.
// Resuming by itself in N s…"), and the writer's own guard, "the browser did not start the
// download" after 30 s, was checked only inside write(), which is never reached while the first
// part is still being retried; after the last try download-row.js failureSentence called the
// ApiError with status 0 "The connection was lost and did not come back". The fix: streamSink
// now waits, bounded, for the worker to report that the browser asked it for the download
// before it returns (nothing is fetched until then), a writer failure is a SaveError with its
// own sentence (never an ApiError), and a stream the browser did not take moves the page to the
// next writer (staged or memory) for that file and the ones after it.

/**
 * @typedef {Object} Sink
 * @property {(chunk: Uint8Array) => Promise<void>} write resolves when the sink can take more
 * @property {() => Promise<void>} close only after the whole file verified
 * @property {(message: string) => Promise<void>} abort discards what was written, where the platform allows
 * @property {AbortSignal} cancelled aborts when the person cancels the download outside the page
 * @property {() => string | null} [offer] the staged and memory writers: after close(), the blob:
 *   URL the verified file is saved from with an <a download>
 */

/**
 * @typedef {{ createWritable(): Promise<FileSystemWritableFileStream>, remove?: () => Promise<void> }} SaveHandle
 * @typedef {(options: { suggestedName: string }) => Promise<SaveHandle>} SaveFilePicker
 * @typedef {(options: { mode: 'readwrite' }) => Promise<FileSystemDirectoryHandle>} DirectoryPicker
 */

/** @typedef {import('./sw-protocol.js').ToServiceWorker} ToServiceWorker */
/** @typedef {import('./sw-protocol.js').FromServiceWorker} FromServiceWorker */
/** @typedef {import('./sw-protocol.js').ToDownload} ToDownload */

import { formatSize } from '../lib/format.js';
import { STAGED_DIR } from './stage-protocol.js';

/** @typedef {import('./stage-protocol.js').ToStage} ToStage */
/** @typedef {import('./stage-protocol.js').FromStage} FromStage */

// How long the browser may take to request a download before we assume it refused: once the
// stream writer has worked on this page (a later download may wait on the person allowing
// several downloads), and before it has (the bounded test that the worker takes the stream).
const START_TIMEOUT_MS = 30000;
const FIRST_START_TIMEOUT_MS = 8000;
// How long the service worker and the staging worker may take to start and answer.
const HELPER_TIMEOUT_MS = 8000;
const KEEPALIVE_MS = 10000;

/**
 * The largest file the memory writer takes. It holds the whole plaintext, and building the Blob
 * may briefly need it twice: 512 MiB keeps that peak near 1 GiB, which desktop WebKit and the
 * larger phones bear, where iOS ends a tab at about 1.5 to 2 GiB.
 */
export const MEMORY_CAP_BYTES = 512 * 1024 * 1024;

/**
 * Staged files older than this are deleted whenever the download page loads. A page cannot see
 * when the browser finished saving from an <a download>, so a staged file stays after it was
 * offered; an hour is ample for that save, and younger files may belong to another open tab.
 */
export const STAGED_MAX_AGE_MS = 60 * 60 * 1000;

/** @typedef {'picker' | 'stream' | 'staged' | 'memory'} Writer */

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

/** @type {Record<Writer, string>} */
export const WRITER_SENTENCES = {
  picker: 'This browser saves each file where you choose, as it arrives.',
  stream: 'This browser saves each file to your Downloads folder as it arrives.',
  staged:
    'This browser first stores each file in its own storage, then saves it: it needs free disk space for the largest file.',
  memory: `This browser keeps each file in memory before saving it, up to ${formatSize(MEMORY_CAP_BYTES)}.`,
};

/**
 * The memory writer's cap. A test may lower it (never raise it) with
 * globalThis.__sealdropMemoryCap, so that it needs no 512 MiB file; a lower cap only refuses more.
 */
function memoryCap() {
  const lower = Number(/** @type {any} */ (globalThis).__sealdropMemoryCap);
  return Number.isSafeInteger(lower) && lower >= 0 ? Math.min(lower, MEMORY_CAP_BYTES) : MEMORY_CAP_BYTES;
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

/** @type {Promise<ServiceWorkerRegistration> | null} */
let registration = null;

/**
 * Resolves with `promise`, or rejects with `error` once `ms` passed.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {() => Error} error
 * @returns {Promise<T>}
 */
function within(promise, ms, error) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout])).finally(() => clearTimeout(timer));
}

const HELPER_FAILED = 'The download helper of this browser could not start.';

/** @returns {Promise<ServiceWorker>} */
async function streamWorker() {
  if (!('serviceWorker' in navigator)) {
    throw new SaveError(
      'unavailable',
      'This browser cannot save downloads from this page (service workers are off, as in some private windows).',
    );
  }
  registration ??= navigator.serviceWorker.register('/sw.js', { scope: '/dl/' });
  let reg;
  try {
    reg = await within(registration, HELPER_TIMEOUT_MS, () => new SaveError('helper', HELPER_FAILED));
  } catch (err) {
    registration = null;
    throw err instanceof SaveError ? err : new SaveError('helper', HELPER_FAILED);
  }
  // navigator.serviceWorker.ready never settles here: this page is outside the worker's scope.
  const worker = reg.active ?? reg.waiting ?? reg.installing;
  if (!worker) throw new SaveError('helper', HELPER_FAILED);
  if (worker.state !== 'activated') {
    await within(
      new Promise((resolve, reject) => {
        const onChange = () => {
          if (worker.state === 'activated') resolve(undefined);
          else if (worker.state === 'redundant') reject(new SaveError('helper', HELPER_FAILED));
          else return;
          worker.removeEventListener('statechange', onChange);
        };
        worker.addEventListener('statechange', onChange);
        onChange();
      }),
      HELPER_TIMEOUT_MS,
      () => new SaveError('helper', HELPER_FAILED),
    );
  }
  return worker;
}

// Set once the browser took a stream from this page's service worker.
let streamProven = false;

/**
 * Starts a browser download of `size` bytes named `name`, fed by write().
 * @param {string} name
 * @param {number} size
 * @returns {Promise<Sink>}
 */
export async function streamSink(name, size) {
  const worker = await streamWorker();
  const fileName = safeFileName(name);
  const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  const channel = new MessageChannel();
  const port = channel.port1;
  const cancelled = new AbortController();

  let credits = 0;
  /** @type {(() => void) | null} */
  let wake = null;
  /** @type {(() => void) | null} */
  let onRegistered = null;
  let started = false;
  port.onmessage = (event) => {
    /** @type {FromServiceWorker | undefined} */
    const msg = event.data;
    const type = msg?.type;
    if (type === 'registered') onRegistered?.();
    else if (type === 'started') started = true;
    else if (type === 'pull') credits++;
    else if (type === 'cancel') cancelled.abort(new DOMException('The download was cancelled.', 'AbortError'));
    wake?.();
  };

  const registered = new Promise((resolve) => {
    onRegistered = () => resolve(undefined);
  });
  /** @type {ToServiceWorker} */
  const announce = { type: 'download', id, name: fileName, size, port: channel.port2 };
  worker.postMessage(announce, [channel.port2]);
  await within(registered, HELPER_TIMEOUT_MS, () => new SaveError('helper', HELPER_FAILED)).catch((err) => {
    port.close();
    throw err;
  });

  // A navigation, not <a download>: Chromium fetches download-attribute links itself, past the
  // service worker. The worker answers with Content-Disposition: attachment, so the browser
  // saves the response and this page stays where it is.
  const link = document.createElement('a');
  link.href = `/dl/${id}/${encodeURIComponent(fileName)}`;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();

  // Nothing is fetched before the browser handed this download to the worker ('started', sent from
  // its fetch handler): a stream it never takes fails here, as a writer's failure, in bounded
  // time. Once it worked on this page, a later one may wait for the person to allow downloads.
  if (!streamProven) {
    const startedOrNot = new Promise((resolve) => {
      const check = setInterval(() => {
        if (started || cancelled.signal.aborted) {
          clearInterval(check);
          resolve(undefined);
        }
      }, 50);
      setTimeout(() => {
        clearInterval(check);
        resolve(undefined);
      }, FIRST_START_TIMEOUT_MS);
    });
    await startedOrNot;
    if (!started) {
      port.close();
      throw new SaveError('stream-not-taken', 'This browser did not take the download from this page’s helper.');
    }
    streamProven = true;
  }

  /** @type {ToServiceWorker} */
  const ping = { type: 'ping' };
  const keepalive = setInterval(() => worker.postMessage(ping), KEEPALIVE_MS);
  /**
   * @param {ToDownload} msg
   * @param {Transferable[]} [transfer]
   */
  const send = (msg, transfer = []) => port.postMessage(msg, transfer);
  const startedBy = Date.now() + START_TIMEOUT_MS;
  const stop = () => {
    clearInterval(keepalive);
    port.close();
  };

  /** Waits for the browser to ask for one more chunk. */
  const credit = async () => {
    while (credits === 0) {
      if (cancelled.signal.aborted) throw cancelled.signal.reason;
      if (!started && Date.now() > startedBy) {
        throw new SaveError(
          'not-started',
          'The browser did not start the download. Allow downloads from this site and try again.',
        );
      }
      await new Promise((resolve) => {
        wake = () => resolve(undefined);
        setTimeout(resolve, 1000);
      });
      wake = null;
    }
    credits--;
  };

  return {
    async write(chunk) {
      await credit();
      const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
      // Transfer rather than copy when the chunk owns its buffer: nothing here reads it again.
      send({ type: 'chunk', chunk }, whole ? [chunk.buffer] : []);
    },
    async close() {
      send({ type: 'end' });
      stop();
    },
    async abort(message) {
      send({ type: 'error', message });
      stop();
    },
    cancelled: cancelled.signal,
  };
}

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

/**
 * @param {Uint8Array} chunk
 * @returns {Uint8Array<ArrayBuffer>} the chunk if it owns its whole buffer (it is handed over, not
 *   copied), else a copy that does
 */
function owned(chunk) {
  const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
  return /** @type {Uint8Array<ArrayBuffer>} */ (whole && chunk.buffer instanceof ArrayBuffer ? chunk : chunk.slice());
}

/** A staging worker, asked one thing at a time. */
function stageWorker() {
  const worker = new Worker(new URL('../workers/stage-worker.js', import.meta.url), { type: 'module' });
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

/**
 * The memory writer, for browsers with no streaming writer: the plaintext is kept and offered as
 * a Blob once verified. A file over the cap is refused here, before anything is fetched.
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
