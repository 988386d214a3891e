// The upload engine of the share page and of the file request page, in a module Web Worker so
// that sealing and hashing never stall the page. It keeps at most a few parts in memory, whatever
// the size of the files (js/upload/parts.js). A share is sent here; a file request's files in
// js/upload/request.js. Every batch keeps its state in IndexedDB while it is unfinished
// (js/upload/state.js), so that it resumes after a lost connection or a closed tab
// (js/upload/resume.js).
//
// The messages, both ways, are typed in js/upload/protocol.js.
import { apiJson, apiFetch, ApiError, withRetry, isAbort, setCsrf } from '../lib/api.js';
import { argon2Defaults, loadWasm, toHex } from '../lib/wasm.js';
import { Progress, checkLayout, completeFile, plainLayout, startSealing, uploadFile } from './parts.js';
import { ChangedError, MOVED_ON, Restart, TOO_OLD, fetchStored, reconcile, shareState } from './resume.js';
import { Journal, batchLockName, expiryAfter, isExpired, newBatchKey } from './state.js';
import { describe, describeNeedsPassword, describePause, describeRestart, errorCode, pausable } from './words.js';
import { sendToRequest } from './request.js';

/** @typedef {import('./protocol.js').ShareOptions} ShareOptions */
/** @typedef {import('./protocol.js').ToWorker} ToWorker */
/** @typedef {import('./protocol.js').Start} Start */
/** @typedef {import('./protocol.js').FromWorker} FromWorker */
/** @typedef {import('./state.js').ShareBatch} ShareBatch */
/** @typedef {typeof import('../../pkg/sealdrop_wasm.js')} Wasm */
/** @typedef {import('../../pkg/sealdrop_wasm.js').SealSession} SealSession */

const scope = /** @type {DedicatedWorkerGlobalScope} */ (/** @type {unknown} */ (self));

/** @type {AbortController | null} */
let controller = null;
/** @type {Promise<void> | null} */
let running = null;

scope.addEventListener('message', (event) => {
  /** @type {ToWorker} */
  const msg = event.data;
  if (msg?.type === 'start' && !running) {
    setCsrf(msg.kind === 'share' ? msg.csrf : null);
    const c = new AbortController();
    controller = c;
    const key = msg.resume ? String(msg.resume.key) : newBatchKey();
    running = locked(key, async () => {
      /** @type {Start} */
      let start = msg;
      if (msg.resume) {
        const resume = await reconcile(msg.resume);
        // Expired meanwhile, and this browser deleted its record: the server gives up on it too.
        if (!resume && isExpired(msg.resume)) return post({ type: 'error', message: TOO_OLD, code: null });
        if (!resume) return post({ type: 'error', message: MOVED_ON, code: 'upload_busy' });
        start = { ...msg, resume };
      }
      await (start.kind === 'request' ? sendToRequest(start, key, c, post) : share(start, key, c));
    });
  } else if (msg?.type === 'cancel') {
    controller?.abort();
  }
});

/** @param {FromWorker} msg */
function post(msg) {
  scope.postMessage(msg);
}

/**
 * Runs a batch while holding its lock, so that no other tab offers or resumes it meanwhile.
 * @param {string} key
 * @param {() => Promise<void>} run
 */
async function locked(key, run) {
  const locks = scope.navigator.locks;
  if (!locks) return run();
  await locks.request(batchLockName(key), { ifAvailable: true }, async (lock) => {
    if (lock) return run();
    post({
      type: 'error',
      message:
        'This upload is being continued in another tab or window of this browser. Nothing was changed here; follow it there.',
      code: 'upload_busy',
    });
  });
}

/**
 * A share and the sessions it was made with (a new share), or its record alone (a resumed one),
 * with its share secret (the record keeps it only where the share has a password).
 * @typedef {{ batch: ShareBatch, journal: Journal, sessions: SealSession[] | null,
 *   shareSecret: Uint8Array }} ShareRun
 */

/**
 * @param {import('./protocol.js').StartShare | import('./protocol.js').ResumeShare} msg a new share,
 *   or the record of one to resume
 * @param {string} key the batch's record
 * @param {AbortController} controller aborted by a cancel, and by this function on a failure
 */
