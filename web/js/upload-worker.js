// The upload engine of the share page and of the file request page, in a module Web Worker so
// that sealing and hashing never stall the page. It keeps at most PARTS_IN_FLIGHT parts (plus
// the one being filled) in memory, whatever the size of the files. Sealing, cutting parts and
// retries are one code path; a share and a file request differ only in their endpoints, their
// credentials and where each file's secret comes from.
//
// Page -> worker, once: a share {type: 'start', files: File[], log2Chunk: number | null,
// options: ShareOptions, csrf}, or files for a file request {type: 'start', kind: 'request',
// files: File[], names?: string[] (the names to seal; default each File's own), log2Chunk,
// request: {id, publicKey, requestSecret} (the link's parts, base64url)}; then maybe
// {type: 'cancel'}.
// Worker -> page: {type: 'protecting'} (a share's password: Argon2id running, about a second),
// {type: 'created', files: {payloadSize}[]}, {type: 'progress', sent: number[]}, {type: 'retrying'},
// {type: 'file-done', j, contentId}, then one of {type: 'done', ...}, {type: 'cancelled'} or
// {type: 'error', message, code} (code: the server's error code, or null).
// A share's done: {type: 'done', link, id, ownerToken, expiresAt, maxDownloads, password}.
// A request's: {type: 'done', sent, failed}. A request also sends {type: 'file-failed', j,
// message, code} when the server refuses one file (too large, request full) or the file cannot
// be read, and goes on with the next. A request's cancel or failure deletes only the unfinished
// file: files already complete stay with the requester. Indices j are into `files`.
import { apiJson, apiFetch, ApiError, apiSentence, withRetry, isAbort, NETWORK_MESSAGE } from './api.js';
import { loadWasm, toHex } from './wasm.js';
import { setCsrf } from './api.js';

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
    setCsrf(msg.csrf ?? null);
    controller = new AbortController();
    running =
      msg.kind === 'request'
        ? sendToRequest(msg.files, msg.names ?? [], msg.log2Chunk, msg.request, controller)
        : share(msg.files, msg.log2Chunk, msg.options, controller);
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
      prepared.push(await prepareFile(sd, file, file.name, fs, log2));
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
      checkLayout(
        created.files?.find((/** @type {any} */ f) => f.j === j),
        p.layout,
      );
      const target = {
        path: `/api/shares/${upload.id}/files/${j}`,
        headers: bearer(upload),
      };
      const contentId = await uploadFile(sd, target, j, p, progress, signal);
      await completeFile(target, contentId, signal);
      progress.flush();
      post({ type: 'file-done', j, contentId });
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
    else post({ type: 'error', message: describe(err, upload !== null), code: errorCode(err) });
  } finally {
    for (const secret of secrets) secret.fill(0);
  }
}

/**
 * Seals files into a file request (format-v1.md, "File requests"): each file gets a fresh file
 * secret, sealed to the staff member's public key in an 80-byte stanza, and is created, uploaded
 * and completed on its own, so that what was sent stays sent whatever happens to the next file.
 * @param {File[]} files
 * @param {string[]} names the names to seal, parallel to files (a folder's files carry their path)
 * @param {number | null} log2Chunk the server's chunk size, or null for the module's default
 * @param {{ id: string, publicKey: string, requestSecret: string }} request from the link, base64url
 * @param {AbortController} controller aborted by a cancel, and by this function on a failure
 */
async function sendToRequest(files, names, log2Chunk, request, controller) {
  const signal = controller.signal;
  /** @type {FileTarget | null} the file on its way up, deleted on a cancel or failure */
  let current = null;
  let sent = 0;
  let failed = 0;
  /** @type {Uint8Array[]} wiped however this ends */
  const secrets = [];
  try {
    const sd = await loadWasm();
    const log2 = log2Chunk ?? sd.defaultLog2Chunk();
    const idBytes = sd.b64Decode(request.id);
    const pk = sd.b64Decode(request.publicKey);
    const rs = sd.b64Decode(request.requestSecret);
    const ut = sd.requestUploadToken(rs);
    secrets.push(rs, ut);
    const headers = { Authorization: `Sealdrop-Upload ${sd.b64Encode(ut)}` };
    const uploads = `/api/requests/${request.id}/uploads`;
    // The geometry depends on the size alone, so the page can draw every bar from the start.
    const layouts = files.map((file) => sd.uploadLayout(file.size, log2, 0));
    post({ type: 'created', files: layouts.map((l) => ({ payloadSize: l.payloadSize })) });

    const progress = new Progress(files.length);
    for (let j = 0; j < files.length; j++) {
      const fs = sd.newSecret();
      try {
        const p = await prepareFile(sd, files[j], names[j] || files[j].name, fs, log2);
        const stanza = sd.sealStanza(pk, idBytes, rs, p.header, fs);
        const created = await withRetry(
          () =>
            apiJson(uploads, {
              method: 'POST',
              headers,
              json: {
                header: sd.b64Encode(p.header),
                metadata: sd.b64Encode(p.metadata),
                stanza: sd.b64Encode(stanza),
                payload_size: p.layout.payloadSize,
                chunks_per_part: p.layout.chunksPerPart,
              },
              signal,
            }),
          { signal, onRetry: (err) => err.status === 0 && post({ type: 'retrying' }) },
        );
        current = { path: `${uploads}/${created.id}`, headers };
        checkLayout(created, p.layout);
        const contentId = await uploadFile(sd, current, j, p, progress, signal);
        await completeFile(current, contentId, signal);
        current = null;
        sent++;
        progress.flush();
        post({ type: 'file-done', j, contentId });
      } catch (err) {
        if (signal.aborted || !isFileRefusal(err)) throw err;
        if (current) await abortRequestFile(current);
        current = null;
        failed++;
        post({ type: 'file-failed', j, message: describeFileRefusal(err), code: errorCode(err) });
      } finally {
        fs.fill(0);
      }
    }
    post({ type: 'done', sent, failed });
  } catch (err) {
    const cancelled = signal.aborted && isAbort(err);
    controller.abort();
    if (current) await abortRequestFile(current);
    if (cancelled) post({ type: 'cancelled' });
    else post({ type: 'error', message: describeRequestFailure(err, current !== null), code: errorCode(err) });
  } finally {
    for (const secret of secrets) secret.fill(0);
  }
}

