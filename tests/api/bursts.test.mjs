// The trust core under attack, against the real local stack: guessing limits that parallel bursts
// cannot pass and that a stranger cannot turn into a lock-out, and floods of refusals that the log
// sums instead of storing one by one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sd, call, sealShare, uploadShare } from '../support/client.mjs';
import { BASE, d1, setClock, callFrom, refusedWith } from '../support/env.mjs';
import { admin, as, loginKeyOf, newStaff, signIn } from '../support/accounts.mjs';
import { summedRefusals } from '../support/log.mjs';

after(() => setClock(null));

const json = { 'content-type': 'application/json' };
/** @param {string} source @param {string} email @param {string} loginKey */
const signInFrom = (source, email, loginKey) =>
  callFrom(source, `${BASE}/api/session`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email, login_key: loginKey }),
  });
/** @param {string} source @param {string} id @param {Uint8Array} authKey */
const proveFrom = (source, id, authKey) =>
  callFrom(source, `${BASE}/api/shares/${id}/proof`, {
    method: 'POST',
    headers: { authorization: `Sealdrop-Key ${sd.b64Encode(authKey)}` },
  });
/** @param {{ status: number }[]} answers */
const tally = (answers) => {
  /** @type {Record<number, number>} */
  const by = {};
  for (const a of answers) by[a.status] = (by[a.status] ?? 0) + 1;
  return by;
};

test('40 parallel wrong sign-ins learn "wrong" at most 5 times; the right key in the burst waits too; a colleague elsewhere signs in', async () => {
  setClock(null);
  const staff = await newStaff('staff', 'Burst Target');
  const right = await loginKeyOf(staff);
  const source = '127.0.40.1';
  const burst = await Promise.all([
    ...Array.from({ length: 40 }, () => signInFrom(source, staff.email, sd.b64Encode(randomBytes(32)))),
  ]);
  const counts = tally(burst);
  assert.ok((counts[401] ?? 0) <= 5, `at most 5 answered wrong: ${JSON.stringify(counts)}`);
  assert.equal((counts[401] ?? 0) + (counts[429] ?? 0), 40, JSON.stringify(counts));
  for (const refused of burst.filter((r) => r.status === 429)) {
    assert.equal(refused.body.error.code, 'too_many_attempts');
    assert.ok(Number(refused.headers['retry-after']) > 60);
  }
  const wrongEvents = d1(
    `SELECT COUNT(*) AS n FROM audit_events WHERE action = 'signin' AND outcome = 'refused:wrong_credentials' AND object = '${staff.accountId}'`,
  );
  assert.equal(Number(wrongEvents[0].n), counts[401] ?? 0, 'each recorded failure is one event');
  const inBurst = await signInFrom(source, staff.email, right);
  refusedWith(inBurst, 429, 'too_many_attempts');
  const sessions = () => Number(d1(`SELECT COUNT(*) AS n FROM sessions WHERE account_id = '${staff.accountId}'`)[0].n);
  const before = sessions();
  const elsewhere = await signInFrom('127.0.40.2', staff.email, right);
  assert.equal(elsewhere.status, 200, 'the address that guessed is held, not the account');
  assert.equal(sessions(), before + 1);
});

test('a right sign-in racing a burst of wrong ones is granted only while the address is under the limit', async () => {
  setClock(null);
  const staff = await newStaff('staff', 'Burst Race');
  const right = await loginKeyOf(staff);
  const source = '127.0.40.3';
  const answers = await Promise.all([
    ...Array.from({ length: 30 }, () => signInFrom(source, staff.email, sd.b64Encode(randomBytes(32)))),
    signInFrom(source, staff.email, right),
  ]);
  const granted = answers.filter((r) => r.status === 200).length;
  const wrong = answers.filter((r) => r.status === 401).length;
  assert.ok(wrong <= 5, `at most 5 wrong: ${wrong}`);
  assert.ok(granted <= 1);
  const failures = Number(
    d1(`SELECT COUNT(*) AS n FROM sign_in_failures WHERE email = '${staff.email}' AND client = '${source}'`)[0].n,
  );
  assert.equal(failures, wrong, 'every recorded failure answered wrong');
  if (granted === 1) assert.ok(failures <= 5);
  refusedWith(await signInFrom(source, staff.email, right), 429, 'too_many_attempts');
});

