// Where a download's plaintext goes. Two ways, chosen at runtime: the File System Access API
// (Chromium desktop) writes to a file the person picked; elsewhere a service worker turns a
// stream from this page into an ordinary browser download. Either way nothing is held whole
// in memory, and a download that fails verification leaves no complete-looking file behind.

/**
 * @typedef {Object} Sink
 * @property {(chunk: Uint8Array) => Promise<void>} write resolves when the sink can take more
 * @property {() => Promise<void>} close only after the whole file verified
 * @property {(message: string) => Promise<void>} abort discards what was written, where the platform allows
 * @property {AbortSignal} cancelled aborts when the person cancels the download outside the page
 */

/**
 * @typedef {{ createWritable(): Promise<FileSystemWritableFileStream>, remove?: () => Promise<void> }} SaveHandle
 * @typedef {(options: { suggestedName: string }) => Promise<SaveHandle>} SaveFilePicker
 * @typedef {(options: { mode: 'readwrite' }) => Promise<FileSystemDirectoryHandle>} DirectoryPicker
 */

/** @typedef {import('./sw-protocol.js').ToServiceWorker} ToServiceWorker */
/** @typedef {import('./sw-protocol.js').FromServiceWorker} FromServiceWorker */
/** @typedef {import('./sw-protocol.js').ToDownload} ToDownload */

// How long the browser may take to request a download before we assume it refused.
const START_TIMEOUT_MS = 30000;
const KEEPALIVE_MS = 10000;

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

/** @returns {Promise<ServiceWorker>} */
async function streamWorker() {
  if (!('serviceWorker' in navigator)) {
    throw new Error(
      'This browser cannot save downloads from this page (service workers are off, as in some private windows).',
    );
  }
  registration ??= navigator.serviceWorker.register('/sw.js', { scope: '/dl/' });
  let reg;
  try {
    reg = await registration;
  } catch (err) {
    registration = null;
    throw err;
  }
  // navigator.serviceWorker.ready never settles here: this page is outside the worker's scope.
  const worker = reg.active ?? reg.waiting ?? reg.installing;
  if (!worker) throw new Error('The download helper could not start.');
  if (worker.state !== 'activated') {
    await new Promise((resolve, reject) => {
      const onChange = () => {
        if (worker.state === 'activated') resolve(undefined);
        else if (worker.state === 'redundant') reject(new Error('The download helper could not start.'));
        else return;
        worker.removeEventListener('statechange', onChange);
      };
      worker.addEventListener('statechange', onChange);
      onChange();
    });
  }
  return worker;
}

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
  await registered;

  // A navigation, not <a download>: Chromium fetches download-attribute links itself, past the
  // service worker. The worker answers with Content-Disposition: attachment, so the browser
  // saves the response and this page stays where it is.
  const link = document.createElement('a');
  link.href = `/dl/${id}/${encodeURIComponent(fileName)}`;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();

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
        throw new Error('The browser did not start the download. Allow downloads from this site and try again.');
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
