// The access log against the real local stack: everything the suites before did is in one
// gap-free, fork-free chain; an export verifies with the native verifier against the pinned key;
// editing, deleting or cutting events in D1 is caught, and named, by the same verifier; 64
// concurrent writers append without a gap or a fork; checkpoints reach the witness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, sd, sealShare, uploadShare } from '../support/client.mjs';
import { BASE, STATE_DIR, d1, callFrom } from '../support/env.mjs';
import { admin, as, asJson } from '../support/accounts.mjs';
import { consoleVerify, exportAndVerify, runScheduled as purge } from '../support/log.mjs';

const WORK = join(STATE_DIR, '..');

const rows = () =>
  /** @type {{ seq: number, prev: string, hash: string }[]} */ (
    d1('SELECT seq, prev, hash FROM audit_events ORDER BY seq')
  );

test('everything the suites did is one chain, and its export verifies against the pinned key', async () => {
  await purge(); // a checkpoint now, over the head
  const all = rows();
  assert.ok(all.length > 100, `${all.length} events`);
  all.forEach((r, i) => assert.equal(r.seq, i + 1, 'seqs run from 1 without a gap'));
  for (let i = 1; i < all.length; i++) assert.equal(all[i].prev, all[i - 1].hash, `seq ${all[i].seq} links`);
  const actions = new Set(d1('SELECT DISTINCT action FROM audit_events').map((r) => String(r.action)));
  for (const action of [
    'account.created',
    'signin',
    'signout',
    'invite.created',
    'invite.cancelled',
    'account.changed',
    'password.changed',
    'share.created',
    'share.completed',
    'share.aborted',
    'share.revoked',
    'share.unlocked',
    'download.granted',
    'download.proof',
    'download.receipt',
    'request.created',
    'request.deleted',
    'request.upload.started',
    'request.upload.completed',
    'request.upload.aborted',
    'request.file.read',
    'request.file.deleted',
  ]) {
    assert.ok(actions.has(action), `the log has ${action} events`);
  }
  const refusal = d1(
    "SELECT event FROM audit_events WHERE action = 'download.proof' AND outcome = 'refused:wrong_key' LIMIT 1",
  )[0];
  assert.ok(refusal, 'wrong keys are logged with their reason');
  const good = await exportAndVerify('whole');
  assert.equal(good.status, 0, good.out);
  assert.match(good.out, /Chain intact from 1 to [\d,]+/);
  // The witness got the checkpoint the export ends with.
  const witnessed = readFileSync(join(WORK, 'witness.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(witnessed.length >= 1);
  assert.equal(witnessed.at(-1).public_key, good.key);
  assert.ok(readFileSync(good.file, 'utf8').includes(witnessed.at(-1).checkpoint.sig));
});

test('64 concurrent writers: the chain stays gap-free and fork-free, and every grant has its event', async () => {
  const share = await sealShare([{ name: 'concurrent-log.bin', data: randomBytes(100) }]);
  const { id } = await uploadShare(BASE, share);
  const before = rows().at(-1)?.seq ?? 0;
  const key = sd.b64Encode(share.authKey);
  const results = await Promise.all(
    Array.from({ length: 64 }, (_, i) =>
      callFrom(`127.0.${40 + (i % 8)}.${1 + Math.floor(i / 8)}`, `${BASE}/api/shares/${id}/proof`, {
        method: 'POST',
        headers: { authorization: `Sealdrop-Key ${key}` },
      }),
    ),
  );
  const granted = results.filter((r) => r.status === 200).length;
  assert.equal(granted, 64, `every proof got its download: ${results.map((r) => r.status).join(' ')}`);
  const after = rows().filter((r) => r.seq > before);
  assert.equal(after.length, 64, 'one event per proof');
  after.forEach((r, i) => assert.equal(r.seq, before + 1 + i));
  const grants = d1(`SELECT count(*) AS n FROM audit_events WHERE action = 'download.granted' AND object = '${id}'`)[0]
    .n;
  assert.equal(grants, 64);
  assert.equal(Number(d1(`SELECT downloads FROM shares WHERE id = '${id}'`)[0].downloads), 64);
  await purge();
  const verified = await exportAndVerify('concurrent');
  assert.equal(verified.status, 0, verified.out);
  assert.ok(existsSync(verified.file));
});

test('retention removes old events only behind a signed checkpoint, which stays; the log still verifies', async () => {
  const boss = await admin();
  const set = await call(`${BASE}/api/admin/policy`, {
    method: 'PUT',
    headers: asJson(boss),
    body: JSON.stringify({ retention_days: 30 }),
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  // A checkpoint partway: the events up to it may go once they are old enough.
  await purge();
  const boundary = Number(d1('SELECT MAX(seq) AS seq FROM audit_checkpoints')[0].seq);
  // Newer events, which must stay.
  for (let i = 0; i < 5; i++) await call(`${BASE}/api/audit/checkpoint`, { headers: as(boss) });
  const newest = Number(d1('SELECT MAX(seq) AS seq FROM audit_events')[0].seq);
  // The events up to the checkpoint are made 31 days old. Only the indexed `at` column moves
  // (what retention reads; no hash covers it): moving the clock instead would also make the
  // purge end every share that the later suites look for.
  const day = 86_400_000;
  d1(`UPDATE audit_events SET at = at - ${31 * day} WHERE seq <= ${boundary}`);
  await purge();
  const oldest = Number(d1('SELECT MIN(seq) AS seq FROM audit_events')[0].seq);
  const removed = JSON.parse(
    String(d1("SELECT event FROM audit_events WHERE action = 'log.retention' ORDER BY seq DESC LIMIT 1")[0].event),
  );
  // The scheduled run signs the head first; retention then stops at the newest checkpoint whose
  // events are all past the retention: ours.
  assert.equal(removed.detail.removed_through, boundary, JSON.stringify(removed));
  assert.equal(oldest, boundary + 1, 'the events up to the checkpoint are gone');
  assert.equal(
    Number(d1(`SELECT COUNT(*) AS n FROM audit_events WHERE seq > ${boundary} AND seq <= ${newest}`)[0].n),
    newest - boundary,
    'every later event is kept',
  );
  assert.equal(
    Number(d1(`SELECT COUNT(*) AS n FROM audit_checkpoints WHERE seq = ${removed.detail.removed_through}`)[0].n) >= 1,
    true,
    'the checkpoint the removal stopped at stays',
  );
  assert.equal(
    Number(d1(`SELECT COUNT(*) AS n FROM audit_checkpoints WHERE seq < ${removed.detail.removed_through}`)[0].n),
    0,
  );
  assert.equal(removed.actor, 'system');
  const verified = await exportAndVerify('retained');
  assert.equal(verified.status, 0, verified.out);
  assert.match(verified.out, new RegExp(`Chain intact from ${oldest.toLocaleString('en-US')} to`));
  const inD1 = await consoleVerify();
  assert.equal(inD1.intact, true, inD1.summary);
  const back = await call(`${BASE}/api/admin/policy`, {
    method: 'PUT',
    headers: asJson(boss),
    body: JSON.stringify({ retention_days: 365 }),
  });
  assert.equal(back.status, 200);
});

test('an edited, a deleted and a cut-off event are each caught and named by the verifier', async () => {
  const all = rows();
  const target = all[Math.floor(all.length / 2)].seq;
  const original = d1(`SELECT * FROM audit_events WHERE seq = ${target}`)[0];
  const restore = () => {
    d1(`DELETE FROM audit_events WHERE seq = ${target}`);
    d1(
      `INSERT INTO audit_events (seq, prev, hash, event, at, actor, action, object, outcome) VALUES (${original.seq}, '${original.prev}', '${original.hash}', '${String(original.event).replace(/'/g, "''")}', ${original.at}, '${original.actor}', '${original.action}', ${original.object === null ? 'NULL' : `'${original.object}'`}, '${original.outcome}')`,
    );
  };

  // Each damage is caught twice: by the console's verification of the stored log, and by the
  // native verifier on an export.
  d1(`UPDATE audit_events SET event = replace(event, '"outcome":"', '"outcome":"x') WHERE seq = ${target}`);
  const editedInD1 = await consoleVerify();
  assert.deepEqual([editedInD1.intact, editedInD1.first_bad_seq], [false, target], editedInD1.summary);
  assert.match(editedInD1.summary, new RegExp(`first bad seq is ${target}\\b.*hash does not match`));
  const edited = await exportAndVerify('edited');
  assert.equal(edited.status, 1, edited.out);
  assert.match(edited.out, new RegExp(`seq ${target}\\b.*hash does not match`));
  restore();

  d1(`DELETE FROM audit_events WHERE seq = ${target}`);
  const deletedInD1 = await consoleVerify();
  assert.deepEqual([deletedInD1.intact, deletedInD1.first_bad_seq], [false, target], deletedInD1.summary);
  assert.match(deletedInD1.summary, new RegExp(`seq ${target} is missing`, 'i'));
  const deleted = await exportAndVerify('deleted');
  assert.equal(deleted.status, 1, deleted.out);
  assert.match(deleted.out, new RegExp(`seq ${target} is missing`));
  restore();
  assert.equal((await exportAndVerify('restored')).status, 0, 'restored, the chain verifies again');
  const restored = await consoleVerify();
  assert.equal(restored.intact, true, restored.summary);
  assert.match(restored.summary, /^Chain intact from \d/);

  // A cut tail: the newest events go, and the checkpoint over them gives it away.
  await purge();
  const head = rows().at(-1)?.seq ?? 0;
  d1(`DELETE FROM audit_events WHERE seq > ${head - 3}`);
  const cutInD1 = await consoleVerify();
  assert.equal(cutInD1.intact, false, cutInD1.summary);
  assert.equal(cutInD1.first_bad_seq, head, 'the checkpoint over the cut events is named');
  assert.match(cutInD1.summary, /checkpoint/);
  const cut = await exportAndVerify('cut');
  assert.equal(cut.status, 1, cut.out);
  assert.match(cut.out, /checkpoint/i);
  // The chain went on from the cut (the export itself is logged), so it stays cut: this test runs last.
});
