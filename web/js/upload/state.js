// What an upload needs to resume after a lost connection, a server restart or a closed tab,
// kept in IndexedDB: database "sealdrop-uploads", store "batches", one record per
// batch of files, keyed by a random `key`. The pages read it (to offer a resume, to discard)
// and js/upload/worker.js writes it: before the first part of the batch goes out, with each
// part's BLAKE3 before that part is sent (format-v1.md, One plaintext per key), as files
// complete; and deletes it once the whole batch is complete, or cancelled, or failed for good.
//
// A record holds only what resuming needs, and only for as long as a resume can succeed: its
// `expiresAt` (this browser's clock) is the share's or request's expiry, or ABANDONED_AFTER_MS
// after its last recorded part (or the creation of its latest upload), whichever comes first;
// the server purges an upload left that long without a part, and a part is recorded before it
// is sent, so the record never outlives what it describes. Listing or opening the records
// (listBatches, getBatch) deletes the expired ones, so an expired record is never offered.
//
// The secrets it holds, as Uint8Arrays so that whoever holds a copy can wipe it (wipeBatch):
// - a share's link secret: the link given once the share is complete is made of it, and it
//   cannot be made again;
// - a password share's share secret (Argon2id of the password and the link secret): the file
//   secrets and the manifest come from it, and the page that resumes may not know the password.
//   A share without a password keeps none: its share secret is derived from the link secret;
// - a request file's file secret, while that file is being uploaded: it is sealed again from its
//   start under it (its stanza is on the server already). Never the request secret or upload
//   token: those come from the request's link, which the page that resumes has.
// And a share's owner token (a string): the parts, the manifest and an abort are authorised by
// it. A batch being uploaded is locked (Web Locks, name batchLockName(key)) by the worker that
// runs it, so that another tab does not offer it.

const DB_NAME = 'sealdrop-uploads';
const STORE = 'batches';
const VERSION = 1;

/** How long the server keeps an upload that gets no part (worker/src/rules/lifecycle.rs). */
export const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * A file's upload geometry (the wasm module's uploadLayout).
 * @typedef {{ payloadSize: number, chunksPerPart: number, partSize: number, partCount: number }} Layout
 */

/**
 * A file of a share. `parts` maps a part number to the lower-case hex BLAKE3 of its ciphertext,
 * recorded before the part was sent.
 * @typedef {Object} ShareBatchFile
 * @property {number} j
 * @property {string} name
 * @property {number} size
 * @property {number} lastModified
 * @property {string} header base64url, 56 bytes
 * @property {string} metadataHash hex BLAKE3 of the sealed metadata, for the manifest
 * @property {Layout} layout
 * @property {Record<string, string>} parts
 * @property {number[]} [sent] parts the server confirmed it stored (for showing progress only)
 * @property {boolean} complete
 * @property {string | null} contentId
 */

/**
 * What every record carries besides its kind's fields: when it goes (see the top of this file).
 * @typedef {Object} BatchExpiry
 * @property {number} updatedAt when it was last written (the newest is offered first)
 * @property {number} expiresAt when it goes: min(endsAt, last part recorded + ABANDONED_AFTER_MS)
 * @property {number | null} endsAt the share's or request's expiry, on this browser's clock
 */

/**
 * A share on its way up. `options` are the share page's (without the password), kept so that a
 * share restarted under a new key (a file changed) gets the same ones. `shareExpiresAt` (the
 * server's clock) and `password` are for the page that shows the link at the end.
 * @typedef {Object} ShareBatchFields
 * @property {string} key
 * @property {'share'} kind
 * @property {number} v 1
 * @property {string} shareId
 * @property {string} ownerToken
 * @property {Uint8Array} linkSecret
 * @property {Uint8Array} [shareSecret] only where the share has a password
 * @property {number} shareExpiresAt
 * @property {boolean} password
 * @property {{ expiry: { afterMs: number } | { atMs: number }, maxDownloads: number | null,
 *   clockOffsetMs: number }} options
 * @property {number} log2
 * @property {ShareBatchFile[]} files
 */

/** @typedef {ShareBatchFields & BatchExpiry} ShareBatch */

/**
 * A file of a request batch: waiting (nothing on the server yet), uploading (its upload exists:
 * fileSecret, fileId, header, layout and parts are set), sent (contentId) or failed (message).
 * `name` is the name sealed with it (a folder's files carry their path), `fileName` the File's;
 * name, size, lastModified and type are sealed in its metadata, and match the file chosen again.
 * @typedef {Object} RequestBatchFile
 * @property {string} name
 * @property {string} fileName
 * @property {number} size
 * @property {number} lastModified
 * @property {string} type
 * @property {'waiting' | 'uploading' | 'sent' | 'failed'} state
 * @property {Uint8Array} [fileSecret]
 * @property {string} [fileId]
 * @property {string} [header] base64url
 * @property {Layout} [layout]
 * @property {Record<string, string>} parts
 * @property {number[]} [sent] parts the server confirmed it stored (for showing progress only)
 * @property {string} [contentId]
 * @property {number} [sentAt] when it was delivered
 * @property {string} [message]
 */