test('60 parallel wrong proofs learn "wrong" at most 10 times; the right key in the burst is not granted; others still download', async () => {
  setClock(null);
  const share = await sealShare([{ name: 'burst.txt', data: randomBytes(500) }], { maxDownloads: 5 });
  const { id } = await uploadShare(BASE, share);
  const source = '127.0.41.1';
  const burst = await Promise.all(Array.from({ length: 60 }, () => proveFrom(source, id, randomBytes(32))));
  const counts = tally(burst);
  assert.ok((counts[403] ?? 0) <= 10, `at most 10 answered wrong: ${JSON.stringify(counts)}`);
  assert.equal((counts[403] ?? 0) + (counts[429] ?? 0), 60, JSON.stringify(counts));
  const recorded = Number(d1(`SELECT COUNT(*) AS n FROM proof_failures WHERE share_id = '${id}'`)[0].n);
  assert.equal(recorded, counts[403] ?? 0);
  refusedWith(await proveFrom(source, id, share.authKey), 429, 'too_many_attempts');
  assert.equal(Number(d1(`SELECT downloads FROM shares WHERE id = '${id}'`)[0].downloads), 0);
  const other = await proveFrom('127.0.41.2', id, share.authKey);
  assert.equal(other.status, 200, 'another address is not held');
  assert.equal(Number(d1(`SELECT downloads FROM shares WHERE id = '${id}'`)[0].downloads), 1);
});

test('a right proof racing wrong ones from its address is granted only under the limit; successes use no budget', async () => {
  setClock(null);
  const share = await sealShare([{ name: 'race.txt', data: randomBytes(500) }], { maxDownloads: 50 });
  const { id } = await uploadShare(BASE, share);
  const source = '127.0.41.3';
  const answers = await Promise.all([
    ...Array.from({ length: 30 }, () => proveFrom(source, id, randomBytes(32))),
    ...Array.from({ length: 5 }, () => proveFrom(source, id, share.authKey)),
  ]);
  const wrong = answers.filter((r) => r.status === 403).length;
  const granted = answers.filter((r) => r.status === 200).length;
  assert.ok(wrong <= 10, `at most 10 wrong: ${wrong}`);
  const downloads = Number(d1(`SELECT downloads FROM shares WHERE id = '${id}'`)[0].downloads);
  assert.equal(downloads, granted, 'every grant is counted, nothing else');
  const tickets = Number(d1(`SELECT COUNT(*) AS n FROM tickets WHERE share_id = '${id}'`)[0].n);
  assert.equal(tickets, granted);
  const grants = Number(
    d1(`SELECT COUNT(*) AS n FROM audit_events WHERE action = 'download.granted' AND object = '${id}'`)[0].n,
  );
  assert.equal(grants, granted, 'nothing is granted that the log does not show');
  // Fifty right proofs from one address use none of its budget for wrong ones.
  const fresh = await sealShare([{ name: 'many.txt', data: randomBytes(500) }], { maxDownloads: 100 });
  const made = await uploadShare(BASE, fresh);
  const rights = await Promise.all(Array.from({ length: 50 }, () => proveFrom('127.0.41.4', made.id, fresh.authKey)));
  assert.deepEqual(
    tally(rights),
    { 200: 50 },
    JSON.stringify(rights.filter((r) => r.status !== 200).map((r) => r.body)),
  );
  refusedWith(await proveFrom('127.0.41.4', made.id, randomBytes(32)), 403, 'wrong_key');
});

