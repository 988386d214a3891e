// Resuming an upload under format-v1.md's rule, One plaintext per key: a resumed file
// is sealed again from its start under its own salt (SealSession.resume), every part recorded
// before must seal to its recorded hash (and to the server's, where it holds the part) before
// anything new is sent, and on any difference the file changed: the upload starts again under a
// new key (a share: a new share; a request: a new file secret), never under the old one.
import { apiJson, ApiError, withRetry } from '../lib/api.js';
import { getBatch, wipeBatch } from './state.js';

/** @typedef {import('./parts.js').FileJob} FileJob */
/** @typedef {import('./state.js').Batch} Batch */

const CHECK_INTERVAL_MS = 100;

/** A file that no longer seals to what was sent before: it changed since the upload began. */
export class ChangedError extends Error {
  /** @param {string} name the file's name */
  constructor(name) {
    super(`“${name}” changed since the upload began.`);
    this.name = 'ChangedError';
    this.fileName = name;
  }
}

/** A share to start again under a new key: a file changed, or the server no longer holds it. */
export class Restart extends Error {
  /**
   * @param {'changed' | 'gone'} reason
   * @param {string} name the file that changed, or the first file
   */
  constructor(reason, name) {
    super(reason);
    this.reason = reason;
    this.fileName = name;
  }
}

/**
 * What the server holds of a file's upload (GET .../parts of a share file, GET of a request
 * upload), or null when it holds none: the upload was aborted, or purged after a day unused.
 * @param {string} path
 * @param {Record<string, string>} headers
 * @param {AbortSignal} signal
 * @returns {Promise<{ stored: Map<number, string>, bytes: number, complete: boolean,
 *   contentId: string | null } | null>}
 */
export async function fetchStored(path, headers, signal) {
  /** @type {any} */
  let got;
  try {
    got = await withRetry(() => apiJson(path, { headers, signal }), { signal });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
  /** @type {Map<number, string>} */
  const stored = new Map();
  let bytes = 0;
  for (const part of Array.isArray(got?.parts) ? got.parts : []) {
    const n = Number(part?.n);
    if (!Number.isInteger(n) || n < 1 || typeof part.blake3 !== 'string') continue;
    stored.set(n, part.blake3);
    bytes += Number(part.size) || 0;
  }
  const contentId = typeof got?.content_id === 'string' ? got.content_id : null;
  return { stored, bytes, complete: got?.complete === true && contentId !== null, contentId };
}

/**
 * The state a share is in (uploading, active, expired, exhausted, revoked, purged), or null when
 * the server has no such share.
 * @param {string} id
 * @param {AbortSignal} signal
 * @returns {Promise<string | null>}
 */
export async function shareState(id, signal) {
  try {
    const got = await withRetry(() => apiJson(`/api/shares/${id}`, { signal }), { signal });
    return String(got?.state ?? '');
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/**
 * Checks, as a file is sealed again from its start, that parts 1..m (every part recorded or
 * stored before) come out as they did. Parts the server lacks among them are held (as Blobs,
 * in the browser's blob store) until part m has matched too, then handed back to be sent.
 * Tells the page how far the check is ({type: 'resume-check', j, checked, total}) and, at the
 * end, how long it took ({type: 'resume-checked', j, ms, bytes}).
 */
export class ResumeCheck {
  /** @param {FileJob} job */
  constructor(job) {
    this.job = job;
    let m = 0;
    for (const key of Object.keys(job.recorded)) m = Math.max(m, Number(key) || 0);
    for (const n of job.stored.keys()) m = Math.max(m, n);
    // A record that claims parts past the file's end does not describe this file.
    if (m > job.layout.partCount) throw new ChangedError(job.file.name);
    this.m = m;
    this.total = Math.min(m * job.layout.partSize, job.layout.payloadSize);
    this.checked = 0;
    this.done = m === 0;
    /** @type {{ n: number, hash: string, body: Blob }[]} */
    this.held = [];
    this.startedAt = performance.now();
    this.postedAt = 0;
  }

  /** @param {number} n */
  covers(n) {
    return n <= this.m;
  }

  /**
   * @param {number} n a part at most m
   * @param {string} hash its hex BLAKE3 as sealed now
   * @param {Uint8Array} bytes copied into a Blob if it must still be sent
   * @returns {{ n: number, hash: string, body: Blob }[]} the parts to send now
   */
  part(n, hash, bytes) {
    const { recorded, stored, j, post } = this.job;
    const theirs = stored.get(n);
    const want = recorded[n] ?? theirs;
    if (want === undefined || hash !== want || (theirs !== undefined && theirs !== hash)) {
      throw new ChangedError(this.job.file.name);
    }
    this.checked += bytes.length;
    if (theirs === undefined)
      this.held.push({ n, hash, body: new Blob([/** @type {Uint8Array<ArrayBuffer>} */ (bytes)]) });
    const now = performance.now();
    if (n === this.m || now - this.postedAt >= CHECK_INTERVAL_MS) {
      this.postedAt = now;
      post({ type: 'resume-check', j, checked: this.checked, total: this.total });
    }
    if (n !== this.m) return [];
    this.done = true;
    post({ type: 'resume-checked', j, ms: Math.round(now - this.startedAt), bytes: this.checked });
    return this.held.splice(0);
  }

  /** After the last part: a check that never reached part m found a file that is not the same. */
  end() {
    if (!this.done) throw new ChangedError(this.job.file.name);
  }
}

/** Said when the batch moved on in another tab between the page reading it and this worker. */
export const MOVED_ON =
  'This upload was continued in another tab or window meanwhile. Nothing was sent from here; reload this page to see where it stands.';

/** Said when the batch's record expired between the page reading it and this worker. */
export const TOO_OLD =
  'This interrupted upload can no longer be continued: it was left too long, or its link has expired. Nothing more was sent; choose the files again to send them anew.';

/**
 * The record as this browser holds it now, under the batch's lock, in place of the copy the page
 * read before: another tab may have recorded parts since, and a resume must check every part
 * ever recorded. Null when the batch moved on elsewhere (completed, discarded, or its uploads
 * started again) or its record expired: nothing of it is then this worker's to send.
 * @param {Batch} copy the page's (its request files may have been cut to those unfinished)
 * @returns {Promise<Batch | null>}
 */
export async function reconcile(copy) {
  /** @type {Batch | null} */
  let held;
  try {
    held = await getBatch(copy.key);
  } catch {
    // This browser cannot read it back (the page could a moment ago): the copy is all there is.
    return copy;
  }
  if (!held || held.kind !== copy.kind) return null;
  if (held.kind === 'share' && copy.kind === 'share') {
    if (held.shareId !== copy.shareId || held.files.length !== copy.files.length) return null;
    wipeBatch(copy);
    return held;
  }
  if (held.kind !== 'request' || copy.kind !== 'request') return null;
  for (const f of copy.files) {
    if (f.state !== 'uploading') continue;
    const now = held.files.find((g) => g.fileId === f.fileId);
    if (now?.state !== 'uploading') return null;
    // Records only grow: one hash per part, once.
    for (const [n, hash] of Object.entries(f.parts)) if (now.parts[n] !== hash) return null;
    f.parts = { ...now.parts };
    f.sent = now.sent;
  }
  // Moved on with the parts recorded since.
  copy.expiresAt = held.expiresAt;
  copy.endsAt = held.endsAt;
  wipeBatch(held);
  return copy;
}
