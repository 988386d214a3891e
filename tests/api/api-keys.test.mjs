// API keys against the real local stack: made on the account (sessions only), stored only as
// hashes, scoped, expiring, revocable by their owner and by admins; every call made with one is
// logged under the account and the key's name, refusals included; a disabled account or a policy
// that forbids keys stops them at once, and a password change does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { call, createBody, hex, sd, sealShare } from '../support/client.mjs';
import { BASE, d1, refusedWith } from '../support/env.mjs';
import { admin, as, asJson, newStaff, passwordChange } from '../support/accounts.mjs';
import { newApiKey, withKey } from '../support/api-keys.mjs';

const json = { 'content-type': 'application/json' };
/** The events of the last `n` appends about `actor` (staff:<id>), newest first, parsed. */
const eventsOf = (/** @type {string} */ accountId, n = 20) =>
  d1(`SELECT event FROM audit_events WHERE actor = 'staff:${accountId}' ORDER BY seq DESC LIMIT ${n}`).map(
    (/** @type {any} */ row) => JSON.parse(String(row.event)),
  );
const makeKey = (/** @type {any} */ staff, /** @type {unknown} */ body) =>
  call(`${BASE}/api/account/api-keys`, { method: 'POST', headers: asJson(staff), body: JSON.stringify(body) });

test('a key is shown once, stored only as its hash, and listed with its scopes, expiry and last use', async () => {
  const staff = await newStaff('staff', 'Key Maker');
  const made = await newApiKey(staff, { name: 'nightly report', scopes: ['inbox', 'share'], days: 7 });
  assert.equal(sd.b64Decode(made.key).length, 32);
  assert.deepEqual(made.scopes, ['share', 'inbox']);
  assert.ok(Math.abs(made.expires_at - (Date.now() + 7 * 86_400_000)) < 60_000);
  const row = d1(`SELECT * FROM api_keys WHERE id = '${made.id}'`)[0];
  assert.equal(row.key_hash, hex(sd.blake3(sd.b64Decode(made.key))));
  assert.ok(!JSON.stringify(row).includes(made.key), 'the key itself is not stored');
  const list = await call(`${BASE}/api/account/api-keys`, { headers: as(staff) });
  const listed = list.body.api_keys.find((/** @type {any} */ k) => k.id === made.id);
  assert.equal(listed.key, undefined, 'the key is in the answer that made it only');
  assert.equal(listed.state, 'active');
  assert.equal(listed.last_used_at, null);
  const who = await call(`${BASE}/api/account`, { headers: withKey(made) });
  assert.equal(who.status, 200, JSON.stringify(who.body));
  assert.equal(who.body.account.id, staff.accountId);
  assert.equal(who.body.api_key.name, 'nightly report');
  assert.equal(who.body.account.account_key.generation, 0, 'what a command line unlocks with');
  const used = await call(`${BASE}/api/account/api-keys`, { headers: as(staff) });
  assert.ok(used.body.api_keys.find((/** @type {any} */ k) => k.id === made.id).last_used_at > 0);
});

test('bad input is refused with its code and writes nothing; one live key per name, even in a burst', async () => {
  const staff = await newStaff('staff', 'Key Names');
  const before = Number(d1(`SELECT count(*) AS n FROM api_keys WHERE account_id = '${staff.accountId}'`)[0].n);
  const good = { name: 'sync', scopes: ['share'], expires_in_days: 30 };
  refusedWith(await makeKey(staff, { ...good, name: '' }), 400, 'bad_name');
  refusedWith(await makeKey(staff, { ...good, name: 'x'.repeat(65) }), 400, 'bad_name');
  refusedWith(await makeKey(staff, { ...good, name: 'two\nlines' }), 400, 'bad_name');
  refusedWith(await makeKey(staff, { ...good, scopes: [] }), 400, 'bad_scopes');
  refusedWith(await makeKey(staff, { ...good, scopes: ['admin'] }), 400, 'bad_scopes');
  refusedWith(await makeKey(staff, { ...good, scopes: ['share', 'share'] }), 400, 'bad_scopes');
  refusedWith(await makeKey(staff, { ...good, expires_in_days: 0 }), 400, 'bad_expiry');
  refusedWith(await makeKey(staff, { ...good, expires_in_days: 366 }), 400, 'bad_expiry');
  refusedWith(await makeKey(staff, { ...good, extra: 1 }), 400, 'bad_json');
  assert.equal(Number(d1(`SELECT count(*) AS n FROM api_keys WHERE account_id = '${staff.accountId}'`)[0].n), before);
  const burst = await Promise.all(Array.from({ length: 10 }, () => makeKey(staff, good)));
  assert.deepEqual(
    burst.map((r) => r.status).sort(),
    [201, ...Array(9).fill(409)],
    JSON.stringify(burst.map((r) => r.body)),
  );
  for (const r of burst) if (r.status === 409) refusedWith(r, 409, 'name_taken');
  const made = burst.find((r) => r.status === 201)?.body.api_key;
  // Revoked, the name is free again.
  const revoked = await call(`${BASE}/api/account/api-keys/${made.id}`, { method: 'DELETE', headers: as(staff) });
  assert.equal(revoked.status, 200);
  assert.equal((await makeKey(staff, good)).status, 201);
});