/**
 * Files sent into a request. `receipt` lists files of the batch delivered before the page that
 * resumed it was loaded (the page shows them in its receipt).
 * @typedef {Object} RequestBatchFields
 * @property {string} key
 * @property {'request'} kind
 * @property {number} v 1
 * @property {string} requestId
 * @property {number} log2
 * @property {RequestBatchFile[]} files
 * @property {{ name: string, size: number, contentId: string, at?: number }[]} receipt
 */

/** @typedef {RequestBatchFields & BatchExpiry} RequestBatch */

/** @typedef {ShareBatch | RequestBatch} Batch */

/** @type {Promise<IDBDatabase> | null} */
let opening = null;

/** @returns {Promise<IDBDatabase>} */
function openDb() {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, VERSION);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'key' });
    };
    req.onsuccess = () => {
      const db = req.result;
      // A newer page that needs another version gets the database; this realm opens it again.
      db.onversionchange = () => {
        db.close();
        opening = null;
      };
      resolve(db);
    };
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('IndexedDB is blocked'));
  });
  opening.catch(() => {
    opening = null;
  });
  return opening;
}

/**
 * @template T
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore) => IDBRequest<T> | void} act
 * @returns {Promise<T | undefined>}
 */
async function run(mode, act) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    // Strict: a part's hash must be on disk before the part leaves, even if the computer then
    // loses power, not merely handed to the operating system.
    const tx = db.transaction(STORE, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' });
    const req = act(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req ? req.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** @param {Batch} batch */
export async function putBatch(batch) {
  batch.updatedAt = Date.now();
  await run('readwrite', (store) => store.put(batch));
}

/**
 * The record, or null when there is none, or it expired (it is then deleted).
 * @param {string} key
 * @returns {Promise<Batch | null>}
 */
export async function getBatch(key) {
  const got = await run('readonly', (store) => store.get(key));
  if (!isBatch(got)) return null;
  const [kept] = await dropExpired([upgrade(got)]);
  return kept ?? null;
}

/**
 * Every batch of this browser that has not expired, newest first; the expired ones are deleted.
 * @returns {Promise<Batch[]>}
 */
export async function listBatches() {
  const all = (await run('readonly', (store) => store.getAll())) ?? [];
  const kept = await dropExpired(all.filter(isBatch).map(upgrade));
  return kept.sort((a, b) => b.updatedAt - a.updatedAt);
}

/**
 * Deletes the expired records among these and wipes their copies' secrets; the others.
 * @param {Batch[]} batches
 * @returns {Promise<Batch[]>}
 */
async function dropExpired(batches) {
  const now = Date.now();
  const gone = batches.filter((b) => isExpired(b, now));
  if (gone.length) {
    try {
      await run('readwrite', (store) => {
        for (const b of gone) store.delete(b.key);
      });
    } catch {
      // Left for the next listing; it is not offered meanwhile.
    }
    for (const b of gone) wipeBatch(b);
  }
  return batches.filter((b) => !gone.includes(b));
}

/**
 * A record without `endsAt` (and, for a share, without `shareExpiresAt`), whose `expiresAt` is
 * the share's expiry on the server's clock, or none for a request, as browsers may still hold:
 * it lasts ABANDONED_AFTER_MS from its last write.
 * @param {Batch} batch
 * @returns {Batch}
 */
function upgrade(batch) {
  const b = /** @type {any} */ (batch);
  if (b.kind === 'share' && b.shareExpiresAt === undefined) {
    b.shareExpiresAt = b.expiresAt;
    b.endsAt = Number(b.expiresAt) - (Number(b.options?.clockOffsetMs) || 0);
    b.expiresAt = expiryAfter(b.endsAt, b.updatedAt);
  } else if (b.expiresAt === undefined) {
    b.endsAt = null;
    b.expiresAt = expiryAfter(null, b.updatedAt);
  }
  return batch;
}

/**
 * Whether a record is past its expiry, by this browser's clock (a record without one is).
 * @param {Batch} batch
 * @param {number} [now]
 */
export function isExpired(batch, now = Date.now()) {
  return !(batch.expiresAt > now);
}

/**
 * When a record goes if its last part (or its latest upload) is recorded at `at`.
 * @param {number | null | undefined} endsAt the share's or request's expiry, this browser's clock
 * @param {number} [at]
 */
export function expiryAfter(endsAt, at = Date.now()) {
  const abandoned = at + ABANDONED_AFTER_MS;
  return typeof endsAt === 'number' && Number.isFinite(endsAt) ? Math.min(endsAt, abandoned) : abandoned;
}

/** @param {string} key */
export async function deleteBatch(key) {
  await run('readwrite', (store) => store.delete(key));
}

/** @param {unknown} value */
function isBatch(value) {
  const b = /** @type {any} */ (value);
  return (
    b !== null &&
    typeof b === 'object' &&
    b.v === 1 &&
    typeof b.key === 'string' &&
    (b.kind === 'share' || b.kind === 'request') &&
    Array.isArray(b.files)
  );
}

/** A new batch's key: 16 random bytes in hex. */
export function newBatchKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** @param {string} key */
export function batchLockName(key) {
  return `sealdrop-upload-${key}`;
}

/**
 * The keys of the batches a worker of this browser is uploading right now (in any tab).
 * @returns {Promise<Set<string>>}
 */
export async function liveBatchKeys() {
  /** @type {Set<string>} */
  const keys = new Set();
  try {
    const held = (await navigator.locks?.query())?.held ?? [];
    for (const lock of held) {
      if (lock.name?.startsWith('sealdrop-upload-')) keys.add(lock.name.slice('sealdrop-upload-'.length));
    }
  } catch {
    // Without Web Locks every batch is offered; the worker that resumes it takes the lock.
  }
  return keys;
}

/**
 * Zeroes the secrets a copy of a record holds.
 * @param {Batch | null | undefined} batch
 */
export function wipeBatch(batch) {
  if (!batch) return;
  if (batch.kind === 'share') {
    batch.linkSecret?.fill(0);
    batch.shareSecret?.fill(0);
  } else {
    for (const f of batch.files) f.fileSecret?.fill(0);
  }
}

/** Said when the record cannot be written and an older one cannot be removed either. */
const STATE_LOST = 'This browser could not save the upload’s progress, so the upload was stopped to keep it safe.';

/**
 * The worker's handle on one batch's record: changes are made to `record` in memory, and save()
 * makes them durable. Writes never overlap, and changes made while one is running go out
 * together in the next (a part's hash still waits for its own write: save() resolves only when
 * a write that began after the call has finished).
 *
 * If this browser cannot keep the record (no IndexedDB, a full disk), the upload goes on without
 * one: it then cannot resume, and `live` says so. A record that was written once but cannot be
 * updated any more is deleted; if even that fails, save() rejects, because resuming from a record
 * that lacks a part's hash could seal other bytes under the same key.
 */
export class Journal {
  /**
   * @param {Batch} record
   * @param {boolean} [stored] whether this browser already holds the record (a resumed batch)
   */
  constructor(record, stored = false) {
    this.record = record;
    this.live = true;
    this.written = stored;
    /** @type {Promise<void>} the last write begun */
    this.tail = Promise.resolve();
    /** @type {Promise<void> | null} a write not begun yet, which will carry every change so far */
    this.queued = null;
  }

  /**
   * A part is recorded, or an upload created: the server keeps the upload ABANDONED_AFTER_MS
   * from now, and the record as long (never past the share's or request's expiry). Saves.
   * @returns {Promise<void>}
   */
  touch() {
    this.record.expiresAt = expiryAfter(this.record.endsAt);
    return this.save();
  }

  /** @returns {Promise<void>} */
  save() {
    if (!this.live) return Promise.resolve();
    if (this.queued) return this.queued;
    const next = this.tail
      .catch(() => {})
      .then(() => {
        this.queued = null;
        return this.#write();
      });
    this.queued = next;
    this.tail = next;
    return next;
  }

  async #write() {
    if (!this.live) return;
    try {
      await putBatch(this.record);
      this.written = true;
    } catch {
      this.live = false;
      if (!this.written) return;
      try {
        await deleteBatch(this.record.key);
      } catch {
        throw new Error(STATE_LOST);
      }
    }
  }

  /**
   * Notes that part n of file f is on the server, in the next write; nothing waits for it.
   * @param {{ sent?: number[] }} f a file of the record
   * @param {number} n
   */
  noteStored(f, n) {
    (f.sent ??= []).push(n);
    this.save().catch(() => {});
  }

  /** Waits for the writes begun so far. */
  async settled() {
    await this.tail.catch(() => {});
  }

  /** Deletes the record (best effort): the batch is complete, cancelled or failed for good. */
  async remove() {
    const wasWritten = this.written || this.live;
    this.live = false;
    await this.settled();
    if (!wasWritten) return;
    try {
      await deleteBatch(this.record.key);
    } catch {
      // Nothing more to do; a record left behind is offered again and its upload found gone.
    }
  }
}
