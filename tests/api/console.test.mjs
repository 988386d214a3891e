// The admin console's API against the real local stack: who may read the log, the table's
// filters and keyset paging, owners' activity, filtered exports (JSON Lines that the native
// verifier accepts, CSV with the same rows), the policy (each change logged, then enforced), the
// overview's counts, and download receipts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { call, createBody, downloadShare, sd, sealShare, uploadShare } from '../support/client.mjs';
import { BASE, callFrom, d1, refusedWith } from '../support/env.mjs';
import { admin, as, asJson, newStaff } from '../support/accounts.mjs';
import { createRequest } from '../support/requests.mjs';
import { checkpointKey, cliVerify, exportLog, runScheduled, summedRefusals } from '../support/log.mjs';

/** @typedef {{ seq: number, at: number, actor: string, action: string, object: string | null, outcome: string, hash: string, prev: string, user_agent: string, client: string, actor_email: string | null, detail: any, content_id: string | null }} LogEvent */

/** Every endpoint of the log and the console that only admins may call. */
const ADMIN_ONLY = [
  ['GET', '/api/audit/checkpoint'],
  ['GET', '/api/audit/events'],
  ['GET', '/api/audit/verify'],
  ['GET', '/api/audit/export'],
  ['GET', '/api/audit/export?format=csv'],
  ['GET', '/api/admin/overview'],
  ['GET', '/api/admin/policy'],
  ['PUT', '/api/admin/policy'],
];

/**
 * One page of the admin table (or, with `staff`, of that person's activity).
 * @param {Record<string, string | number>} query
 * @param {import('../support/accounts.mjs').Staff} [staff]
 */