test('calls with a key need no CSRF token and are logged under the account and the key name', async () => {
  const staff = await newStaff('staff', 'Key Logger');
  const key = await newApiKey(staff, { name: 'upload job' });
  const share = await sealShare([{ name: 'k.txt', data: randomBytes(100) }]);
  const made = await call(`${BASE}/api/shares`, {
    method: 'POST',
    headers: withKey(key, json),
    body: JSON.stringify(createBody(share)),
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const listed = await call(`${BASE}/api/requests`, { headers: withKey(key) });
  assert.equal(listed.status, 200);
  const [read, created] = eventsOf(staff.accountId, 2);
  assert.equal(created.action, 'share.created');
  assert.deepEqual(created.api_key, { id: key.id, name: 'upload job' });
  assert.equal(read.action, 'requests.listed', 'a read made with a key leaves an event too');
  assert.deepEqual(read.api_key, { id: key.id, name: 'upload job' });
  assert.equal(read.outcome, 'ok');
  // The same calls with the session name no key.
  await call(`${BASE}/api/requests`, { headers: as(staff) });
  assert.deepEqual(eventsOf(staff.accountId, 1)[0], read, 'session reads are not logged one by one');
});

test('revoked, expired, out-of-scope and unknown keys are refused, and the refusals are logged with the key', async () => {
  const staff = await newStaff('staff', 'Key Refusals');
  const narrow = await newApiKey(staff, { name: 'shares only', scopes: ['share'] });
  const expiring = await newApiKey(staff, { name: 'short lived', days: 1 });
  const revoked = await newApiKey(staff, { name: 'revoked one' });
  await call(`${BASE}/api/account/api-keys/${revoked.id}`, { method: 'DELETE', headers: as(staff) });
  d1(`UPDATE api_keys SET expires_at = ${Date.now() - 1000} WHERE id = '${expiring.id}'`);

  const cases = [
    [narrow, 'GET', '/api/requests', 403, 'api_key_scope'],
    [narrow, 'PUT', '/api/account/password', 403, 'api_key_not_accepted'],
    [narrow, 'GET', '/api/session', 403, 'api_key_not_accepted'],
    [narrow, 'POST', '/api/account/api-keys', 403, 'api_key_not_accepted'],
    [expiring, 'GET', '/api/shares', 401, 'api_key_expired'],
    [revoked, 'GET', '/api/shares', 401, 'api_key_revoked'],
  ];
  for (const [key, method, path, status, code] of cases) {
    const res = await call(`${BASE}${path}`, {
      method: String(method),
      headers: withKey(/** @type {any} */ (key), json),
      body: method === 'GET' ? undefined : '{}',
    });
    refusedWith(res, Number(status), String(code));
    const [event] = eventsOf(staff.accountId, 1);
    assert.equal(event.outcome, `refused:${code}`, `${path}: ${JSON.stringify(event)}`);
    assert.deepEqual(event.api_key, { id: /** @type {any} */ (key).id, name: /** @type {any} */ (key).name });
  }
  const unknown = await call(`${BASE}/api/shares`, {
    headers: { authorization: `Sealdrop-ApiKey ${sd.b64Encode(randomBytes(32))}` },
  });
  refusedWith(unknown, 401, 'unknown_api_key');
  refusedWith(
    await call(`${BASE}/api/shares`, { headers: { authorization: 'Sealdrop-ApiKey short' } }),
    400,
    'bad_credential',
  );
  // Never in a URL: a key in the query string is not a credential.
  refusedWith(await call(`${BASE}/api/shares?api_key=${narrow.key}`), 401, 'sign_in_required');
  const states = (await call(`${BASE}/api/account/api-keys`, { headers: as(staff) })).body.api_keys;
  const stateOf = (/** @type {string} */ id) => states.find((/** @type {any} */ k) => k.id === id).state;
  assert.deepEqual([stateOf(narrow.id), stateOf(expiring.id), stateOf(revoked.id)], ['active', 'expired', 'revoked']);
});

test('a disabled account or a policy against keys stops every key at once; a password change does not', async () => {
  const boss = await admin();
  const staff = await newStaff('staff', 'Key Holder');
  const key = await newApiKey(staff, { name: 'holder job' });
  const works = async () => (await call(`${BASE}/api/shares`, { headers: withKey(key) })).status;
  assert.equal(await works(), 200);

  const { body } = await passwordChange(staff, `changed ${randomBytes(6).toString('hex')}`);
  const changed = await call(`${BASE}/api/account/password`, {
    method: 'PUT',
    headers: asJson(staff),
    body: JSON.stringify(body),
  });
  assert.equal(changed.status, 200);
  assert.equal(await works(), 200, 'the key outlives a password change');

  const setDisabled = (/** @type {boolean} */ disabled) =>
    call(`${BASE}/api/accounts/${staff.accountId}`, {
      method: 'PATCH',
      headers: asJson(boss),
      body: JSON.stringify({ disabled }),
    });
  assert.equal((await setDisabled(true)).status, 200);
  refusedWith(await call(`${BASE}/api/shares`, { headers: withKey(key) }), 403, 'account_disabled');
  assert.equal((await setDisabled(false)).status, 200);
  assert.equal(await works(), 200);

  const policy = (/** @type {string} */ api_keys) =>
    call(`${BASE}/api/admin/policy`, { method: 'PUT', headers: asJson(boss), body: JSON.stringify({ api_keys }) });
  refusedWith(await policy('sometimes'), 400, 'bad_policy');
  assert.equal((await policy('forbidden')).body.policy.api_keys, 'forbidden');
  try {
    refusedWith(await call(`${BASE}/api/shares`, { headers: withKey(key) }), 403, 'api_keys_forbidden');
    refusedWith(
      await makeKey(boss, { name: 'forbidden', scopes: ['share'], expires_in_days: 1 }),
      403,
      'api_keys_forbidden',
    );
    const list = await call(`${BASE}/api/account/api-keys`, { headers: as(boss) });
    assert.equal(list.body.allowed, false, 'the account page can say why');
  } finally {
    assert.equal((await policy('allowed')).body.policy.api_keys, 'allowed');
  }
  assert.equal(await works(), 200);
});

test("admins list and revoke anyone's keys; staff revoke only their own", async () => {
  const boss = await admin();
  const a = await newStaff('staff', 'Key Owner');
  const b = await newStaff('staff', 'Key Neighbour');
  const key = await newApiKey(a, { name: 'owned' });
  const listed = await call(`${BASE}/api/admin/api-keys`, { headers: as(boss) });
  const row = listed.body.api_keys.find((/** @type {any} */ k) => k.id === key.id);
  assert.equal(row.owner_email, a.email);
  assert.equal(row.key, undefined);
  refusedWith(await call(`${BASE}/api/admin/api-keys`, { headers: as(b) }), 403, 'admin_only');
  refusedWith(
    await call(`${BASE}/api/account/api-keys/${key.id}`, { method: 'DELETE', headers: as(b) }),
    404,
    'no_api_key',
  );
  assert.ok(
    !(await call(`${BASE}/api/account/api-keys`, { headers: as(b) })).body.api_keys.some(
      (/** @type {any} */ k) => k.id === key.id,
    ),
  );
  assert.equal(
    (await call(`${BASE}/api/shares`, { headers: withKey(key) })).status,
    200,
    "B's attempt changed nothing",
  );
  const revoked = await call(`${BASE}/api/admin/api-keys/${key.id}`, { method: 'DELETE', headers: as(boss) });
  assert.equal(revoked.status, 200);
  refusedWith(await call(`${BASE}/api/shares`, { headers: withKey(key) }), 401, 'api_key_revoked');
  refusedWith(
    await call(`${BASE}/api/admin/api-keys/${key.id}`, { method: 'DELETE', headers: as(boss) }),
    404,
    'no_api_key',
  );
  const stored = d1(`SELECT revoked_by FROM api_keys WHERE id = '${key.id}'`)[0];
  assert.equal(stored.revoked_by, boss.accountId);
  const [event] = d1(
    `SELECT actor, action, object FROM audit_events WHERE action = 'api_key.revoked' ORDER BY seq DESC LIMIT 1`,
  );
  assert.deepEqual({ ...event }, { actor: `staff:${boss.accountId}`, action: 'api_key.revoked', object: key.id });
});
