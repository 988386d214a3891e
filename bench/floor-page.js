// The memory floor of a download, with no product code: fetch a share's payload from the local
// stack in ranges and decrypt it in records with WebCrypto AES-256-GCM, as the download page
// does, under one set of settings. bench/floor.mjs serves this file to a bare page at the stack's
// origin and runs it there or in a module Worker (the file is both: as a worker it answers
// messages).
//
// WebCrypto allocates a fresh result for every record whatever the caller does, so each record
// decrypts the same sealed record of the record size: the allocations are those of the real
// download, without the page needing the file's key.

/**
 * @typedef {Object} FloorSettings
 * @property {string} url the payload's URL
 * @property {Record<string, string>} headers sent with every range request
 * @property {number} bytes how much of the payload to fetch
 * @property {number} part the range size
 * @property {'byob' | 'arrayBuffer'} read how a range's body is read
 * @property {number} ahead ranges fetched while the current one decrypts
 * @property {number} record the bytes of one decrypt call (0: fetch only)
 * @property {number} inFlight decrypt calls at once
 * @property {boolean} yieldEach a macrotask (setTimeout 0) between ranges
 * @property {boolean} [fetchless] decrypt as many records as `bytes` holds, fetching nothing
 */

/**
 * @param {ReadableStream<Uint8Array>} body
 * @param {ArrayBuffer} buffer
 * @param {number} length
 * @returns {Promise<Uint8Array<ArrayBuffer>>}
 */
async function readInto(body, buffer, length) {
  const reader = body.getReader({ mode: 'byob' });
  let into = buffer;
  let fill = 0;
  while (fill < length) {
    const { done, value } = await reader.read(new Uint8Array(into, fill, length - fill));
    if (done || !value) break;
    into = /** @type {ArrayBuffer} */ (value.buffer);
    fill += value.length;
  }
  reader.releaseLock();
  return new Uint8Array(into, 0, fill);
}

/**
 * @param {FloorSettings} s
 * @returns {Promise<{ ms: number }>}
 */
export async function floor(s) {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const iv = new Uint8Array(12);
  const additionalData = new Uint8Array(56);
  const sealed = s.record
    ? await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, new Uint8Array(s.record - 16))
    : null;
  /** @type {ArrayBuffer[]} */
  const buffers = [];
  /** @param {number} i */
  const fetchRange = async (i) => {
    const start = i * s.part;
    const length = Math.min(s.part, s.bytes - start);
    if (s.fetchless) return { length };
    const res = await fetch(s.url, { headers: { ...s.headers, Range: `bytes=${start}-${start + length - 1}` } });
    if (!res.body || res.status !== 206) throw new Error(`range ${i}: ${res.status}`);
    if (s.read === 'arrayBuffer') return new Uint8Array(await res.arrayBuffer());
    const slot = i % (s.ahead + 1);
    const bytes = await readInto(res.body, buffers[slot] ?? new ArrayBuffer(s.part), length);
    buffers[slot] = bytes.buffer;
    return bytes;
  };
  /** @param {{ length: number }} bytes */
  const decrypt = async (bytes) => {
    if (!sealed) return;
    /** @type {Promise<ArrayBuffer>[]} */
    const pending = [];
    for (let at = 0; at < bytes.length; at += s.record) {
      pending.push(crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, key, sealed));
      if (pending.length >= s.inFlight) await pending.shift();
    }
    await Promise.all(pending);
  };
  const count = Math.ceil(s.bytes / s.part);
  const start = performance.now();
  /** @type {Promise<{ length: number }>[]} */
  const ahead = [];
  for (let i = 0; i < Math.min(s.ahead, count); i++) ahead.push(fetchRange(i));
  for (let i = 0; i < count; i++) {
    if (i + s.ahead < count) ahead.push(fetchRange(i + s.ahead));
    const bytes = await /** @type {Promise<{ length: number }>} */ (ahead.shift());
    await decrypt(bytes);
    if (s.yieldEach) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return { ms: performance.now() - start };
}

if (typeof document === 'undefined') {
  globalThis.addEventListener('message', (event) => {
    floor(/** @type {MessageEvent<FloorSettings>} */ (event).data).then(
      (result) => postMessage(result),
      (err) => postMessage({ error: String(err) }),
    );
  });
}
