// One file's way up, for js/upload/worker.js and js/upload/request.js: sealing it, cutting the
// ciphertext into parts, recording each part's hash before it is sent (js/upload/state.js),
// sending at most PARTS_IN_FLIGHT at once, and on a resume checking what was sent before
// (js/upload/resume.js) so that only the parts the server lacks go out.
import { apiJson, apiFetch, ApiError, withRetry } from '../lib/api.js';
import { toHex } from '../lib/wasm.js';
import { ResumeCheck } from './resume.js';

const PARTS_IN_FLIGHT = 3;
const PROGRESS_INTERVAL_MS = 100;

/** @typedef {typeof import('../../pkg/sealdrop_wasm.js')} Wasm */
/** @typedef {import('./state.js').Layout} Layout */
/** @typedef {(msg: import('./protocol.js').FromWorker) => void} Post */

/**
 * Where one file's upload lives: its parts are `${path}/parts/${n}`, its completion
 * `${path}/complete`, each sent with `headers`.
 * @typedef {{ path: string, headers: Record<string, string> }} FileTarget
 */

/**
 * Starts sealing a file under its file secret: a new session, its header, and the file's sealed
 * metadata, the three things a file's upload is created from.
 * @param {Wasm} sd
 * @param {Uint8Array} fs the file secret
 * @param {{ name: string, size: number, type: string, lastModified: number }} file
 * @param {number} log2
 */
export async function startSealing(sd, fs, file, log2) {
  const session = await sd.SealSession.create(fs, log2, 'auto');
  const header = session.header();
  const metadata = sd.sealMetadata(fs, header, {
    name: file.name,
    size: file.size,
    type: file.type,
    modified: file.lastModified || null,
  });
  return { session, header, metadata };
}

/**
 * One file to seal and send.
 * @typedef {Object} FileJob
 * @property {FileTarget} target
 * @property {number} j the file's index, for progress
 * @property {File} file
 * @property {import('../../pkg/sealdrop_wasm.js').SealSession} session new, or resumed under the
 *   file's own salt
 * @property {Layout} layout
 * @property {number} log2
 * @property {Record<string, string>} recorded the record's part hashes: checked on a resume, and
 *   each new part's added here before save() and before the part is sent
 * @property {Map<number, string>} stored the parts the server holds (n to hex BLAKE3), on a resume
 * @property {() => Promise<void>} save makes `recorded` durable, a new part's hash with the
 *   record's new expiry (Journal.touch)
 * @property {(n: number) => void} onStored part n is on the server (what the record shows of
 *   progress; nothing waits for it)
 * @property {Progress} progress
 * @property {AbortSignal} signal
 * @property {Post} post
 */

/**
 * Seals one file and sends the parts the server lacks; resolves to its content id. On a resume
 * nothing new goes out until every part recorded before has sealed to its recorded hash; a part
 * that does not throws a ChangedError (js/upload/resume.js).
 * @param {Wasm} sd
 * @param {FileJob} job
 */
export async function uploadFile(sd, job) {
  const { file, session, layout, target, j, progress, signal, post } = job;
  const pipeline = new Pipeline(PARTS_IN_FLIGHT);
  const check = new ResumeCheck(job);
  const onRetry = (/** @type {ApiError} */ err) => err.status === 0 && post({ type: 'retrying' });

  /** @param {number} n @param {string} hash @param {Blob} body @param {Promise<void>} recorded */
  const send = (n, hash, body, recorded) =>
    pipeline.add(async () => {
      await recorded;
      await withRetry(
        async () => {
          try {
            await apiFetch(`${target.path}/parts/${n}`, {
              method: 'PUT',
              headers: { ...target.headers, 'Sealdrop-Part-Blake3': hash },
              body,
              signal,
            });
          } catch (err) {
            // The part arrived but its answer was lost: the server already holds these bytes.
            if (err instanceof ApiError && err.status === 409 && err.code === 'part_exists') return;
            throw err;
          }
        },
        { signal, onRetry },
      );
      progress.add(j, body.size);
      job.onStored(n);
    });

  /** @param {number} n @param {Uint8Array<ArrayBuffer>} bytes */
  const onPart = async (n, bytes) => {
    const hash = toHex(sd.blake3(bytes));
    if (check.covers(n)) {
      // Sent before (or at least recorded): it must be the same bytes. Those the server lacks go
      // out once the last recorded part has matched too.
      const ready = check.part(n, hash, bytes);
      for (const held of ready) await send(held.n, held.hash, held.body, Promise.resolve());
      return;
    }
    // A Blob body, not the bytes themselves: Chromium uploads a typed-array body at about
    // 23 MB/s and a Blob at about 260 MB/s (measured to a local sink), and the Blob's copy
    // lives in the browser's blob store, so the part's buffer is free for the next part.
    const body = new Blob([bytes]);
    // Recorded before it is sent; the write runs while the next part is sealed.
    job.recorded[n] = hash;
    const saved = job.save();
    // Its failure reaches the page through the part's own task, not as an unhandled rejection.
    saved.catch(() => {});
    await send(n, hash, body, saved);
  };

  const parts = new PartCutter(layout.payloadSize, layout.partSize, onPart);
  // Whole parts of plaintext per read: one read yields about one part of ciphertext. (A BYOB
  // reader into one reused buffer would leave less garbage, but Chromium 156 sometimes never
  // resolved such a read of a File's stream: the upload stalled in 2 of 6 test runs.)
  const readSize = layout.chunksPerPart * 2 ** job.log2;
  for (let offset = 0; offset < file.size; offset += readSize) {
    const want = Math.min(readSize, file.size - offset);
    /** @type {Uint8Array<ArrayBuffer>} */
    let plain;
    try {
      plain = new Uint8Array(await file.slice(offset, offset + want).arrayBuffer());
    } catch {
      throw new FileError(
        `“${file.name}” could not be read any more; it may have been moved or changed while it was being sent.`,
      );
    }
    signal.throwIfAborted();
    // A file edited while it is read would seal to other bytes than the size announced.
    if (plain.length !== want) {
      throw new FileError(`“${file.name}” changed while it was being sent.`);
    }
    await parts.add(await session.push(plain));
  }
  const last = await session.finish();
  await parts.add(last.ciphertext);
  await parts.end();
  check.end();
  await pipeline.drain();
  if (parts.next - 1 !== layout.partCount) throw new Error('The file was cut into an unexpected number of parts.');
  return last.contentId;
}

