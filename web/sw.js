// Turns a download the page decrypts into a real browser download, streamed, for browsers
// without the File System Access API. It answers only /dl/<id>/<name> URLs the page announced
// a moment before, caches nothing, and lets every other request pass untouched.
// Its messages, both ways, are typed in js/download/sw-protocol.js.

/** @typedef {import('./js/download/sw-protocol.js').ToServiceWorker} ToServiceWorker */
/** @typedef {import('./js/download/sw-protocol.js').FromServiceWorker} FromServiceWorker */
/** @typedef {import('./js/download/sw-protocol.js').ToDownload} ToDownload */

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

// A browser that never follows the page's link would otherwise keep the entry forever.
const UNCLAIMED_TTL_MS = 60000;

/** @type {Map<string, { name: string, size: number, port: MessagePort }>} */
const pending = new Map();

sw.addEventListener('install', () => {
  // A page must never wait on an old worker to hand over a download.
  sw.skipWaiting();
});

sw.addEventListener('message', (event) => {
  /** @type {ToServiceWorker} */
  const msg = event.data;
  if (msg?.type !== 'download' || !(msg.port instanceof MessagePort)) return;
  const id = String(msg.id);
  if (!/^[0-9a-f]{32}$/.test(id)) return;
  pending.set(id, { name: String(msg.name), size: Number(msg.size), port: msg.port });
  setTimeout(() => pending.delete(id), UNCLAIMED_TTL_MS);
  tell(msg.port, { type: 'registered' });
});

sw.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== sw.location.origin || !url.pathname.startsWith('/dl/')) return;
  const id = url.pathname.split('/')[2] ?? '';
  const entry = pending.get(id);
  if (!entry) {
    event.respondWith(
      new Response('This download is no longer available. Go back to the download page and start it again.', {
        status: 404,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
      }),
    );
    return;
  }
  // One use: a second request for the same URL must not get a second copy of the stream.
  pending.delete(id);
  event.respondWith(streamResponse(entry));
});

/** @param {{ name: string, size: number, port: MessagePort }} entry */
function streamResponse({ name, size, port }) {
  /** @type {(() => void) | null} */
  let delivered = null;
  const stream = new ReadableStream(
    {
      start(controller) {
        port.onmessage = (event) => {
          /** @type {ToDownload} */
          const msg = event.data;
          if (msg?.type === 'chunk' && msg.chunk instanceof Uint8Array) {
            controller.enqueue(msg.chunk);
          } else if (msg?.type === 'end') {
            controller.close();
            port.close();
          } else if (msg?.type === 'error') {
            // Erroring the stream makes the browser mark the download failed and drop the
            // partial file, instead of keeping a file that looks complete.
            controller.error(new Error(String(msg.message)));
            port.close();
          } else {
            return;
          }
          delivered?.();
          delivered = null;
        };
        tell(port, { type: 'started' });
      },
      pull() {
        // Pull-based, with no queue: pull runs only when the browser reads, so each 'pull' tells
        // the page that the browser consumes the download (js/download/writers/stream.js waits
        // for the first before it fetches anything) and the page decrypts only what is read.
        tell(port, { type: 'pull' });
        return new Promise((resolve) => {
          delivered = resolve;
        });
      },
      cancel() {
        tell(port, { type: 'cancel' });
        port.close();
      },
    },
    new CountQueuingStrategy({ highWaterMark: 0 }),
  );
  /** @type {Record<string, string>} */
  const headers = {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': contentDisposition(name),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
  if (Number.isSafeInteger(size) && size >= 0) headers['Content-Length'] = String(size);
  return new Response(stream, { headers });
}

/**
 * @param {MessagePort} port
 * @param {FromServiceWorker} msg
 */
function tell(port, msg) {
  port.postMessage(msg);
}

/** @param {string} name already stripped of path separators and control characters by the page */
function contentDisposition(name) {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  // RFC 8187 attr-chars: encodeURIComponent leaves a few characters that must be escaped too.
  const encoded = encodeURIComponent(name).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
