// Files sent into a file request (format-v1.md, "File requests"), for js/upload/worker.js (its
// header lists the messages): each file gets a fresh file secret, sealed to the staff member's
// public key in an 80-byte stanza, and is created, uploaded and completed on its own, so that
// what was sent stays sent whatever happens to the next file. The batch's record
// (js/upload/state.js) holds each unfinished file's secret, upload id, header and part hashes,
// so that it resumes; a file that changed since goes again under a new file secret.
import { apiJson, apiFetch, ApiError, withRetry, isAbort } from '../lib/api.js';
import { loadWasm } from '../lib/wasm.js';
import { FileError, Progress, checkLayout, completeFile, plainLayout, startSealing, uploadFile } from './parts.js';
import { ChangedError, fetchStored } from './resume.js';
import { Journal, expiryAfter } from './state.js';
import {
  describeFileRefusal,
  describePause,
  describeRequestFailure,
  describeRestart,
  errorCode,
  pausable,
} from './words.js';

/** @typedef {import('./state.js').RequestBatch} RequestBatch */
/** @typedef {import('./state.js').RequestBatchFile} RequestBatchFile */
/** @typedef {import('./state.js').Layout} Layout */
/** @typedef {import('./parts.js').FileTarget} FileTarget */
/** @typedef {import('./parts.js').Post} Post */

/**
 * @param {import('./protocol.js').StartRequest | import('./protocol.js').ResumeRequest} msg new
 *   files, or the record of a batch to resume
 * @param {string} key the batch's record
 * @param {AbortController} controller aborted by a cancel, and by this function on a failure
 * @param {Post} post
 */
