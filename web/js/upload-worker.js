// The share page's upload engine, in a module Web Worker so that sealing and hashing never
// stall the page. It keeps at most PARTS_IN_FLIGHT parts (plus the one being filled) in
// memory, whatever the size of the files.
//
// Page -> worker: {type: 'start', files: File[], log2Chunk: number | null, options: ShareOptions}
// once, then maybe {type: 'cancel'}.
// Worker -> page: {type: 'protecting'} (Argon2id running, about a second), {type: 'created',
// files: {payloadSize}[]}, {type: 'progress', sent: number[]}, {type: 'retrying'},
// {type: 'file-done', j}, {type: 'done', link, id, ownerToken, expiresAt, maxDownloads, password},
// {type: 'cancelled'}, {type: 'error', message}.
import { apiJson, apiFetch, ApiError, apiSentence, withRetry, isAbort, NETWORK_MESSAGE } from './api.js';
import { loadWasm, toHex } from './wasm.js';

const PARTS_IN_FLIGHT = 3;
const PROGRESS_INTERVAL_MS = 100;
// Argon2id for share passwords (format-v1.md): 64 MiB, 3 passes, 1 lane, about a second.
const ARGON2 = { m_kib: 65536, t: 3, p: 1 };

/** @typedef {import('./share-options.js').ShareOptions} ShareOptions */

const scope = /** @type {DedicatedWorkerGlobalScope} */ (/** @type {unknown} */ (self));

/** @type {AbortController | null} */
let controller = null;
/** @type {Promise<void> | null} */
let running = null;

scope.addEventListener('message', (event) => {
  const msg = event.data;
  if (msg?.type === 'start' && !running) {
    controller = new AbortController();
    running = share(msg.files, msg.log2Chunk, msg.options, controller);
  } else if (msg?.type === 'cancel') {
    controller?.abort();
  }
});

/** @param {any} msg */
function post(msg) {
  scope.postMessage(msg);
}

/**
 * Owner's handle on the share being created, kept so that a cancel or a failure can abort it.
 * @typedef {{ id: string, token: string }} Upload
 */

/**
 * @param {File[]} files
 * @param {number | null} log2Chunk the server's chunk size, or null for the module's default
 * @param {ShareOptions} options checked by the page
 * @param {AbortController} controller aborted by a cancel, and by this function on a failure
 */
