// Staff accounts against the real local stack: the setup link, invites, sign-in and its limits,
// sessions with CSRF, disabling and roles. Password changes and the account key: account-key.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { call, sd } from '../support/client.mjs';
import { BASE, STATE_DIR, d1, callFrom, refusedWith, count } from '../support/env.mjs';
import { admin, as, asJson, joinWith, newStaff, signIn } from '../support/accounts.mjs';
import { createSetupInvite } from '../../scripts/setup-link.mjs';

const json = { 'content-type': 'application/json' };
const post = (/** @type {string} */ path, /** @type {unknown} */ body, headers = {}) =>
  call(`${BASE}${path}`, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });

test('the setup link makes the first admin once; afterwards none is issued or accepted', async () => {
  const first = await admin();
  assert.equal(first.account.role, 'admin');
  assert.equal(createSetupInvite({ persistTo: STATE_DIR }), null, 'no setup link once an account exists');
  // A setup invite planted after the fact (as an old, unused link would be) is refused.
  const token = randomBytes(32);
  const now = Date.now();
  d1(
    `INSERT INTO invites (id, token_hash, role, setup, account_id, salt, created_at, expires_at)
     VALUES ('${sd.b64Encode(randomBytes(16))}', '${Buffer.from(sd.blake3(token)).toString('hex')}', 'admin', 1,
             '${sd.b64Encode(randomBytes(16))}', '${sd.b64Encode(randomBytes(16))}', ${now}, ${now + 3600000})`,
  );
  const look = await call(`${BASE}/api/invites/self`, {
    headers: { authorization: `Sealdrop-Invite ${sd.b64Encode(token)}` },
  });
  refusedWith(look, 404, 'invite_unknown');
  const stored = d1(`SELECT login_hash, wrapped_sk FROM accounts WHERE id = '${first.accountId}'`)[0];
  assert.match(String(stored.login_hash), /^[0-9a-f]{64}$/);
  assert.notEqual(stored.login_hash, Buffer.from(sd.blake3(sd.b64Decode(first.account.public_key))).toString('hex'));
});

test('invites: admins only; one use; the email is fixed; bad input is refused and writes nothing', async () => {
  const boss = await admin();
  const staff = await newStaff('staff', 'Invited Person');
  assert.equal(staff.account.role, 'staff');
  const invite = (/** @type {unknown} */ body, /** @type {Record<string, string>} */ headers = asJson(boss)) =>
    call(`${BASE}/api/invites`, { method: 'POST', headers, body: JSON.stringify(body) });
  refusedWith(
    await invite({ email: 'x@example.org', role: 'staff', valid_hours: 24 }, asJson(staff)),
    403,
    'admin_only',
  );
  refusedWith(await invite({ email: 'x@example.org', role: 'staff', valid_hours: 24 }, json), 401, 'sign_in_required');
  const before = count('invites');
  refusedWith(await invite({ email: 'not an email', role: 'staff', valid_hours: 24 }), 400, 'bad_email');
  refusedWith(await invite({ email: 'x@example.org', role: 'root', valid_hours: 24 }), 400, 'bad_role');
  refusedWith(await invite({ email: 'x@example.org', role: 'staff', valid_hours: 0 }), 400, 'bad_validity');
  refusedWith(await invite({ email: 'x@example.org', role: 'staff', valid_hours: 721 }), 400, 'bad_validity');
  refusedWith(await invite({ email: staff.email, role: 'staff', valid_hours: 1 }), 409, 'email_taken');
  refusedWith(await invite({ email: 'x@example.org', role: 'staff' }), 400, 'bad_json');
  assert.equal(count('invites'), before, 'refused invites write nothing');

  const made = await invite({ email: 'Fixed@Example.org', role: 'staff', valid_hours: 1 });
  assert.equal(made.status, 201);
  assert.equal(made.body.email, 'fixed@example.org');
  const token = made.body.token;
  assert.equal(d1(`SELECT count(*) AS n FROM invites WHERE token_hash = '${token}'`)[0].n, 0, 'only a hash is kept');
  const auth = { authorization: `Sealdrop-Invite ${token}` };
  const accountsBefore = count('accounts');
  const body = {
    email: 'other@example.org',
    name: 'X',
    login_key: sd.b64Encode(randomBytes(32)),
    public_key: sd.b64Encode(randomBytes(32)),
    wrapped_sk: sd.b64Encode(randomBytes(60)),
    wrapped_sk128: sd.b64Encode(randomBytes(44)),
    password_factor: { id: sd.b64Encode(randomBytes(16)), label: 'Password', wrapped_k: sd.b64Encode(randomBytes(60)) },
  };
  refusedWith(await post('/api/accounts', body, auth), 400, 'email_mismatch');
  const fixed = { ...body, email: 'fixed@example.org' };
  refusedWith(await post('/api/accounts', { ...fixed, name: '' }, auth), 400, 'bad_name');
  refusedWith(await post('/api/accounts', { ...fixed, login_key: 'short' }, auth), 400, 'bad_login_key');
  refusedWith(
    await post('/api/accounts', { ...fixed, public_key: sd.b64Encode(randomBytes(31)) }, auth),
    400,
    'bad_public_key',
  );
  refusedWith(
    await post('/api/accounts', { ...fixed, wrapped_sk: sd.b64Encode(randomBytes(59)) }, auth),
    400,
    'bad_wrapped_key',
  );
  refusedWith(
    await post('/api/accounts', { ...fixed, wrapped_sk128: sd.b64Encode(randomBytes(60)) }, auth),
    400,
    'bad_wrapped_key',
  );
  refusedWith(
    await post('/api/accounts', { ...fixed, password_factor: { ...fixed.password_factor, wrapped_k: 'AAAA' } }, auth),
    400,
    'bad_factor',
  );
  const without = { ...fixed, password_factor: undefined };
  refusedWith(await post('/api/accounts', without, auth), 400, 'bad_json');
  refusedWith(await post('/api/accounts', fixed), 401, 'invite_required');
  refusedWith(await post('/api/accounts', fixed, { authorization: 'Sealdrop-Invite nope' }), 400, 'bad_credential');
  assert.equal(count('accounts'), accountsBefore, 'refused sign-ups write nothing');
  const joined = await joinWith(token, { email: 'fixed@example.org' });
  assert.equal(joined.account.email, 'fixed@example.org');
  refusedWith(await post('/api/accounts', fixed, auth), 404, 'invite_unknown');

  // Cancelled and expired invites are dead too.
  const cancelled = await invite({ email: 'cancel@example.org', role: 'staff', valid_hours: 1 });
  const listed = await call(`${BASE}/api/invites`, { headers: as(boss) });
  assert.ok(listed.body.invites.some((/** @type {any} */ i) => i.id === cancelled.body.id && !('token' in i)));
  const gone = await call(`${BASE}/api/invites/${cancelled.body.id}`, { method: 'DELETE', headers: as(boss) });
  assert.equal(gone.status, 200);
  refusedWith(
    await call(`${BASE}/api/invites/self`, { headers: { authorization: `Sealdrop-Invite ${cancelled.body.token}` } }),
    404,
    'invite_unknown',
  );
  refusedWith(
    await call(`${BASE}/api/invites/${cancelled.body.id}`, { method: 'DELETE', headers: as(boss) }),
    404,
    'no_invite',
  );
});