async function share(msg, key, controller) {
  const signal = controller.signal;
  /** @type {File[]} */
  const files = msg.files;
  /** @type {ShareRun | null} */
  let run = null;
  /** @type {Uint8Array[]} wiped however this ends */
  const secrets = [];
  try {
    const sd = await loadWasm();
    /** @type {ShareOptions} */
    const options = msg.resume
      ? { .../** @type {ShareBatch} */ (msg.resume).options, password: msg.password ?? null }
      : msg.options;
    const log2 = msg.resume ? msg.resume.log2 : (msg.log2Chunk ?? sd.defaultLog2Chunk());
    if (msg.resume) {
      const batch = /** @type {ShareBatch} */ (msg.resume);
      // Without a password the link secret alone gives the share secret; a record that holds it
      // anyway loses it with its next write.
      const ss = batch.password ? batch.shareSecret : sd.shareSecretFromLink(batch.linkSecret);
      if (!batch.password && batch.shareSecret) {
        secrets.push(batch.shareSecret);
        delete batch.shareSecret;
      }
      secrets.push(batch.linkSecret);
      if (!ss) throw new Error('The record of this upload lacks its share secret.');
      secrets.push(ss);
      run = { batch, journal: new Journal(batch, true), sessions: null, shareSecret: ss };
    }
    for (;;) {
      run ??= await createShare(sd, files, log2, options, key, signal, secrets);
      try {
        await sendShare(sd, run, files, signal);
        break;
      } catch (err) {
        if (!(err instanceof Restart || err instanceof ChangedError)) throw err;
        const reason = err instanceof Restart ? err.reason : 'changed';
        const name = err.fileName;
        // The old share goes: the files go again under a new link secret, hence new file keys.
        await abortUpload(run.batch);
        await run.journal.remove();
        const hadPassword = run.batch.password;
        run = null;
        if (hadPassword && options.password === null) {
          post({ type: 'error', message: describeNeedsPassword(reason, name), code: null });
          return;
        }
        post({ type: 'restarted', scope: 'share', j: 0, reason, message: describeRestart(reason, name, 'share') });
      }
    }
  } catch (err) {
    const cancelled = signal.aborted && isAbort(err);
    // Read before the abort below, which would make every failure look like a cancel.
    const keep = !cancelled && pausable(err, signal);
    // Stops the parts still in flight, so that nothing reaches the server after the abort.
    controller.abort();
    if (run && keep && run.journal.written) {
      await run.journal.settled();
      if (run.journal.live) {
        post({ type: 'paused', message: describePause(err, 'share'), key });
        return;
      }
    }
    if (run) {
      await abortUpload(run.batch);
      await run.journal.remove();
    }
    if (cancelled) post({ type: 'cancelled' });
    else post({ type: 'error', message: describe(err, run !== null), code: errorCode(err) });
  } finally {
    for (const secret of secrets) secret.fill(0);
  }
}

/**
 * Creates a new share: keys, each file's sealing session and metadata, the share on the server,
 * then its record (before any part goes out).
 * @param {Wasm} sd
 * @param {File[]} files
 * @param {number} log2
 * @param {ShareOptions} options checked by the page
 * @param {string} key
 * @param {AbortSignal} signal
 * @param {Uint8Array[]} secrets where the secrets go to be wiped
 * @returns {Promise<ShareRun>}
 */