async function page(query, staff) {
  const who = staff ?? (await admin());
  const path = staff ? '/api/activity' : '/api/audit/events';
  const q = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const res = await call(`${BASE}${path}?${q}`, { headers: as(who) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return /** @type {{ events: LogEvent[], older: number | null, newer: number | null, head: number }} */ (res.body);
}

/**
 * Walks every older page from the newest; returns the events, newest first.
 * @param {Record<string, string | number>} query
 * @param {import('../support/accounts.mjs').Staff} [staff]
 */
async function walk(query, staff) {
  const all = [];
  let at = await page({ ...query, limit: 7 }, staff);
  assert.equal(at.newer, null, 'the first page is the newest');
  for (;;) {
    all.push(...at.events);
    if (at.older === null) break;
    assert.equal(at.older, at.events.at(-1)?.seq, 'older names the last row');
    at = await page({ ...query, limit: 7, before: at.older }, staff);
  }
  const seqs = all.map((e) => e.seq);
  seqs.forEach((s, i) => i === 0 || assert.ok(s < seqs[i - 1], `newest first, no repeats: ${seqs[i - 1]} then ${s}`));
  return all;
}

test('every log endpoint refuses non-admins (403) and anonymous callers (401), and logs who was refused', async () => {
  const started = Date.now();
  const staff = await newStaff('staff', 'Not An Admin');
  const body = JSON.stringify({ retention_days: 30 });
  for (const [method, path] of ADMIN_ONLY) {
    const put = method === 'PUT';
    const anonymous = await call(`${BASE}${path}`, {
      method,
      ...(put ? { headers: { 'content-type': 'application/json' }, body } : {}),
    });
    refusedWith(anonymous, 401, 'sign_in_required');
    const staffCall = await call(`${BASE}${path}`, {
      method,
      headers: put ? asJson(staff) : as(staff),
      ...(put ? { body } : {}),
    });
    refusedWith(staffCall, 403, 'admin_only');
  }
  const refusals = d1(
    `SELECT action, outcome FROM audit_events WHERE actor = 'staff:${staff.accountId}' AND outcome = 'refused:admin_only'`,
  );
  assert.equal(refusals.length, ADMIN_ONLY.length, 'each refusal is logged under the account that was refused');
  assert.deepEqual([...new Set(refusals.map((r) => r.action))].sort(), [
    'log.exported',
    'log.verified',
    'log.viewed',
    'overview.viewed',
    'policy.changed',
    'policy.viewed',
  ]);
  // Anonymous refusals that name nothing are summed per address and window, not appended one by
  // one (worker/src/services/sequencer.rs): the summaries count them all.
  const summed = await summedRefusals('127.0.0.1', started);
  const anonymousOnes = (summed['log.viewed'] ?? 0) + (summed['log.exported'] ?? 0) + (summed['log.verified'] ?? 0);
  assert.ok(anonymousOnes >= 5, JSON.stringify(summed));
  // Nothing changed: the staff member's PUT did not set the retention.
  assert.equal(d1("SELECT COUNT(*) AS n FROM policy WHERE name = 'retention_days'")[0].n, 0);
});

test('the table: filters hold on every row, keyset paging is newest first with nothing repeated or lost', async () => {
  const boss = await admin();
  const a = await newStaff('staff', 'Table A');
  const share = await uploadShare(BASE, await sealShare([{ name: 'table.txt', data: randomBytes(30) }]), { staff: a });
  await call(`${BASE}/api/admin/overview`, { headers: as(a) }); // one refusal by A

  // A prefix of actions, every page of it, against D1.
  const shares = await walk({ action: 'share.' });
  assert.ok(shares.length > 7, `${shares.length} share events: more than one page`);
  assert.ok(shares.every((e) => e.action.startsWith('share.')));
  const inD1 = d1(
    `SELECT seq FROM audit_events WHERE action >= 'share.' AND action < 'share/' AND seq <= ${shares[0].seq} ORDER BY seq DESC`,
  ).map((r) => Number(r.seq));
  assert.deepEqual(
    shares.map((e) => e.seq),
    inD1,
    `not shown: ${inD1.filter((s) => !shares.some((e) => e.seq === s))}`,
  );

  // Newer from a page in the middle: the rows just above it, newest first.
  const middle = shares[10];
  const newer = await page({ action: 'share.', limit: 4, after: middle.seq });
  assert.deepEqual(
    newer.events.map((e) => e.seq),
    shares.slice(6, 10).map((e) => e.seq),
  );
  assert.equal(newer.older, shares[9].seq);
  assert.equal(newer.newer, shares[6].seq, 'there are newer rows still');

  // Combined filters, and the detail of one row against what D1 holds.
  const mine = await page({ actor: `staff:${a.accountId}`, outcome: 'refused' });
  assert.equal(mine.events.length, 1);
  assert.deepEqual(
    [mine.events[0].action, mine.events[0].outcome, mine.events[0].actor_email],
    ['overview.viewed', 'refused:admin_only', a.email],
  );
  const stored = d1(`SELECT prev, hash, event FROM audit_events WHERE seq = ${mine.events[0].seq}`)[0];
  assert.deepEqual([mine.events[0].hash, mine.events[0].prev], [stored.hash, stored.prev]);
  assert.equal(JSON.parse(String(stored.event)).user_agent, mine.events[0].user_agent);
  // A failed sign-in names the account it tried (the caller learns nothing of that).
  const wrong = await callFrom('127.0.8.8', `${BASE}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: a.email, login_key: sd.b64Encode(randomBytes(32)) }),
  });
  refusedWith(wrong, 401, 'wrong_credentials');
  const tried = await page({ action: 'signin', outcome: 'refused:wrong_credentials', limit: 1 });
  assert.deepEqual(
    [tried.events[0].object, tried.events[0].actor, tried.events[0].client],
    [a.accountId, 'anonymous', '127.0.8.8'],
  );
  const ofShare = await walk({ object: share.id });
  assert.deepEqual(ofShare.map((e) => e.action).reverse(), [
    'share.created',
    'share.file.completed',
    'share.completed',
  ]);
  const window = await page({ since: ofShare[ofShare.length - 1].at, until: ofShare[0].at + 1, object: share.id });
  assert.deepEqual(
    window.events.map((e) => e.seq),
    ofShare.map((e) => e.seq),
  );
  const kinds = await page({ actor: 'system', limit: 200 });
  assert.ok(kinds.events.every((e) => e.actor === 'system'));

  for (const bad of [
    { actor: 'root' },
    { actor: 'staff:short' },
    { object: 'short' },
    { outcome: 'maybe' },
    { action: 'DROP TABLE' },
    { limit: 0 },
    { limit: 201 },
    { before: 5, after: 3 },
    { since: 10, until: 10 },
    { before: -1 },
  ]) {
    const q = new URLSearchParams(Object.entries(bad).map(([k, v]) => [k, String(v)]));
    refusedWith(await call(`${BASE}/api/audit/events?${q}`, { headers: as(boss) }), 400, 'bad_filter');
  }
});

test("owners see the events of their own shares and requests, and nobody else's", async () => {
  const a = await newStaff('staff', 'Owner With Activity');
  const b = await newStaff('staff', 'Someone Else');
  const share = await uploadShare(BASE, await sealShare([{ name: 'activity.txt', data: randomBytes(30) }]), {
    staff: a,
  });
  const request = await createRequest(a);
  const wrongKey = sd.b64Encode(randomBytes(32));
  await callFrom('127.0.9.9', `${BASE}/api/shares/${share.id}/proof`, {
    method: 'POST',
    headers: { authorization: `Sealdrop-Key ${wrongKey}` },
  });
  const seen = await walk({}, a);
  const objects = new Set(seen.map((e) => e.object));
  assert.deepEqual([...objects].sort(), [share.id, request.id].sort());
  assert.ok(
    seen.some((e) => e.action === 'download.proof' && e.outcome === 'refused:wrong_key' && e.actor === 'holder'),
  );
  assert.ok(seen.some((e) => e.action === 'request.created'));
  const others = await walk({}, b);
  assert.ok(!others.some((e) => e.object === share.id || e.object === request.id));
  refusedWith(await call(`${BASE}/api/activity?actor=system`, { headers: as(a) }), 400, 'bad_filter');
  refusedWith(await call(`${BASE}/api/activity`), 401, 'sign_in_required');
});

test('exports: a filtered JSON Lines export verifies with its gaps named as the filter’s; the CSV holds the same rows, formulas defused', async () => {
  // An event whose user agent a spreadsheet would run.
  const sneaky = '=HYPERLINK("http://example.invalid","x")';
  // A wrong proof for a share that exists: refusals that name nothing existing are summed per
  // address instead (worker/src/services/sequencer.rs), so this one is logged on its own.
  const { id: missing } = await uploadShare(BASE, await sealShare([{ name: 'sneaky.txt', data: randomBytes(10) }]));
  await call(`${BASE}/api/shares/${missing}/proof`, {
    method: 'POST',
    headers: { authorization: `Sealdrop-Key ${sd.b64Encode(randomBytes(32))}`, 'user-agent': sneaky },
  });
  await runScheduled(); // a fresh checkpoint over the head
  const key = await checkpointKey();
  const query = { action: 'download.' };
  const jsonl = await exportLog('filtered', query);
  const lines = jsonl.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(lines[0].export.filter, { action: 'download.' });
  const events = lines.filter((l) => 'seq' in l);
  assert.ok(events.length > 3);
  assert.ok(events.every((l) => JSON.parse(l.event).action.startsWith('download.')));
  const verified = cliVerify(jsonl.file, key);
  assert.equal(verified.status, 0, verified.out);
  assert.match(verified.out, /events intact between 1 and [\d,]+; .*gaps, all the filter's\./);

  const csv = await exportLog('filtered', { ...query, format: 'csv' });
  assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
  assert.match(csv.headers.get('content-disposition') ?? '', /^attachment; filename="sealdrop-access-log-1-\d+\.csv"$/);
  const rows = csv.text.split('\r\n').filter((r) => r !== '');
  assert.equal(
    rows[0],
    'seq,time_utc,at_ms,actor,actor_email,client,user_agent,action,object,outcome,bytes,content_id,detail,hash,prev',
  );
  const csvSeqs = rows.slice(1).map((r) => Number(r.split(',')[0]));
  assert.deepEqual(
    csvSeqs.filter((s) => s <= events.at(-1).seq),
    events.map((e) => e.seq),
  );
  const row = rows.find((r) => r.includes(missing));
  assert.ok(row, 'the refused proof is in the CSV');
  assert.ok(row.includes(`"'=HYPERLINK(""http://example.invalid"",""x"")"`), row);
  assert.ok(!rows.some((r) => r.split(',').some((cell) => cell.startsWith('='))));

  // An unfiltered range is contiguous and verifies as a chain: up to the newest checkpoint, which
  // the scheduled run above signed (its purge may have logged events after the last download's).
  const to = Number(d1('SELECT MAX(seq) AS seq FROM audit_checkpoints')[0].seq);
  assert.ok(to >= events.at(-1).seq, `${to} >= ${events.at(-1).seq}`);
  const range = await exportLog('range', { from: '2', to: String(to) });
  const ranged = cliVerify(range.file, key, ['--max-age-minutes', '100000']);
  assert.equal(ranged.status, 0, ranged.out);
  assert.match(ranged.out, new RegExp(`Chain intact from 2 to ${to.toLocaleString('en-US')}`));
  refusedWith(await call(`${BASE}/api/audit/export?format=xml`, { headers: as(await admin()) }), 400, 'bad_filter');
});

test('policy: a bad setting changes nothing; each change is logged with its old and new value, then enforced', async () => {
  const boss = await admin();
  const staff = await newStaff('staff', 'Under Policy');
  const show = await call(`${BASE}/api/admin/policy`, { headers: as(boss) });
  assert.equal(show.status, 200);
  const { policy, ceiling } = show.body;
  assert.deepEqual(policy, {
    max_expiry_seconds: ceiling.max_expiry_seconds,
    max_file_bytes: ceiling.max_file_bytes,
    who_may_share: 'everyone',
    who_may_request: 'everyone',
    api_keys: 'allowed',
    retention_days: 365,
  });
  const put = (/** @type {object} */ body) =>
    call(`${BASE}/api/admin/policy`, { method: 'PUT', headers: asJson(boss), body: JSON.stringify(body) });
  const changes = () =>
    Number(d1("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'policy.changed' AND outcome = 'ok'")[0].n);
  const before = changes();
  const stored = () => JSON.stringify(d1('SELECT name, value FROM policy ORDER BY name'));
  const storedBefore = stored();
  for (const bad of [
    { max_file_bytes: 0 },
    { max_file_bytes: ceiling.max_file_bytes + 1 },
    { max_expiry_seconds: 60 },
    { retention_days: 5 },
    { who_may_share: 'nobody' },
    { who_may_request: true },
    { colour: 'blue' },
    { retention_days: 40, max_file_bytes: -1 },
  ]) {
    refusedWith(await put(bad), 400, 'bad_policy');
  }
  assert.equal(changes(), before);
  assert.equal(stored(), storedBefore, 'nothing was written');

  // The policy is put back whatever happens, or the suites after this one would run under it.
  const restore = () =>
    put({
      max_file_bytes: ceiling.max_file_bytes,
      max_expiry_seconds: ceiling.max_expiry_seconds,
      who_may_share: 'everyone',
      who_may_request: 'everyone',
    });
  try {
    const set = await put({ max_file_bytes: 1000, who_may_share: 'admins', max_expiry_seconds: 86_400 });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.policy.max_file_bytes, 1000);
    const logged = JSON.parse(
      String(
        d1(
          "SELECT event FROM audit_events WHERE action = 'policy.changed' AND outcome = 'ok' ORDER BY seq DESC LIMIT 1",
        )[0].event,
      ),
    );
    assert.equal(logged.actor, `staff:${boss.accountId}`);
    assert.deepEqual(logged.detail, {
      max_expiry_seconds: { from: String(ceiling.max_expiry_seconds), to: '86400' },
      max_file_bytes: { from: String(ceiling.max_file_bytes), to: '1000' },
      who_may_share: { from: 'everyone', to: 'admins' },
    });
    assert.equal(changes(), before + 1, 'one event for the change');
    assert.equal((await put({ max_file_bytes: 1000 })).status, 200);
    assert.equal(changes(), before + 1, 'setting what is already set logs nothing');

    const limits = await call(`${BASE}/api/limits`);
    assert.deepEqual([limits.body.max_file_bytes, limits.body.max_expiry_seconds], [1000, 86_400]);
    const session = await call(`${BASE}/api/session`, { headers: as(staff) });
    assert.deepEqual([session.body.may_share, session.body.may_request], [false, true]);
    const small = await sealShare([{ name: 'small.txt', data: randomBytes(500) }], {
      expiresAt: Date.now() + 12 * 3_600_000,
    });
    refusedWith(
      await call(`${BASE}/api/shares`, {
        method: 'POST',
        headers: asJson(staff),
        body: JSON.stringify(createBody(small)),
      }),
      403,
      'policy_forbids',
    );
    const large = await sealShare([{ name: 'large.txt', data: randomBytes(1001) }]);
    refusedWith(
      await call(`${BASE}/api/shares`, {
        method: 'POST',
        headers: asJson(boss),
        body: JSON.stringify(createBody(large)),
      }),
      413,
      'file_too_large',
    );
    const late = await sealShare([{ name: 'late.txt', data: randomBytes(10) }], {
      expiresAt: Date.now() + 2 * 86_400_000,
    });
    refusedWith(
      await call(`${BASE}/api/shares`, {
        method: 'POST',
        headers: asJson(boss),
        body: JSON.stringify(createBody(late)),
      }),
      400,
      'bad_expiry',
    );
    await uploadShare(BASE, small, { staff: boss });

    assert.equal((await put({ who_may_request: 'admins' })).status, 200);
    await assert.rejects(createRequest(staff), /403.*policy_forbids/);
    await createRequest(boss, { expiresAt: Date.now() + 12 * 3_600_000, maxBytes: 1000 });
  } finally {
    const back = await restore();
    assert.equal(back.status, 200);
    assert.deepEqual(back.body.policy, policy);
  }
  assert.equal(changes(), before + 3);
});

test('the overview counts active shares and requests, storage and refusals of the last 24 hours', async () => {
  const boss = await admin();
  const overview = async () => {
    const res = await call(`${BASE}/api/admin/overview`, { headers: as(boss) });
    assert.equal(res.status, 200);
    return res.body;
  };
  const before = await overview();
  const staff = await newStaff('staff', 'Counted');
  const share = await uploadShare(BASE, await sealShare([{ name: 'counted.bin', data: randomBytes(5000) }]), { staff });
  await createRequest(staff);
  await call(`${BASE}/api/admin/overview`, { headers: as(staff) }); // refused: 403
  const after = await overview();
  const payload = Number(d1(`SELECT SUM(payload_size) AS n FROM files WHERE share_id = '${share.id}'`)[0].n);
  assert.deepEqual(after, {
    active_shares: before.active_shares + 1,
    active_requests: before.active_requests + 1,
    storage_bytes: before.storage_bytes + payload,
    refusals_24h: before.refusals_24h + 1,
  });
});

test('downloads made by the end-to-end tests appear with matching receipts', async () => {
  const share = await sealShare([
    { name: 'receipt-a.txt', data: randomBytes(3000) },
    { name: 'receipt-b.txt', data: randomBytes(10) },
  ]);
  const { id } = await uploadShare(BASE, share);
  const down = await downloadShare(BASE, id, share.ls);

  /** @type {LogEvent[]} */
  const receipts = d1(
    "SELECT event FROM audit_events WHERE action = 'download.receipt' AND outcome IN ('matched', 'mismatch')",
  ).map((r) => JSON.parse(String(r.event)));
  const tickets = new Set(
    d1("SELECT event FROM audit_events WHERE action = 'download.granted'").map(
      (r) => JSON.parse(String(r.event)).detail.ticket,
    ),
  );
  // Each receipt names the grant it came under, and says rightly whether what arrived is what
  // the uploader recorded (a test that tampers with a stored file gets a mismatch, as it should).
  let checked = 0;
  for (const receipt of receipts) {
    assert.ok(tickets.has(receipt.detail.ticket), 'each receipt names the grant it came under');
    const uploaded = d1(
      `SELECT content_id FROM files WHERE share_id = '${receipt.object}' AND j = ${Number(receipt.detail.file)}`,
    )[0];
    if (uploaded === undefined) continue; // the share was aborted or purged by its test since
    checked += 1;
    const matched = receipt.content_id === uploaded.content_id;
    assert.equal(receipt.outcome, matched ? 'matched' : 'mismatch', JSON.stringify(receipt));
  }
  assert.ok(checked >= receipts.length / 2, `${checked} of ${receipts.length} receipts checked`);
  const ours = receipts.filter((r) => r.object === id);
  assert.deepEqual(
    ours.map((r) => [r.detail.file, r.content_id]),
    down.files.map((f, j) => [j, f.contentId]),
  );
  // The page suites downloaded in Chromium; the API suites with the client.
  const fromPages = receipts.filter((r) => r.outcome === 'matched' && /HeadlessChrome\//.test(r.user_agent));
  assert.ok(fromPages.length >= 4, `${fromPages.length} matching receipts from the download page in Chromium`);
  assert.ok(
    receipts.some((r) => r.outcome === 'matched' && r.user_agent === 'node'),
    'matching receipts from the client',
  );

  // A receipt that does not match is logged as such; bad ones are refused.
  const ticket = { authorization: `Sealdrop-Ticket ${down.ticket}`, 'content-type': 'application/json' };
  const wrong = await call(`${BASE}/api/shares/${id}/files/0/receipt`, {
    method: 'POST',
    headers: ticket,
    body: JSON.stringify({ content_id: 'ab'.repeat(32) }),
  });
  assert.deepEqual([wrong.status, wrong.body], [200, { matched: false }]);
  const last = JSON.parse(
    String(d1("SELECT event FROM audit_events WHERE action = 'download.receipt' ORDER BY seq DESC LIMIT 1")[0].event),
  );
  assert.deepEqual([last.outcome, last.content_id], ['mismatch', 'ab'.repeat(32)]);
  const post = (/** @type {Record<string, string>} */ headers, /** @type {string} */ body, j = 0) =>
    call(`${BASE}/api/shares/${id}/files/${j}/receipt`, { method: 'POST', headers, body });
  refusedWith(
    await post({ 'content-type': 'application/json' }, JSON.stringify({ content_id: 'ab'.repeat(32) })),
    401,
    'ticket_required',
  );
  refusedWith(await post(ticket, JSON.stringify({ content_id: 'AB'.repeat(32) })), 400, 'bad_content_id');
  refusedWith(await post(ticket, JSON.stringify({ content_id: 'ab'.repeat(32) }), 7), 404, 'no_such_file');
  const downloads = Number(d1(`SELECT downloads FROM shares WHERE id = '${id}'`)[0].downloads);
  assert.equal(downloads, 1, 'receipts count no download');
});