export async function sendToRequest(msg, key, controller, post) {
  const signal = controller.signal;
  /** @type {File[]} */
  const files = msg.files;
  /**
   * From the link, base64url; expiresAt is the request's expiry on this browser's clock, if known.
   * @type {{ id: string, publicKey: string, requestSecret: string, expiresAt?: number | null }}
   */
  const request = msg.request;
  /** @type {Journal | null} */
  let journal = null;
  /** @type {FileTarget | null} the file on its way up, deleted on a cancel or failure */
  let current = null;
  /** @type {Uint8Array[]} wiped however this ends */
  const secrets = [];
  try {
    const sd = await loadWasm();
    const log2 = msg.resume ? Number(msg.resume.log2) : (msg.log2Chunk ?? sd.defaultLog2Chunk());
    const idBytes = sd.b64Decode(request.id);
    const pk = sd.b64Decode(request.publicKey);
    const rs = sd.b64Decode(request.requestSecret);
    const ut = sd.requestUploadToken(rs);
    secrets.push(rs, ut);
    const headers = { Authorization: `Sealdrop-Upload ${sd.b64Encode(ut)}` };
    const uploads = `/api/requests/${request.id}/uploads`;
    const endsAt =
      typeof request.expiresAt === 'number' && Number.isFinite(request.expiresAt) ? request.expiresAt : null;
    // A request's page resumes only the records of requests (js/ui/upload-offer.js).
    const batch = msg.resume
      ? /** @type {RequestBatch} */ (msg.resume)
      : newBatch(key, request.id, files, msg.names ?? [], log2, endsAt);
    // The page's word is the newest (a record without endsAt has none).
    if (endsAt !== null) {
      batch.endsAt = endsAt;
      batch.expiresAt = Math.min(batch.expiresAt, endsAt);
    }
    for (const f of batch.files) if (f.fileSecret) secrets.push(f.fileSecret);
    const journalOf = new Journal(batch, Boolean(msg.resume));
    journal = journalOf;
    // Before anything goes out.
    await journal.save();
    // The geometry depends on the size alone, so the page can draw every bar from the start.
    /** @type {Layout[]} */
    const layouts = batch.files.map((f) => f.layout ?? plainLayout(sd.uploadLayout(f.size, log2, 0)));
    post({ type: 'created', files: layouts.map((l) => ({ payloadSize: l.payloadSize })) });
    const progress = new Progress(batch.files.length, post);
    batch.files.forEach((f, j) => f.state === 'sent' && progress.set(j, layouts[j].payloadSize));

    /**
     * @param {RequestBatchFile} f
     * @param {number} j
     * @param {FileTarget} target
     * @param {import('../../pkg/sealdrop_wasm.js').SealSession} session
     * @param {Map<number, string>} stored
     */
    const upload = (f, j, target, session, stored) =>
      uploadFile(sd, {
        target,
        j,
        file: files[j],
        session,
        layout: layouts[j],
        log2,
        recorded: f.parts,
        stored,
        save: () => journalOf.touch(),
        onStored: (n) => journalOf.noteStored(f, n),
        progress,
        signal,
        post,
      });

    /**
     * Starts file j anew: a new file secret, sealed metadata and stanza, its upload created and
     * recorded before its first part.
     * @param {RequestBatchFile} f
     * @param {number} j
     */
    const sendNew = async (f, j) => {
      const fs = sd.newSecret();
      secrets.push(fs);
      const { session, header, metadata } = await startSealing(sd, fs, f, log2);
      const stanza = sd.sealStanza(pk, idBytes, rs, header, fs);
      const created = await withRetry(
        () =>
          apiJson(uploads, {
            method: 'POST',
            headers,
            json: {
              header: sd.b64Encode(header),
              metadata: sd.b64Encode(metadata),
              stanza: sd.b64Encode(stanza),
              payload_size: layouts[j].payloadSize,
              chunks_per_part: layouts[j].chunksPerPart,
            },
            signal,
          }),
        { signal, onRetry: (err) => err.status === 0 && post({ type: 'retrying' }) },
      );
      current = { path: `${uploads}/${created.id}`, headers };
      checkLayout(created, layouts[j]);
      Object.assign(f, {
        state: 'uploading',
        fileSecret: fs,
        fileId: String(created.id),
        header: sd.b64Encode(header),
        layout: layouts[j],
        parts: {},
      });
      // The server keeps a new upload a day without a part, and the record as long.
      await journalOf.touch();
      return upload(f, j, current, session, new Map());
    };

    /**
     * Goes on with file j where it stopped; null when it must start anew (the server no longer
     * holds it, or the file changed: its upload is then deleted first).
     * @param {RequestBatchFile} f
     * @param {number} j
     * @returns {Promise<string | null>}
     */
    const sendRest = async (f, j) => {
      const target = { path: `${uploads}/${f.fileId}`, headers };
      current = target;
      const held = await fetchStored(target.path, headers, signal);
      if (held?.complete && held.contentId) return held.contentId;
      /** @type {'changed' | 'gone'} */
      let reason = 'gone';
      if (held) {
        reason = 'changed';
        // A header not made under this secret is a record that does not describe this upload.
        const session =
          f.fileSecret && f.header
            ? await sd.SealSession.resume(f.fileSecret, sd.b64Decode(f.header), 'auto').catch(() => null)
            : null;
        if (session) {
          f.sent = [...held.stored.keys()];
          progress.set(j, held.bytes);
          try {
            return await upload(f, j, target, session, held.stored);
          } catch (err) {
            if (!(err instanceof ChangedError)) throw err;
          }
        }
        await withRetry(() => apiFetch(target.path, { method: 'DELETE', headers, signal }), { signal }).catch(
          (/** @type {unknown} */ e) => {
            if (!(e instanceof ApiError && e.status === 404)) throw e;
          },
        );
      }
      current = null;
      forget(f);
      await journalOf.save();
      progress.set(j, 0);
      post({ type: 'restarted', scope: 'file', j, reason, message: describeRestart(reason, f.name, 'file') });
      return null;
    };

    for (let j = 0; j < batch.files.length; j++) {
      const f = batch.files[j];
      if (f.state === 'sent' || f.state === 'failed') continue;
      try {
        const resumed = f.state === 'uploading' ? await sendRest(f, j) : null;
        const contentId = resumed ?? (await sendNew(f, j));
        if (current) await completeFile(current, contentId, signal);
        current = null;
        forget(f);
        Object.assign(f, { state: 'sent', contentId, sentAt: Date.now() });
        await journal.save();
        progress.set(j, layouts[j].payloadSize);
        progress.flush();
        post({ type: 'file-done', j, contentId });
      } catch (err) {
        if (signal.aborted || !isFileRefusal(err)) throw err;
        if (current) await abortRequestFile(current);
        current = null;
        const message = describeFileRefusal(err);
        forget(f);
        Object.assign(f, { state: 'failed', message });
        await journal.save();
        post({ type: 'file-failed', j, message, code: errorCode(err) });
      }
    }
    await journal.remove();
    const count = (/** @type {string} */ state) => batch.files.filter((f) => f.state === state).length;
    post({ type: 'done', sent: count('sent'), failed: count('failed') });
  } catch (err) {
    const cancelled = signal.aborted && isAbort(err);
    // Read before the abort below, which would make every failure look like a cancel.
    const keep = !cancelled && pausable(err, signal);
    controller.abort();
    if (journal && keep && journal.written) {
      await journal.settled();
      if (journal.live) {
        post({ type: 'paused', message: describePause(err, 'request'), key });
        return;
      }
    }
    if (current) await abortRequestFile(current);
    await journal?.remove();
    if (cancelled) post({ type: 'cancelled' });
    else post({ type: 'error', message: describeRequestFailure(err, current !== null), code: errorCode(err) });
  } finally {
    for (const secret of secrets) secret.fill(0);
  }
}

/**
 * A new batch's record: every file waiting.
 * @param {string} key
 * @param {string} requestId
 * @param {File[]} files
 * @param {string[]} names the names to seal, parallel to files (a folder's files carry their path)
 * @param {number} log2
 * @param {number | null} endsAt the request's expiry on this browser's clock, if known
 * @returns {RequestBatch}
 */
function newBatch(key, requestId, files, names, log2, endsAt) {
  return {
    key,
    kind: 'request',
    v: 1,
    updatedAt: 0,
    expiresAt: expiryAfter(endsAt),
    endsAt,
    requestId,
    log2,
    files: files.map((file, j) => ({
      name: names[j] || file.name,
      fileName: file.name,
      size: file.size,
      lastModified: file.lastModified,
      type: file.type,
      state: /** @type {const} */ ('waiting'),
      parts: {},
    })),
    receipt: [],
  };
}

/**
 * Takes what a file's upload needed out of the record: its secret (wiped), id, header and hashes.
 * @param {RequestBatchFile} f
 */
function forget(f) {
  const fs = f.fileSecret;
  delete f.fileSecret;
  delete f.fileId;
  delete f.header;
  f.parts = {};
  f.sent = [];
  f.state = 'waiting';
  // After it left the record: a write still queued carries the record as it is when it starts.
  fs?.fill(0);
}

/**
 * Best effort: deletes a request file that was created but not completed.
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
