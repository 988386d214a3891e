// Reading a byte stream into a buffer the caller reuses, so that transfers of any size leave
// almost no garbage behind (Chromium collects dropped ArrayBuffers lazily).

/**
 * Reads up to `length` bytes of `stream` into `buffer` with a BYOB reader. The reader
 * transfers the buffer, so the bytes come back in a new ArrayBuffer object over the same
 * memory: keep the returned view's buffer for the next read.
 * @param {ReadableStream<Uint8Array>} stream
 * @param {ArrayBuffer} buffer at least `length` bytes
 * @param {number} length
 * @param {(filled: number) => void} [onBytes] told the count after every read
 * @returns {Promise<{ bytes: Uint8Array<ArrayBuffer>, more: boolean }>} what was read (shorter
 *   than `length` if the stream ended first) and whether the stream held more than `length`
 */
export async function readInto(stream, buffer, length, onBytes) {
  const reader = stream.getReader({ mode: 'byob' });
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