async function createShare(sd, files, log2, options, key, signal, secrets) {
  const ls = sd.newSecret();
  secrets.push(ls);
  /** @type {{ salt: string, m_kib: number, t: number, p: number } | null} */
  let passwordParams = null;
  /** @type {Uint8Array} */
  let ss;
  if (options.password !== null) {
    post({ type: 'protecting' });
    const salt = crypto.getRandomValues(new Uint8Array(16));
    // Argon2id for share passwords: the core's defaults (format-v1.md), about a second.
    const { m_kib, t, p } = argon2Defaults();
    ss = sd.shareSecretWithPassword(ls, options.password, salt, m_kib, t, p);
    passwordParams = { salt: sd.b64Encode(salt), m_kib, t, p };
    signal.throwIfAborted();
  } else {
    ss = sd.shareSecretFromLink(ls);
  }
  const ak = sd.shareAuthKey(ss);
  secrets.push(ss, ak);

  /** @type {SealSession[]} */
  const sessions = [];
  /** @type {ShareBatch['files']} */
  const batchFiles = [];
  /** @type {any[]} */
  const wire = [];
  for (let j = 0; j < files.length; j++) {
    const file = files[j];
    const fs = sd.shareFileSecret(ss, j);
    secrets.push(fs);
    const { session, header, metadata } = await startSealing(sd, fs, file, log2);
    const layout = plainLayout(sd.uploadLayout(file.size, log2, 0));
    sessions.push(session);
    batchFiles.push({
      j,
      name: file.name,
      size: file.size,
      lastModified: file.lastModified,
      header: sd.b64Encode(header),
      metadataHash: toHex(sd.blake3(metadata)),
      layout,
      parts: {},
      complete: false,
      contentId: null,
    });
    wire.push({
      header: sd.b64Encode(header),
      metadata: sd.b64Encode(metadata),
      payload_size: layout.payloadSize,
      chunks_per_part: layout.chunksPerPart,
    });
  }

  /** @type {number} */
  let expiresAt = 0;
  const created = await withRetry(
    () => {
      // Counted from this moment, so that "7 days" is 7 days from when the link exists.
      expiresAt =
        'afterMs' in options.expiry ? Date.now() + options.clockOffsetMs + options.expiry.afterMs : options.expiry.atMs;
      return apiJson('/api/shares', {
        method: 'POST',
        signal,
        json: {
          auth_key_hash: sd.b64Encode(sd.blake3(ak)),
          password: passwordParams,
          expires_at: Math.floor(expiresAt),
          max_downloads: options.maxDownloads,
          files: wire,
        },
      });
    },
    { signal },
  );
  // The share's expiry on this browser's clock: the record goes then at the latest.
  const endsAt = expiresAt - options.clockOffsetMs;
  /** @type {ShareBatch} */
  const batch = {
    key,
    kind: 'share',
    v: 1,
    updatedAt: 0,
    expiresAt: expiryAfter(endsAt),
    endsAt,
    shareId: String(created.id),
    ownerToken: String(created.owner_token),
    linkSecret: ls,
    ...(passwordParams !== null ? { shareSecret: ss } : {}),
    shareExpiresAt: expiresAt,
    password: passwordParams !== null,
    options: { expiry: options.expiry, maxDownloads: options.maxDownloads, clockOffsetMs: options.clockOffsetMs },
    log2,
    files: batchFiles,
  };
  const run = { batch, journal: new Journal(batch), sessions, shareSecret: ss };
  try {
    batchFiles.forEach((f, j) =>
      checkLayout(
        created.files?.find((/** @type {any} */ g) => g.j === j),
        f.layout,
      ),
    );
    await run.journal.save();
  } catch (err) {
    await abortUpload(batch);
    await run.journal.remove();
    throw err;
  }
  return run;
}

/**
 * Sends what the share still lacks, completes it, and tells the page its link.
 * @param {Wasm} sd
 * @param {ShareRun} run
 * @param {File[]} files
 * @param {AbortSignal} signal
 */