test('sign-in: wrong passwords are refused alike, limited per email, and unknown emails look known', async () => {
  const staff = await newStaff();
  const paramsOf = async (/** @type {string} */ email) => (await post('/api/session/params', { email })).body;
  const known = await paramsOf(staff.email);
  assert.equal(known.account_id, staff.accountId);
  const unknown1 = await paramsOf('nobody@example.org');
  const unknown2 = await paramsOf('NOBODY@example.org');
  assert.deepEqual(unknown1, unknown2, 'made-up parameters are stable');
  assert.deepEqual(Object.keys(unknown1).sort(), Object.keys(known).sort());
  assert.deepEqual(unknown1.argon2, known.argon2);
  refusedWith(await post('/api/session/params', { email: 'x' }), 400, 'bad_email');

  const wrong = () => post('/api/session', { email: staff.email, login_key: sd.b64Encode(randomBytes(32)) });
  refusedWith(await wrong(), 401, 'wrong_credentials');
  refusedWith(
    await post('/api/session', { email: 'nobody@example.org', login_key: sd.b64Encode(randomBytes(32)) }),
    401,
    'wrong_credentials',
  );
  for (let i = 0; i < 4; i++) await wrong();
  const limited = await wrong();
  refusedWith(limited, 429, 'too_many_attempts');
  assert.ok(Number(limited.headers.get('retry-after')) > 60);
  await assert.rejects(signIn(staff), /429/, 'even the right password waits out the limit');
  // Another address is limited separately, per client, after 20 failures across emails.
  const source = '127.0.9.1';
  for (let i = 0; i < 20; i++) {
    await callFrom(source, `${BASE}/api/session`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: `guess${i}@example.org`, login_key: sd.b64Encode(randomBytes(32)) }),
    });
  }
  const clientLimited = await callFrom(source, `${BASE}/api/session`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email: 'guess99@example.org', login_key: sd.b64Encode(randomBytes(32)) }),
  });
  assert.equal(clientLimited.status, 429);
});