async function share(files, log2Chunk, options, controller) {
  const signal = controller.signal;
  /** @type {Upload | null} */
  let upload = null;
  /** @type {Uint8Array[]} wiped however this ends */
  const secrets = [];
  try {
    const sd = await loadWasm();
    const log2 = log2Chunk ?? sd.defaultLog2Chunk();
    const ls = sd.newSecret();
    secrets.push(ls);
    /** @type {{ salt: string, m_kib: number, t: number, p: number } | null} */
    let passwordParams = null;
    /** @type {Uint8Array} */
    let ss;
    if (options.password !== null) {
      post({ type: 'protecting' });
      const salt = crypto.getRandomValues(new Uint8Array(16));
      ss = sd.shareSecretWithPassword(ls, options.password, salt, ARGON2.m_kib, ARGON2.t, ARGON2.p);
      passwordParams = { salt: sd.b64Encode(salt), ...ARGON2 };
      signal.throwIfAborted();
    } else {
      ss = sd.shareSecretFromLink(ls);
    }
    const ak = sd.shareAuthKey(ss);
    secrets.push(ss, ak);

    /** @type {Prepared[]} */
    const prepared = [];
    for (let j = 0; j < files.length; j++) {
      const file = files[j];
      const fs = sd.shareFileSecret(ss, j);
      secrets.push(fs);
      const session = await sd.SealSession.create(fs, log2, 'auto');
      const header = session.header();
      const metadata = sd.sealMetadata(fs, header, {
        name: file.name,
        size: file.size,
        type: file.type,
        modified: file.lastModified || null,
      });
      const layout = sd.uploadLayout(file.size, log2, 0);
      prepared.push({ file, session, header, metadata, layout, log2 });
    }

    /** @type {number} */
    let expiresAt = 0;
    const created = await withRetry(
      () => {
        // Counted from this moment, so that "7 days" is 7 days from when the link exists.
        expiresAt =
          'afterMs' in options.expiry
            ? Date.now() + options.clockOffsetMs + options.expiry.afterMs
            : options.expiry.atMs;
        return apiJson('/api/shares', {
          method: 'POST',
          signal,
          json: {
            auth_key_hash: sd.b64Encode(sd.blake3(ak)),
            password: passwordParams,
            expires_at: Math.floor(expiresAt),
            max_downloads: options.maxDownloads,
            files: prepared.map((p) => ({
              header: sd.b64Encode(p.header),
              metadata: sd.b64Encode(p.metadata),
              payload_size: p.layout.payloadSize,
              chunks_per_part: p.layout.chunksPerPart,
            })),
          },
        });
      },
      { signal },
    );
    upload = { id: String(created.id), token: String(created.owner_token) };
    post({ type: 'created', files: prepared.map((p) => ({ payloadSize: p.layout.payloadSize })) });

    const progress = new Progress(prepared.length);
    const manifestFiles = [];
    for (let j = 0; j < prepared.length; j++) {
      const p = prepared[j];
      const granted = created.files?.find((/** @type {any} */ f) => f.j === j);
      if (!granted || granted.part_size !== p.layout.partSize || granted.part_count !== p.layout.partCount) {
        throw new Error('The server proposed an upload layout this page does not expect.');
      }
      const contentId = await uploadFile(sd, upload, j, p, progress, signal);
      await withRetry(
        () =>
          apiJson(`/api/shares/${upload?.id}/files/${j}/complete`, {
            method: 'POST',
            headers: bearer(upload),
            json: { content_id: contentId },
            signal,
          }),
        { signal },
      );
      progress.flush();
      post({ type: 'file-done', j });
      manifestFiles.push({ j, content_id: contentId, metadata_hash: toHex(sd.blake3(p.metadata)) });
    }

    const manifest = sd.sealManifest(ss, sd.b64Decode(upload.id), { files: manifestFiles });
    await withRetry(
      () =>
        apiJson(`/api/shares/${upload?.id}/complete`, {
          method: 'POST',
          headers: bearer(upload),
          json: { manifest: sd.b64Encode(manifest) },
          signal,
        }),
      { signal },
    );
    post({
      type: 'done',
      link: `${scope.location.origin}/d/${upload.id}#${sd.b64Encode(ls)}`,
      id: upload.id,
      ownerToken: upload.token,
      expiresAt,
      maxDownloads: options.maxDownloads,
      password: passwordParams !== null,
    });
  } catch (err) {
    const cancelled = signal.aborted && isAbort(err);
    // Stops the parts still in flight, so that nothing reaches the server after the abort.
    controller.abort();
    if (upload) await abortUpload(upload);
    if (cancelled) post({ type: 'cancelled' });
    else post({ type: 'error', message: describe(err, upload !== null) });
  } finally {
    for (const secret of secrets) secret.fill(0);
  }
}

/**
 * A file with its sealing session, sealed metadata and upload geometry.
 * @typedef {{ file: File, session: import('../pkg/sealdrop_wasm.js').SealSession, header: Uint8Array,
 *   metadata: Uint8Array, log2: number,
 *   layout: { payloadSize: number, chunksPerPart: number, partSize: number, partCount: number } }} Prepared
 */

/**
 * Seals one file and uploads it part by part; resolves to its content id.
 * @param {typeof import('../pkg/sealdrop_wasm.js')} sd
 * @param {Upload} upload
 * @param {number} j
 * @param {Prepared} p
 * @param {Progress} progress
 * @param {AbortSignal} signal
 */