async function sendShare(sd, run, files, signal) {
  const { batch, journal } = run;
  const headers = { Authorization: `Bearer ${batch.ownerToken}` };
  if (!run.sessions) {
    const state = await shareState(batch.shareId, signal);
    if (state === null || state === 'purged') throw new Restart('gone', batch.files[0]?.name ?? '');
    // Completed before the record could be deleted: only the link is left to give.
    if (state === 'active') return shareDone(sd, run);
    if (state !== 'uploading') {
      // Completed too, and since then ended (expired, used up, revoked): nothing left to send.
      await run.journal.remove();
      post({
        type: 'error',
        message: `These files were shared earlier, and that link has since ${{ expired: 'expired', exhausted: 'been used up' }[state] ?? 'been revoked'}. Nothing more was sent; see My shares, or choose Share to share the files again.`,
        code: null,
      });
      return;
    }
  }
  post({ type: 'created', files: batch.files.map((f) => ({ payloadSize: f.layout.payloadSize })) });
  const progress = new Progress(batch.files.length, post);
  batch.files.forEach((f, j) => f.complete && progress.set(j, f.layout.payloadSize));

  for (let j = 0; j < batch.files.length; j++) {
    const f = batch.files[j];
    if (f.complete) continue;
    const target = { path: `/api/shares/${batch.shareId}/files/${j}`, headers };
    /** @type {SealSession} */
    let session;
    /** @type {Map<number, string>} */
    let stored = new Map();
    if (run.sessions) {
      session = run.sessions[j];
    } else {
      const held = await fetchStored(`${target.path}/parts`, headers, signal);
      if (!held) throw new Restart('gone', f.name);
      if (held.complete && held.contentId) {
        await fileDone(journal, f, j, held.contentId, progress);
        continue;
      }
      stored = held.stored;
      f.sent = [...stored.keys()];
      progress.set(j, held.bytes);
      const fs = sd.shareFileSecret(run.shareSecret, j);
      try {
        session = await sd.SealSession.resume(fs, sd.b64Decode(f.header), 'auto');
      } catch {
        // A header not made under this secret: the record does not describe this share.
        throw new Restart('changed', f.name);
      } finally {
        fs.fill(0);
      }
    }
    const contentId = await uploadFile(sd, {
      target,
      j,
      file: files[j],
      session,
      layout: f.layout,
      log2: batch.log2,
      recorded: f.parts,
      stored,
      save: () => journal.touch(),
      onStored: (n) => journal.noteStored(f, n),
      progress,
      signal,
      post,
    });
    await completeFile(target, contentId, signal);
    await fileDone(journal, f, j, contentId, progress);
  }

  const manifest = sd.sealManifest(run.shareSecret, sd.b64Decode(batch.shareId), {
    files: batch.files.map((f) => ({ j: f.j, content_id: f.contentId, metadata_hash: f.metadataHash })),
  });
  try {
    await withRetry(
      () =>
        apiJson(`/api/shares/${batch.shareId}/complete`, {
          method: 'POST',
          headers,
          json: { manifest: sd.b64Encode(manifest) },
          signal,
        }),
      { signal },
    );
  } catch (err) {
    // An earlier try completed it and its answer was lost.
    const completed =
      err instanceof ApiError && err.code === 'not_uploading' && (await shareState(batch.shareId, signal)) === 'active';
    if (!completed) throw err;
  }
  await shareDone(sd, run);
}

/**
 * @param {Journal} journal
 * @param {ShareBatch['files'][number]} f
 * @param {number} j
 * @param {string} contentId
 * @param {Progress} progress
 */
async function fileDone(journal, f, j, contentId, progress) {
  f.complete = true;
  f.contentId = contentId;
  f.parts = {};
  f.sent = [];
  await journal.save();
  progress.set(j, f.layout.payloadSize);
  progress.flush();
  post({ type: 'file-done', j, contentId });
}

/**
 * The share is complete: its record goes, the page gets the link.
 * @param {Wasm} sd
 * @param {ShareRun} run
 */
async function shareDone(sd, run) {
  const { batch } = run;
  await run.journal.remove();
  post({
    type: 'done',
    link: `${scope.location.origin}/d/${batch.shareId}#${sd.b64Encode(batch.linkSecret)}`,
    id: batch.shareId,
    ownerToken: batch.ownerToken,
    expiresAt: batch.shareExpiresAt,
    maxDownloads: batch.options.maxDownloads,
    password: batch.password,
  });
}

/**
 * Best effort: the server purges unfinished uploads anyway, this only frees the space sooner.
 * @param {ShareBatch} batch
 */
async function abortUpload(batch) {
  try {
    await apiFetch(`/api/shares/${batch.shareId}/abort`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${batch.ownerToken}` },
    });
  } catch {
    // Nothing more to do: the page already reports that nothing was shared.
  }
}
