// The messages between the download page (js/download/writers/stream.js, streamSink) and the service
// worker that turns its stream into a browser download (web/sw.js), as types only, so that tsc
// checks both sides against one list.

/**
 * Page -> service worker: announce a download of `size` bytes named `name` at /dl/<id>/...,
 * fed through `port` (transferred); or keep the worker alive while a download runs.
 * @typedef {{ type: 'download', id: string, name: string, size: number, port: MessagePort }
 *   | { type: 'ping' }} ToServiceWorker
 */

/**
 * Service worker -> page, on the port: the download is announced, the browser started it, it
 * reads one more chunk (the stream keeps no queue: a 'pull' is a read), or the person cancelled it.
 * @typedef {{ type: 'registered' } | { type: 'started' } | { type: 'pull' } | { type: 'cancel' }} FromServiceWorker
 */

/**
 * Page -> service worker, on the port: a chunk of plaintext, the end, or a failure.
 * @typedef {{ type: 'chunk', chunk: Uint8Array } | { type: 'end' } | { type: 'error', message: string }} ToDownload
 */

export {};