/**
 * @param {FileTarget} target
 * @param {string} contentId
 * @param {AbortSignal} signal
 */
export async function completeFile(target, contentId, signal) {
  await withRetry(
    () =>
      apiJson(`${target.path}/complete`, {
        method: 'POST',
        headers: target.headers,
        json: { content_id: contentId },
        signal,
      }),
    { signal },
  );
}

/** @param {any} layout the wasm module's uploadLayout, as a plain object for the record */
export function plainLayout(layout) {
  return {
    payloadSize: Number(layout.payloadSize),
    chunksPerPart: Number(layout.chunksPerPart),
    partSize: Number(layout.partSize),
    partCount: Number(layout.partCount),
  };
}

/**
 * The server's answer must cut the payload as this page will.
 * @param {any} granted
 * @param {Layout} layout
 */
export function checkLayout(granted, layout) {
  if (!granted || granted.part_size !== layout.partSize || granted.part_count !== layout.partCount) {
    throw new Error('The server proposed an upload layout this page does not expect.');
  }
}

/** A file that could not be read as it was when it was chosen; the other files are fine. */
export class FileError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'FileError';
  }
}

/** Cuts a stream of ciphertext chunks of any sizes into parts of exactly partSize bytes. */
class PartCutter {
  /**
   * @param {number} payloadSize
   * @param {number} partSize
   * @param {(n: number, bytes: Uint8Array<ArrayBuffer>) => Promise<void>} onPart must have
   *   copied the bytes (hashed them and made its Blob) by the time it resolves
   */
  constructor(payloadSize, partSize, onPart) {
    this.payloadSize = payloadSize;
    this.partSize = partSize;
    this.onPart = onPart;
    this.next = 1;
    /** @type {Uint8Array<ArrayBuffer> | null} */
    this.store = null;
    /** @type {Uint8Array<ArrayBuffer> | null} */
    this.buf = null;
    this.fill = 0;
  }

  /** @param {Uint8Array[]} chunks */
  async add(chunks) {
    for (const chunk of chunks) {
      let off = 0;
      while (off < chunk.length) {
        if (!this.buf) {
          const start = (this.next - 1) * this.partSize;
          const size = Math.min(this.partSize, this.payloadSize - start);
          if (size <= 0) throw new Error('The sealed file came out longer than announced.');
          // One buffer for every part: onPart has copied a part out by the time it resolves.
          this.store ??= new Uint8Array(Math.min(this.partSize, this.payloadSize));
          this.buf = this.store.subarray(0, size);
          this.fill = 0;
        }
        const take = Math.min(chunk.length - off, this.buf.length - this.fill);
        this.buf.set(chunk.subarray(off, off + take), this.fill);
        this.fill += take;
        off += take;
        if (this.fill === this.buf.length) {
          const full = this.buf;
          this.buf = null;
          await this.onPart(this.next++, full);
        }
      }
    }
  }

  async end() {
    if (this.buf || (this.next - 1) * this.partSize < this.payloadSize) {
      throw new Error('The sealed file came out shorter than announced.');
    }
  }
}

/** Runs at most `limit` tasks at once; add() waits for a free slot, which is the backpressure. */
class Pipeline {
  /** @param {number} limit */
  constructor(limit) {
    this.limit = limit;
    /** @type {Set<Promise<void>>} */
    this.running = new Set();
    /** @type {unknown} */
    this.error = null;
  }

  /** @param {() => Promise<void>} task */
  async add(task) {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    if (this.error) throw this.error;
    const p = task()
      .catch((err) => {
        this.error ??= err;
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  async drain() {
    await Promise.all(this.running);
    if (this.error) throw this.error;
  }
}

/** Counts bytes stored per file and tells the page at most every PROGRESS_INTERVAL_MS. */
export class Progress {
  /**
   * @param {number} count
   * @param {Post} post
   */
  constructor(count, post) {
    this.sent = new Array(count).fill(0);
    this.post = post;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
  }

  /** @param {number} j @param {number} bytes */
  add(j, bytes) {
    this.sent[j] += bytes;
    this.timer ??= setTimeout(() => this.flush(), PROGRESS_INTERVAL_MS);
  }

  /** @param {number} j @param {number} bytes what the server already holds of file j */
  set(j, bytes) {
    this.sent[j] = bytes;
    this.timer ??= setTimeout(() => this.flush(), PROGRESS_INTERVAL_MS);
  }

  flush() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.post({ type: 'progress', sent: this.sent.slice() });
  }
}
