// What a local stack stored, read beside it: miniflare's R2 index (sqlite files in the stack's
// state) and D1's records of uploaded files, to check that every part of a file is stored
// exactly once after faults; and a byte of a stored object flipped, for the tampering tests.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { d1, filesUnder } from './env.mjs';

/**
 * Flips one byte of a stored object in a stack's local R2 state, found by a sample of its bytes:
 * a tampered chunk that the pages must refuse.
 * @param {string} stateDir the stack's state directory
 * @param {Uint8Array} payload the stored payload
 * @param {number} offset where to flip
 */
export function flipStoredByte(stateDir, payload, offset) {
  const sample = Buffer.from(payload.subarray(offset, offset + 64));
  for (const path of filesUnder(join(stateDir, 'v3/r2'))) {
    const bytes = readFileSync(path);
    const at = bytes.indexOf(sample);
    if (at >= 0) {
      bytes[at] ^= 0x01;
      writeFileSync(path, bytes);
      return;
    }
  }
  throw new Error('the stored object was not found in the local R2 state');
}

/** @param {number} ms */
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The readers of one stack's stored state.
 * @param {string} stateDir the stack's state directory (startStack's stateDir)
 */
export function storedState(stateDir) {
  /**
   * Rows of one SQL query on a sqlite file of the stack's state (miniflare's R2 index).
   * @param {string} file
   * @param {string} sql
   * @returns {Record<string, any>[]}
   */
  function sqlite(file, sql) {
    const out = execFileSync('sqlite3', ['-json', file, sql], { encoding: 'utf8' }).trim();
    return out ? JSON.parse(out) : [];
  }

  /** The databases in which miniflare keeps the local R2 bucket's objects and multipart uploads. */
  function r2Indexes() {
    const found = filesUnder(join(stateDir, 'v3/r2'))
      .filter((f) => f.endsWith('.sqlite'))
      .filter((f) => sqlite(f, "SELECT name FROM sqlite_master WHERE name = '_mf_multipart_uploads'").length > 0);
    assert.ok(found.length > 0, 'the local R2 index was found');
    return found;
  }

  /**
   * Rows of `sql` over every R2 index.
   * @param {string} sql
   */
  const r2 = (sql) => r2Indexes().flatMap((f) => sqlite(f, sql));

  /**
   * One file's upload as D1 records it.
   * @param {Record<string, unknown>} row
   */
  const fileOf = (row) => ({
    partCount: Number(row.part_count),
    payloadSize: Number(row.payload_size),
    objectKey: String(row.object_key),
    uploadId: String(row.upload_id),
    completed: row.completed_at !== null,
  });
  const FILE_COLUMNS = 'part_count, payload_size, object_key, upload_id, completed_at';

  /** @param {string} shareId the share's only file */
  function shareFile(shareId) {
    const rows = d1(`SELECT ${FILE_COLUMNS} FROM files WHERE share_id = '${shareId}'`, stateDir);
    assert.equal(rows.length, 1, `share ${shareId} has one file`);
    return fileOf(rows[0]);
  }

  /** @param {string} requestId the request's only file */
  function requestFile(requestId) {
    const rows = d1(`SELECT ${FILE_COLUMNS} FROM request_files WHERE request_id = '${requestId}'`, stateDir);
    assert.equal(rows.length, 1, `request ${requestId} holds one file, and no unfinished other`);
    return fileOf(rows[0]);
  }

  /**
   * Part claims never confirmed (etag NULL), with their age: a part cut off by a stopped server
   * leaves one, and the worker answers 409 part_in_progress to that part until it is stale.
   * For the message of a test that waited in vain.
   */
  function unconfirmedClaims() {
    const open = d1('SELECT object_key, n, claimed_at FROM upload_parts WHERE etag IS NULL', stateDir);
    const list = open.map(
      (c) => `${c.object_key} part ${c.n}, claimed ${seconds(Date.now() - Number(c.claimed_at))} ago`,
    );
    return `unconfirmed part claims in D1: ${list.length ? list.join('; ') : 'none'}`;
  }

  /**
   * Every part of a file stored exactly once: in D1, part_count confirmed rows adding up to the
   * payload; in R2, one completed multipart upload whose parts are those, and an object of that
   * size made of part_count parts. Returns the figures to print.
   * @param {ReturnType<typeof fileOf>} file
   */
  function assertStoredOnce(file) {
    assert.ok(file.completed, 'the file is complete');
    const [rows] = d1(
      `SELECT count(*) AS n, count(DISTINCT n) AS numbers, sum(size) AS bytes, sum(etag IS NULL) AS open, min(n) AS first, max(n) AS last
       FROM upload_parts WHERE object_key = '${file.objectKey}'`,
      stateDir,
    );
    assert.deepEqual(
      [rows.n, rows.numbers, rows.bytes, rows.open, rows.first, rows.last].map(Number),
      [file.partCount, file.partCount, file.payloadSize, 0, 1, file.partCount],
      'D1: exactly part_count confirmed parts, numbered 1 to part_count, adding up to the payload',
    );
    const key = file.objectKey.replace(/'/g, "''");
    const uploads = r2(`SELECT upload_id, state FROM _mf_multipart_uploads WHERE key = '${key}'`);
    const completed = uploads.filter((u) => u.state === 1);
    assert.equal(completed.length, 1, `R2: one completed multipart upload for the file (${JSON.stringify(uploads)})`);
    assert.equal(completed[0].upload_id, file.uploadId, 'R2: the one D1 recorded');
    const [parts] = r2(
      `SELECT count(*) AS n, count(DISTINCT part_number) AS numbers, sum(size) AS bytes FROM _mf_multipart_parts WHERE upload_id = '${file.uploadId}'`,
    );
    assert.deepEqual(
      [parts.n, parts.numbers, parts.bytes].map(Number),
      [file.partCount, file.partCount, file.payloadSize],
      'R2: the upload holds part_count parts, once each, adding up to the payload',
    );
    const [object] = r2(`SELECT size, etag FROM _mf_objects WHERE key = '${key}'`);
    assert.ok(object, 'R2: the object exists');
    assert.equal(Number(object.size), file.payloadSize, 'R2: the object is the payload size');
    assert.equal(String(object.etag).split('-').pop(), String(file.partCount), 'R2: the object is part_count parts');
    return { ...file, multipartUploads: uploads.length };
  }

  /**
   * Blob files in the local R2 state that no object or part refers to (a part cut off by a stop
   * leaves its partial bytes); printed, not asserted: they are miniflare's, not the worker's.
   */
  function orphanBlobs() {
    const referenced = new Set([
      ...r2('SELECT blob_id FROM _mf_multipart_parts').map((r) => r.blob_id),
      ...r2('SELECT blob_id FROM _mf_objects WHERE blob_id IS NOT NULL').map((r) => r.blob_id),
    ]);
    const blobs = filesUnder(join(stateDir, 'v3/r2')).filter((f) => f.includes('/blobs/'));
    const orphans = blobs.filter((f) => !referenced.has(basename(f)));
    const bytes = orphans.reduce((sum, f) => sum + readFileSync(f).length, 0);
    return { blobs: blobs.length, orphans: orphans.length, bytes };
  }

  /** The ids of the stack's shares, optionally in one state. */
  const shareIds = (/** @type {string} */ state = '') =>
    d1(`SELECT id FROM shares${state ? ` WHERE state = '${state}'` : ''}`, stateDir).map((r) => String(r.id));

  return { r2, shareFile, requestFile, unconfirmedClaims, assertStoredOnce, orphanBlobs, shareIds };
}
