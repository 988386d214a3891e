// Fetches one file's payload part by part, checks every part against the hash the server
// recorded at upload, decrypts it, and writes the plaintext to a sink. The sink is closed only
// when the whole file opened and the share's manifest vouches for its content id; any other
// ending aborts it, so a partial or altered file never looks complete. A file of a share is
// fetched with the share's ticket and vouched for by its manifest; a file sent to a file request
// (the inbox) comes from its own URL with its own headers and must match the content id its
// uploader recorded.
//
// Parts are verified whole before they reach the opener, so after a lost connection the part
// is simply fetched again from its start: the opener never saw any of it, and no rewind is
// needed. Memory stays at about (PARTS_AHEAD + 1) parts whatever the file size.
import { apiFetch, ApiError, withRetry, isAbort } from '../lib/api.js';
import { isFormatError, toHex } from '../lib/wasm.js';
import { readInto } from '../lib/bytes.js';

const PARTS_AHEAD = 2;
// A connection that comes back within a few minutes resumes by itself.
const RETRY = { tries: 10, baseMs: 1000, maxMs: 30000 };

/** The bytes, their hash, the manifest or the size do not match what the sender sealed. */
export class TamperedError extends Error {
  /** @param {string} detail what did not match, for the console; people see a fixed sentence */
  constructor(detail) {
    super(detail);
    this.name = 'TamperedError';
  }
}

/**
 * @typedef {{ n: number, size: number, blake3: string }} PartInfo
 * @typedef {{ j: number, header: string, metadata: string, payload_size: number,
 *   chunks_per_part: number, part_size: number, parts: PartInfo[] }} ContentsFile
 */

/**
 * @param {Object} job
 * @param {typeof import('../../pkg/sealdrop_wasm.js')} job.sd
 * @param {string} [job.shareId] a share's file: its payload is the share's file `file.j`...
 * @param {string} [job.ticket] ...fetched with this ticket
 * @param {string} [job.payloadUrl] otherwise: where the payload is...
 * @param {Record<string, string>} [job.headers] ...and what to send with each request for it
 * @param {Uint8Array} job.fileSecret
 * @param {ContentsFile} job.file
 * @param {unknown} [job.manifest] the share's opened manifest, which must vouch for the file
 * @param {string} [job.contentId] without a manifest: the content id the uploader recorded
 * @param {number} job.size plaintext size from the file's metadata
 * @param {import('./save.js').Sink} job.sink
 * @param {(received: number) => void} job.onProgress payload bytes received so far
 * @param {(waitMs: number) => void} job.onRetry the connection dropped; another try follows
 * @param {(contentId: string) => void} [job.onContentId] the content id computed over every byte
 *   received, told before it is checked (a download receipt reports it, matched or not)
 * @returns {Promise<string>} the verified content id
 */
export async function downloadFile(job) {
  const { sd, file, sink } = job;
  const stop = new AbortController();
  const onCancel = () => stop.abort(job.sink.cancelled.reason);
  sink.cancelled.addEventListener('abort', onCancel, { once: true });
  try {
    const parts = checkedParts(file);
    const session = await sd.OpenSession.create(job.fileSecret, sd.b64Decode(file.header), 'auto');
    const received = new Array(parts.length).fill(0);
    /** @param {number} i @param {number} bytes */
    const progress = (i, bytes) => {
      received[i] = bytes;
      job.onProgress(received.reduce((a, b) => a + b, 0));
    };

    // PARTS_AHEAD + 1 part buffers, reused: part i fills buffer i mod (PARTS_AHEAD + 1), which
    // part i - PARTS_AHEAD - 1 gave back when the opener was done with it. Fresh buffers per part
    // would leave garbage faster than the collector reclaims it (hundreds of MB at 50 MB/s).
    /** @type {ArrayBuffer[]} */
    const buffers = [];
    /** @param {number} i */
    const fetchPart = (i) => {
      const slot = i % (PARTS_AHEAD + 1);
      const p = withRetry(
        async () => {
          const part = await getPart(job, parts[i], buffers[slot], stop.signal, (bytes) => progress(i, bytes));
          buffers[slot] = part.buffer;
          return part;
        },
        {
          ...RETRY,
          signal: stop.signal,
          onRetry: (_err, waitMs) => job.onRetry(waitMs),
        },
      );
      // Fetched ahead, awaited later: without this, an early failure is reported as unhandled.
      p.catch(() => {});
      return p;
    };

    /** @type {(Promise<Uint8Array> | null)[]} */
    const ahead = parts.slice(0, PARTS_AHEAD).map((_p, i) => fetchPart(i));
    let written = 0;
    /** @param {Uint8Array[]} chunks */
    const write = async (chunks) => {
      for (const chunk of chunks) {
        written += chunk.length;
        await sink.write(chunk);
      }
    };
    for (let i = 0; i < parts.length; i++) {
      const bytes = /** @type {Promise<Uint8Array>} */ (ahead[i]);
      ahead[i] = null;
      if (i + PARTS_AHEAD < parts.length) ahead[i + PARTS_AHEAD] = fetchPart(i + PARTS_AHEAD);
      const part = await bytes;
      if (toHex(sd.blake3(part)) !== parts[i].blake3.toLowerCase()) {
        throw new TamperedError(`part ${parts[i].n} does not hash to the recorded value`);
      }
      await write(await session.push(part));
    }
    const last = await session.finish();
    job.onContentId?.(last.contentId);
    await write(last.plaintext);
    if (written !== job.size) throw new TamperedError(`${written} bytes opened, the metadata says ${job.size}`);
    if (job.manifest !== undefined) {
      sd.checkManifestEntry(job.manifest, file.j, last.contentId, sd.b64Decode(file.metadata));
    } else if (job.contentId === undefined || last.contentId !== job.contentId.toLowerCase()) {
      throw new TamperedError(`content id ${last.contentId} is not the one recorded at upload`);
    }
    await sink.close();
    return last.contentId;
  } catch (err) {
    stop.abort();
    await sink.abort('The file did not verify; nothing was saved.').catch(() => {});
    if (isFormatError(err)) throw new TamperedError(`${err.kind}${err.index === null ? '' : ` at chunk ${err.index}`}`);
    throw err;
  } finally {
    sink.cancelled.removeEventListener('abort', onCancel);
  }
}