/**
 * Makes a file's sealing session (fresh salt) and seals its metadata.
 * @param {typeof import('../pkg/sealdrop_wasm.js')} sd
 * @param {File} file
 * @param {string} name
 * @param {Uint8Array} fs the file secret
 * @param {number} log2
 * @returns {Promise<Prepared>}
 */
async function prepareFile(sd, file, name, fs, log2) {
  const session = await sd.SealSession.create(fs, log2, 'auto');
  const header = session.header();
  const metadata = sd.sealMetadata(fs, header, {
    name,
    size: file.size,
    type: file.type,
    modified: file.lastModified || null,
  });
  const layout = sd.uploadLayout(file.size, log2, 0);
  return { file, session, header, metadata, layout, log2 };
}

/**
 * The server's answer must cut the payload as this page will.
 * @param {any} granted
 * @param {Prepared['layout']} layout
 */
function checkLayout(granted, layout) {
  if (!granted || granted.part_size !== layout.partSize || granted.part_count !== layout.partCount) {
    throw new Error('The server proposed an upload layout this page does not expect.');
  }
}

/**
 * Where one file's upload lives: its parts are `${path}/parts/${n}`, its completion
 * `${path}/complete`, each sent with `headers`.
 * @typedef {{ path: string, headers: Record<string, string> }} FileTarget
 */

/**
 * @param {FileTarget} target
 * @param {string} contentId
 * @param {AbortSignal} signal
 */
async function completeFile(target, contentId, signal) {
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

/**
 * A file with its sealing session, sealed metadata and upload geometry.
 * @typedef {{ file: File, session: import('../pkg/sealdrop_wasm.js').SealSession, header: Uint8Array,
 *   metadata: Uint8Array, log2: number,
 *   layout: { payloadSize: number, chunksPerPart: number, partSize: number, partCount: number } }} Prepared
 */

/**
 * Seals one file and uploads it part by part; resolves to its content id.
 * @param {typeof import('../pkg/sealdrop_wasm.js')} sd
 * @param {FileTarget} target
 * @param {number} j the file's index, for progress
 * @param {Prepared} p
 * @param {Progress} progress
 * @param {AbortSignal} signal
 */
async function uploadFile(sd, target, j, p, progress, signal) {
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
  await pipeline.drain();
  if (parts.next - 1 !== layout.partCount) throw new Error('The file was cut into an unexpected number of parts.');
  return last.contentId;
}

/** A file that could not be read as it was when it was chosen; the other files are fine. */
class FileError extends Error {
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

/** @param {unknown} err */
function errorCode(err) {
  return err instanceof ApiError && err.status !== 0 ? err.code : null;
}

/**
 * Best effort, like abortUpload: deletes a request file that was created but not completed.
 * @param {FileTarget} target
 */
async function abortRequestFile(target) {
  try {
    await apiFetch(target.path, { method: 'DELETE', headers: target.headers });
  } catch {
    // The server purges abandoned uploads; the page already says this file was not sent.
  }
}

/**
 * A refusal of this one file, after which the next file may still go: the server found it too
 * large or the request too full for it, or the file could not be read.
 * @param {unknown} err
 */
function isFileRefusal(err) {
  return (
    err instanceof FileError ||
    (err instanceof ApiError && (err.status === 413 || (err.status === 409 && err.code === 'request_full')))
  );
}

/** @param {unknown} err a file refusal */
function describeFileRefusal(err) {
  const what = err instanceof ApiError ? apiSentence(err) : err instanceof Error ? err.message : '';
  return `${what} This file was not sent.`;
}

/**
 * @param {unknown} err
 * @param {boolean} unfinished whether a file was on its way up (and has now been deleted)
 */
function describeRequestFailure(err, unfinished) {
  const network = err instanceof ApiError && err.status === 0;
  const what =
    err instanceof ApiError
      ? network
        ? NETWORK_MESSAGE
        : apiSentence(err)
      : err instanceof Error && err.name !== 'SealdropError'
        ? err.message
        : 'Encrypting the files failed in this browser.';
  const lost = unfinished ? ' The file on its way was not delivered, and its partial upload was deleted.' : '';
  const next = network
    ? 'Check your connection and choose Try again to send the rest.'
    : 'Choose Try again to send the rest.';
  return `${what}${lost} Files marked Sent were delivered, and your own copies are unchanged. ${next}`;
}