test('sessions: the cookie is HttpOnly, Secure, SameSite=Strict; CSRF and origin are checked; sign-out ends it', async () => {
  const staff = await newStaff();
  const again = await signIn(staff);
  const res = await fetch(`${BASE}/api/session`, { headers: { cookie: again.cookie } });
  assert.equal(res.status, 200);
  const me = await res.json();
  assert.equal(me.csrf, again.csrf);
  assert.equal(me.account.email, staff.email);

  const login = await post('/api/session/params', { email: staff.email });
  assert.equal(login.status, 200);
  const a = sd.argon2id(staff.password, sd.b64Decode(login.body.salt), 65536, 3, 1);
  const raw = await fetch(`${BASE}/api/session`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email: staff.email, login_key: sd.b64Encode(sd.loginKey(a)) }),
  });
  const cookie = raw.headers.get('set-cookie') ?? '';
  assert.match(
    cookie,
    /^__Host-sealdrop-session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=43200$/,
  );
  const token = cookie.split(';')[0].split('=')[1];
  assert.equal(d1(`SELECT count(*) AS n FROM sessions WHERE token_hash = '${token}'`)[0].n, 0, 'stored hashed');

  const path = `${BASE}/api/session`;
  // What a form on another site could send (text/plain needs no CORS preflight) is refused.
  const crossSite = await call(path, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ email: staff.email, login_key: sd.b64Encode(sd.loginKey(a)) }),
  });
  refusedWith(crossSite, 415, 'not_json');
  refusedWith(await call(path, { method: 'DELETE', headers: { cookie: again.cookie } }), 403, 'csrf_required');
  refusedWith(
    await call(path, { method: 'DELETE', headers: { cookie: again.cookie, 'sealdrop-csrf': staff.csrf } }),
    403,
    'csrf_mismatch',
  );
  refusedWith(
    await call(path, { method: 'DELETE', headers: { ...as(again), origin: 'https://evil.example' } }),
    403,
    'cross_origin',
  );
  const out = await call(path, { method: 'DELETE', headers: as(again) });
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
  refusedWith(await call(path, { headers: as(again) }), 401, 'signed_out');
  assert.equal((await call(path, { headers: as(staff) })).status, 200, 'other sessions go on');
  refusedWith(await call(path, {}), 401, 'sign_in_required');
});

test('disabling an account ends its sessions at once; roles keep one admin; admins cannot change themselves', async () => {
  const boss = await admin();
  const staff = await newStaff();
  const other = await newStaff('admin', 'Second Admin');
  const patch = (/** @type {string} */ id, /** @type {unknown} */ body, who = boss) =>
    call(`${BASE}/api/accounts/${id}`, { method: 'PATCH', headers: asJson(who), body: JSON.stringify(body) });
  refusedWith(await patch(boss.accountId, { disabled: true }), 409, 'own_account');
  refusedWith(await patch(boss.accountId, { role: 'staff' }), 409, 'own_account');
  refusedWith(await patch(staff.accountId, { role: 'owner' }), 400, 'bad_role');
  refusedWith(await patch(sd.b64Encode(randomBytes(16)), { disabled: true }), 404, 'no_account');
  refusedWith(await patch(other.accountId, { disabled: true }, staff), 403, 'admin_only');

  const share = await call(`${BASE}/api/session`, { headers: as(staff) });
  assert.equal(share.status, 200);
  const disabled = await patch(staff.accountId, { disabled: true });
  assert.equal(disabled.status, 200);
  assert.ok(disabled.body.account.disabled_at > 0);
  refusedWith(await call(`${BASE}/api/session`, { headers: as(staff) }), 401, 'signed_out');
  refusedWith(await call(`${BASE}/api/requests`, { headers: as(staff) }), 401, 'signed_out');
  await assert.rejects(signIn(staff), /403.*account_disabled/);
  assert.equal((await patch(staff.accountId, { disabled: false })).status, 200);
  assert.equal((await signIn(staff)).account.id, staff.accountId, 'enabled again, the password works');

  // The second admin may demote the first only while another enabled admin remains.
  assert.equal((await patch(other.accountId, { role: 'staff' })).status, 200);
  const demoteLast = await patch(boss.accountId, { role: 'staff' }, await signIn(other));
  assert.equal(demoteLast.status, 403, 'a demoted admin is no admin');
  assert.equal((await patch(other.accountId, { role: 'admin' })).status, 200);
  const otherAgain = await signIn(other);
  assert.equal((await patch(boss.accountId, { disabled: true }, otherAgain)).status, 200, 'another admin remains');
  refusedWith(await call(`${BASE}/api/accounts`, { headers: as(boss) }), 401, 'signed_out');
  assert.equal((await patch(boss.accountId, { disabled: false }, otherAgain)).status, 200);
  const list = await call(`${BASE}/api/accounts`, { headers: as(otherAgain) });
  assert.ok(list.body.accounts.every((/** @type {any} */ a) => !('login_hash' in a) && !('wrapped_sk' in a)));
});