async function uploadFile(sd, upload, j, p, progress, signal) {
  const { file, session, layout } = p;
  const pipeline = new Pipeline(PARTS_IN_FLIGHT);

  /** @param {number} n @param {Uint8Array<ArrayBuffer>} bytes */
  const sendPart = async (n, bytes) => {
    const hash = toHex(sd.blake3(bytes));
    const size = bytes.length;
    // A Blob body, not the bytes themselves: Chromium uploads a typed-array body at about
    // 23 MB/s and a Blob at about 260 MB/s (measured to a local sink), and the Blob's copy
    // lives in the browser's blob store, so the part's buffer is free for the next part.
    const body = new Blob([bytes]);
    await withRetry(
      async () => {
        try {
          await apiFetch(`/api/shares/${upload.id}/files/${j}/parts/${n}`, {
            method: 'PUT',
            headers: { ...bearer(upload), 'Sealdrop-Part-Blake3': hash },
            body,
            signal,
          });
        } catch (err) {
          // The part arrived but its answer was lost: the server already holds these bytes.
          if (err instanceof ApiError && err.status === 409 && err.code === 'part_exists') return;
          throw err;
        }
      },
      { signal, onRetry: (err) => err.status === 0 && post({ type: 'retrying' }) },
    );
    progress.add(j, size);
  };

  const parts = new PartCutter(layout.payloadSize, layout.partSize, (n, bytes) =>
    pipeline.add(() => sendPart(n, bytes)),
  );
  // Whole parts of plaintext per read: one read yields about one part of ciphertext. (A BYOB
  // reader into one reused buffer would leave less garbage, but Chromium 156 sometimes never
  // resolved such a read of a File's stream: the upload stalled in 2 of 6 test runs.)
  const readSize = layout.chunksPerPart * 2 ** p.log2;
  for (let offset = 0; offset < file.size; offset += readSize) {
    const want = Math.min(readSize, file.size - offset);
    /** @type {Uint8Array<ArrayBuffer>} */
    let plain;
    try {
      plain = new Uint8Array(await file.slice(offset, offset + want).arrayBuffer());
    } catch {
      throw new Error(
        `“${file.name}” could not be read any more; it may have been moved or changed while it was being sent.`,
      );
    }
    signal.throwIfAborted();
    // A file edited while it is read would seal to other bytes than the size announced.
    if (plain.length !== want) {
      throw new Error(`“${file.name}” changed while it was being sent.`);
    }
    await parts.add(await session.push(plain));
  }
  const last = await session.finish();
  await parts.add(last.ciphertext);
  await parts.end();
  await pipeline.drain();
  if (parts.next - 1 !== layout.partCount) throw new Error('The file was cut into an unexpected number of parts.');
  return last.contentId;
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
class Progress {
  /** @param {number} count */
  constructor(count) {
    this.sent = new Array(count).fill(0);
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
  }

  /** @param {number} j @param {number} bytes */
  add(j, bytes) {
    this.sent[j] += bytes;
    this.timer ??= setTimeout(() => this.flush(), PROGRESS_INTERVAL_MS);
  }

  flush() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    post({ type: 'progress', sent: this.sent.slice() });
  }
}

/** @param {Upload | null} upload */
function bearer(upload) {
  return { Authorization: `Bearer ${upload?.token}` };
}

/**
 * Best effort: the server purges unfinished uploads anyway, this only frees the space sooner.
 * @param {Upload} upload
 */
async function abortUpload(upload) {
  try {
    await apiFetch(`/api/shares/${upload.id}/abort`, { method: 'POST', headers: bearer(upload) });
  } catch {
    // Nothing more to do: the page already reports that nothing was shared.
  }
}

// The server's sentences for these name its JSON fields; people chose the options by other names.
/** @type {Record<string, string>} */
const OPTION_REFUSALS = {
  bad_expiry:
    'The server did not accept the expiry: it is in the past or further ahead than allowed (this computer’s clock may be off).',
  bad_download_limit: 'The server did not accept the download limit.',
  bad_password_params: 'The server did not accept the password settings.',
};

/**
 * @param {unknown} err
 * @param {boolean} started whether parts may have reached the server
 */
function describe(err, started) {
  const network = err instanceof ApiError && err.status === 0;
  const what =
    err instanceof ApiError
      ? network
        ? NETWORK_MESSAGE
        : (OPTION_REFUSALS[err.code] ?? apiSentence(err))
      : err instanceof Error && err.name !== 'SealdropError'
        ? err.message
        : 'Encrypting the files failed in this browser.';
  const lost = started ? 'Nothing was shared and the partial upload was deleted;' : 'Nothing was shared;';
  const next = network
    ? 'Check your connection and choose Share to try again.'
    : err instanceof ApiError && err.code in OPTION_REFUSALS
      ? 'Check the options, then choose Share to try again.'
      : 'Choose Share to try again.';
  return `${what} ${lost} your files are unchanged. ${next}`;
}
