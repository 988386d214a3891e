// The stream writer: a service worker (web/sw.js) turns a stream from this page into an ordinary
// browser download (js/download/save.js says when: what the browser wrote of a file that then
// fails verification is the browser's to keep). Nothing is fetched before the browser handed the
// download's request to the worker and began to read it: a main-frame navigation the worker does
// not take cancels the page's loads in flight, which would read as a lost connection. The first
// download on a page waits for that, bounded, and fails with SaveError('stream-not-taken') if it
// does not come, so that the page stops using the stream (js/download/save.js openSink).

/** @typedef {import('../sw-protocol.js').ToServiceWorker} ToServiceWorker */
/** @typedef {import('../sw-protocol.js').FromServiceWorker} FromServiceWorker */
/** @typedef {import('../sw-protocol.js').ToDownload} ToDownload */

/** @typedef {import('./sink.js').Sink} Sink */

import { SaveError, safeFileName, within } from './sink.js';

// How long the browser may take to request a download before we assume it refused, once the
// stream writer has worked on this page (a later download may wait on the person allowing
// several downloads); and how long it may take to read the first stream of a page (the bounded
// test that it saves the worker's streams at all).
const START_TIMEOUT_MS = 30000;
const FIRST_READ_TIMEOUT_MS = 8000;
// How long the service worker (and js/download/save.js's probe of the staging worker) may take
// to start and answer.
export const HELPER_TIMEOUT_MS = 8000;
const KEEPALIVE_MS = 10000;

/** @type {Promise<ServiceWorkerRegistration> | null} */
let registration = null;

const HELPER_FAILED = 'The download helper of this browser could not start.';

/** @returns {Promise<ServiceWorker>} */
export async function streamWorker() {
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
  let started = false;
  /** @type {(() => void) | null} */
  let wake = null;
  /** @type {(() => void) | null} */
  let onRegistered = null;
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
  /**
   * Waits until `ready()` holds, checked after every message and at least every second, or
   * until `ms` passed; says whether it holds.
   * @param {() => boolean} ready
   * @param {number} ms
   */
  const until = async (ready, ms) => {
    const by = Date.now() + ms;
    while (!ready() && Date.now() < by) {
      await new Promise((resolve) => {
        wake = () => resolve(undefined);
        setTimeout(resolve, Math.min(1000, by - Date.now()));
      });
      wake = null;
    }
    return ready();
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

  /**
   * @param {ToDownload} msg
   * @param {Transferable[]} [transfer]
   */
  const send = (msg, transfer = []) => port.postMessage(msg, transfer);

  // Nothing is fetched before the browser reads the download (its first 'pull': the worker's
  // stream keeps no queue). A browser may take the request and then never read the body: the
  // first stream of a page that does not read fails here, as a writer's failure, in bounded time,
  // and its download is failed so that the browser keeps no file. Once one was read on this page,
  // a later one may wait for the person to allow downloads. (WebKitGTK 2.50 reads, then cancels
  // the page's fetches in flight as the download starts: each part's retry takes that.)
  if (!streamProven) {
    if (!(await until(() => credits > 0 || cancelled.signal.aborted, FIRST_READ_TIMEOUT_MS))) {
      send({ type: 'error', message: 'The browser did not read the download.' });
      port.close();
      throw new SaveError('stream-not-taken', 'This browser did not take the download from this page’s helper.');
    }
    if (cancelled.signal.aborted) {
      port.close();
      throw cancelled.signal.reason;
    }
    streamProven = true;
  }

  /** @type {ToServiceWorker} */
  const ping = { type: 'ping' };
  const keepalive = setInterval(() => worker.postMessage(ping), KEEPALIVE_MS);
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
      await until(() => credits > 0 || cancelled.signal.aborted, 1000);
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
    keepsPartial: true,
  };
}