/**
 * The part list must tile the payload exactly; anything else cannot be what was uploaded.
 * @param {ContentsFile} file
 */
function checkedParts(file) {
  const parts = [...file.parts].sort((a, b) => a.n - b.n);
  let offset = 0;
  parts.forEach((p, i) => {
    const isLast = i === parts.length - 1;
    const ok =
      p.n === i + 1 &&
      Number.isSafeInteger(p.size) &&
      (isLast ? p.size > 0 && p.size <= file.part_size : p.size === file.part_size) &&
      /^[0-9a-fA-F]{64}$/.test(p.blake3);
    if (!ok) throw new TamperedError(`part ${p.n} is not where the upload layout puts it`);
    offset += p.size;
  });
  if (parts.length === 0 || offset !== file.payload_size)
    throw new TamperedError('the parts do not add up to the payload');
  return parts;
}

/**
 * One attempt at fetching one whole part, read straight into `buffer` (reused from an earlier
 * part when it is large enough; the read transfers it, so the part comes back in a new
 * ArrayBuffer object over the same memory).
 * @param {{ shareId?: string, ticket?: string, payloadUrl?: string, headers?: Record<string, string>,
 *   file: ContentsFile }} job
 * @param {PartInfo} part
 * @param {ArrayBuffer | undefined} buffer
 * @param {AbortSignal} signal
 * @param {(bytes: number) => void} onBytes
 * @returns {Promise<Uint8Array<ArrayBuffer>>}
 */
async function getPart(job, part, buffer, signal, onBytes) {
  const start = (part.n - 1) * job.file.part_size;
  onBytes(0);
  const url = job.payloadUrl ?? `/api/shares/${job.shareId}/files/${job.file.j}/payload`;
  const headers = job.headers ?? { Authorization: `Sealdrop-Ticket ${job.ticket}` };
  const res = await apiFetch(url, {
    headers: { ...headers, Range: `bytes=${start}-${start + part.size - 1}` },
    signal,
  });
  const whole = start === 0 && part.size === job.file.payload_size;
  if (res.status !== 206 && !(res.status === 200 && whole)) {
    throw new ApiError(res.status, 'range_ignored', 'The server did not send the requested part of the file.');
  }
  if (!res.body) throw new ApiError(0, 'network', 'The server sent an empty answer.');
  // A buffer detached by an interrupted read, or too small, is replaced.
  const into = buffer && buffer.byteLength >= part.size ? buffer : new ArrayBuffer(job.file.part_size);
  /** @type {Awaited<ReturnType<typeof readInto>>} */
  let read;
  try {
    read = await readInto(res.body, into, part.size, onBytes);
  } catch (err) {
    if (isAbort(err)) throw err;
    // A body cut off mid-way (connection lost) surfaces here as a TypeError.
    throw new ApiError(0, 'network', 'The connection was lost during the download.');
  }
  if (read.more) throw new ApiError(0, 'network', 'The server sent more than the part.');
  if (read.bytes.length !== part.size) throw new ApiError(0, 'network', 'The download of a part ended early.');
  return read.bytes;
}
