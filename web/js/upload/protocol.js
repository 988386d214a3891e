// The messages between an upload page (js/ui/upload-rows.js, the share and request pages) and
// the upload worker (js/upload/worker.js), as types only: both sides declare what they post and
// receive with these, so that tsc catches a message one side no longer sends or reads.
// Indices j are into the start message's `files`.

/** @typedef {import('./state.js').Batch} Batch */

/**
 * A share's choices. A preset expiry stays relative (afterMs) so that the worker counts it from
 * the moment it creates the share, not from when Share was pressed; a custom one is the moment
 * chosen (atMs).
 * @typedef {Object} ShareOptions
 * @property {{ afterMs: number } | { atMs: number }} expiry
 * @property {number | null} maxDownloads null: no limit before the expiry
 * @property {string | null} password
 * @property {number} clockOffsetMs the server's clock minus this one's, as far as known
 */

/**
 * A file request's link, its parts base64url; expiresAt is the request's expiry on this
 * browser's clock, if known (the batch's record goes then at the latest).
 * @typedef {{ id: string, publicKey: string, requestSecret: string, expiresAt?: number | null }} RequestLink
 */

/**
 * Page -> worker, once: a new share, a file request's files, or the resume of an interrupted
 * batch (its record `resume`, and the same files by the record's files); then maybe a cancel.
 * @typedef {{ type: 'start', kind: 'share', resume?: undefined, files: File[], log2Chunk: number | null,
 *   options: ShareOptions, csrf: string | null }} StartShare
 * @typedef {{ type: 'start', kind: 'request', resume?: undefined, files: File[],
 *   names?: string[], log2Chunk: number | null, request: RequestLink }} StartRequest
 *   names: the names to seal, by default each File's own
 * @typedef {{ type: 'start', kind: 'share', resume: Batch, files: File[], csrf: string | null,
 *   password: string | null }} ResumeShare
 *   password: the share's, if the page still has it (a share that must start again under a new
 *   key needs it)
 * @typedef {{ type: 'start', kind: 'request', resume: Batch, files: File[],
 *   request: RequestLink }} ResumeRequest
 * @typedef {StartShare | StartRequest | ResumeShare | ResumeRequest} Start
 * @typedef {Start | { type: 'cancel' }} ToWorker
 */

/**
 * Worker -> page, in order: 'protecting' (a share's password: Argon2id running, about a second),
 * 'created', then 'progress' (ciphertext bytes stored so far, per file), 'retrying' (a lost
 * connection, tried again), 'file-done'; on a resume 'resume-check' (ciphertext bytes sent before
 * and sealed again so far) and 'resume-checked' (how long that check took), and 'restarted' when a
 * file changed since the upload began or the server no longer holds the upload (a share then
 * starts again as a new share, from zero and with a new 'created'; a request's file j again under
 * a new file secret). A request sends 'file-failed' when the server refuses one file (too large,
 * request full) or it cannot be read, and goes on with the next.
 * It ends with one of: 'done'; 'cancelled'; 'paused' (after the last retry of a network error,
 * 5xx or 429: nothing was deleted, the record `key` resumes it); 'error' (code: the server's
 * error code, 'upload_busy' when another tab of this browser holds the batch, or null; the
 * upload was deleted, but for upload_busy). A request's cancel or failure deletes only the
 * unfinished file: files already complete stay with the requester.
 * @typedef {{ type: 'done', link: string, id: string, ownerToken: string, expiresAt: number,
 *   maxDownloads: number | null, password: boolean }} ShareDone
 * @typedef {{ type: 'done', sent: number, failed: number }} RequestDone
 * @typedef {{ type: 'protecting' }
 *   | { type: 'created', files: { payloadSize: number }[] }
 *   | { type: 'progress', sent: number[] }
 *   | { type: 'retrying' }
 *   | { type: 'file-done', j: number, contentId: string }
 *   | { type: 'file-failed', j: number, message: string, code: string | null }
 *   | { type: 'resume-check', j: number, checked: number, total: number }
 *   | { type: 'resume-checked', j: number, ms: number, bytes: number }
 *   | { type: 'restarted', scope: 'share' | 'file', j: number, reason: 'changed' | 'gone', message: string }
 *   | ShareDone
 *   | RequestDone
 *   | { type: 'cancelled' }
 *   | { type: 'paused', message: string, key: string }
 *   | { type: 'error', message: string, code: string | null }} FromWorker
 */

export {};