test("one address's failures, hour after hour, never lock a share for everyone; many addresses do, and the owner sees them", async () => {
  const T0 = Date.UTC(2031, 0, 1);
  const HOUR = 3600 * 1000;
  setClock(T0);
  const share = await sealShare([{ name: 'lock.txt', data: randomBytes(500) }], { expiresAt: T0 + 20 * 24 * HOUR });
  const { id } = await uploadShare(BASE, share);
  for (let hour = 0; hour < 11; hour++) {
    setClock(T0 + hour * (HOUR + 1000));
    for (let i = 0; i < 10; i++) await proveFrom('127.0.42.1', id, randomBytes(32));
  }
  const row = d1(`SELECT failed_proofs, locked FROM shares WHERE id = '${id}'`)[0];
  assert.equal(Number(row.failed_proofs), 110);
  assert.equal(Number(row.locked), 0, 'one address cannot lock the share');
  assert.equal((await proveFrom('127.0.42.2', id, share.authKey)).status, 200, 'the holder downloads');
  const view = await call(`${BASE}/api/shares/${id}/owner`, { headers: as(await admin()) });
  assert.equal(view.body.failed_proofs, 110, 'the owner is told');
  assert.equal(view.body.failing_addresses, 1);
  setClock(null);
});

test('a flood of refusals naming nothing adds one summary per address and window, and the overview counts them all', async () => {
  setClock(null);
  const boss = await admin();
  const started = Date.now();
  const before = (await call(`${BASE}/api/admin/overview`, { headers: as(boss) })).body.refusals_24h;
  const sources = ['127.0.44.1', '127.0.44.2'];
  const events = () => Number(d1(`SELECT COUNT(*) AS n FROM audit_events`)[0].n);
  const head = events();
  const answers = await Promise.all(
    sources.flatMap((source) =>
      Array.from({ length: 60 }, () => callFrom(source, `${BASE}/api/shares/${sd.b64Encode(randomBytes(16))}`)),
    ),
  );
  assert.deepEqual(tally(answers), { 404: 120 });
  const flooded = Date.now();
  for (const source of sources) {
    const sums = await summedRefusals(source, started, flooded);
    assert.deepEqual(sums, { 'share.state.viewed': 60 }, source);
  }
  const summaries = d1(
    `SELECT COUNT(*) AS n FROM audit_events WHERE action = 'refusals.summary' AND seq > ${head}
       AND json_extract(event, '$.client') IN ('127.0.44.1', '127.0.44.2')`,
  );
  const windows = Number(summaries[0].n);
  assert.ok(windows >= 2 && windows <= 4, `one summary per address and window: ${windows}`);
  const after = (await call(`${BASE}/api/admin/overview`, { headers: as(boss) })).body.refusals_24h;
  assert.ok(after - before >= 120, `the overview sums them: ${before} -> ${after}`);
  const refused = await call(`${BASE}/api/audit/events?outcome=refused&action=refusals.summary&limit=10`, {
    headers: as(boss),
  });
  assert.equal(refused.status, 200);
  assert.ok(refused.body.events.length >= 2, 'the refusal filter shows the summaries');
});

test('calls without any credential are rate-limited per address before any database work', async () => {
  setClock(null);
  const source = '127.0.45.1';
  // 300 per 10 s window: 700 at once span at most two windows, so at least 100 are refused.
  const answers = await Promise.all(Array.from({ length: 700 }, () => callFrom(source, `${BASE}/api/limits`)));
  const counts = tally(answers);
  assert.ok((counts[429] ?? 0) >= 100, JSON.stringify(counts));
  assert.equal((counts[200] ?? 0) + (counts[429] ?? 0), 700, JSON.stringify(counts));
  const limited = answers.find((r) => r.status === 429);
  assert.equal(limited?.body.error.code, 'rate_limited');
  assert.equal(limited?.headers['retry-after'], '60');
  assert.equal((await callFrom('127.0.45.2', `${BASE}/api/limits`)).status, 200, 'another address is not held');
  // A signed-in caller is not held by the anonymous limit.
  const staff = await signIn(await newStaff('staff', 'Not Anonymous'));
  const signedIn = await callFrom(source, `${BASE}/api/session`, { headers: as(staff) });
  assert.equal(signedIn.status, 200);
});
