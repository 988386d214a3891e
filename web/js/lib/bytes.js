// Reading a byte stream into a buffer the caller reuses, so that transfers of any size leave
// almost no garbage behind (Chromium collects dropped ArrayBuffers lazily).

/**
 * Reads up to `length` bytes of `stream` into `buffer`. With a BYOB reader the reader transfers
 * the buffer, so the bytes come back in a new ArrayBuffer object over the same memory: keep the
 * returned view's buffer for the next read. A stream that is not a byte stream (fetch bodies in
 * WebKitGTK 2.50 refuse a BYOB reader) is read with a default reader and copied into `buffer`.
 * @param {ReadableStream<Uint8Array>} stream
 * @param {ArrayBuffer} buffer at least `length` bytes
 * @param {number} length
 * @param {(filled: number) => void} [onBytes] told the count after every read
 * @returns {Promise<{ bytes: Uint8Array<ArrayBuffer>, more: boolean }>} what was read (shorter
 *   than `length` if the stream ended first) and whether the stream held more than `length`
 */
export async function readInto(stream, buffer, length, onBytes) {
  /** @type {ReadableStreamBYOBReader} */
  let reader;
  try {
    reader = stream.getReader({ mode: 'byob' });
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return copyInto(stream, buffer, length, onBytes);
  }
  let into = buffer;
  let fill = 0;
  try {
    while (fill < length) {
      const { done, value } = await reader.read(new Uint8Array(into, fill, length - fill));
      if (done || !value) break;
      into = /** @type {ArrayBuffer} */ (value.buffer);
      fill += value.length;
      onBytes?.(fill);
    }
    const more = fill === length && !(await reader.read(new Uint8Array(1))).done;
    return { bytes: new Uint8Array(into, 0, fill), more };
  } finally {
    reader.releaseLock();
  }
}

/**
 * readInto through a default reader: each chunk is copied into `buffer`; a chunk that would go
 * past `length` means the stream held more (the caller refuses the part either way).
 * @param {ReadableStream<Uint8Array>} stream
 * @param {ArrayBuffer} buffer
 * @param {number} length
 * @param {(filled: number) => void} [onBytes]
 * @returns {Promise<{ bytes: Uint8Array<ArrayBuffer>, more: boolean }>}
 */
async function copyInto(stream, buffer, length, onBytes) {
  const reader = stream.getReader();
  const into = new Uint8Array(buffer, 0, length);
  let fill = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes: into.subarray(0, fill), more: false };
      if (value.length === 0) continue;
      if (fill + value.length > length) {
        await reader.cancel();
        return { bytes: into.subarray(0, fill), more: true };
      }
      into.set(value, fill);
      fill += value.length;
      onBytes?.(fill);
    }
  } finally {
    reader.releaseLock();
  }
}
