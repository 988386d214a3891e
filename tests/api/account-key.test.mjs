// The account key K of unlock-factors.md against the real local stack: new accounts draw it; a
// v1 account adopts its vault key at its first unlock, once; a password change rewrites only the
// password factor (the stored sk, sk128 and request secrets stay byte for byte), except the first
// change of an adopted account, which rotates K; rotations are guarded on the generation under
// parallel bursts; nothing else may write a wrapped sk or rs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { call, sd } from '../support/client.mjs';
import { BASE, d1, refusedWith } from '../support/env.mjs';
import { as, asJson, makeV1, newStaff, passwordChange, signIn } from '../support/accounts.mjs';
import { createRequest, openInbox, sendFiles } from '../support/requests.mjs';

const put = (/** @type {any} */ who, /** @type {unknown} */ body) =>
  call(`${BASE}/api/account/password`, { method: 'PUT', headers: asJson(who), body: JSON.stringify(body) });
const stored = (/** @type {string} */ id) =>
  d1(`SELECT wrapped_sk, wrapped_sk128, key_generation, salt FROM accounts WHERE id = '${id}'`)[0];
const factors = (/** @type {string} */ id) =>
  d1(`SELECT id, kind, label, wrapped_k, last_used_at FROM account_factors WHERE account_id = '${id}'`);
const requestKeys = (/** @type {string} */ id) =>
  d1(`SELECT id, wrapped_rs FROM requests WHERE owner_account = '${id}' ORDER BY id`);

test('a new account draws K: one password factor at generation 0, sk and sk128 under K, K not the vault key', async () => {
  const staff = await newStaff();
  const row = stored(staff.accountId);
  assert.equal(row.key_generation, 0);
  const idBytes = sd.b64Decode(staff.accountId);
  assert.deepEqual(sd.unwrapSk128(staff.accountKey, idBytes, sd.b64Decode(String(row.wrapped_sk128))), staff.sk128);
  const [factor, ...more] = factors(staff.accountId);
  assert.equal(more.length, 0);
  assert.equal(factor.kind, 'password');
  assert.equal(sd.b64Decode(String(factor.wrapped_k)).length, 60);
  assert.equal(sd.isAdoptedKey(staff.accountKey, sd.randomBytes(32), staff.sk128), false);
  // The session shows the factor to its own account; the sign-in marks it used.
  const again = await signIn(staff);
  assert.equal(again.account.account_key.generation, 0);
  assert.deepEqual(again.accountKey, staff.accountKey);
  assert.ok(Number(factors(staff.accountId)[0].last_used_at) > 0, 'the sign-in marked the factor used');
  const list = await call(`${BASE}/api/accounts`, { headers: as(await signIn(staff)) });
  assert.equal(list.status, 403, 'staff cannot list accounts, so nobody else reads the factor');
});

test('new accounts are refused without K or with malformed blobs, and nothing is written', async () => {
  const staff = await newStaff();
  const me = await call(`${BASE}/api/session`, { headers: as(staff) });
  const before = factors(staff.accountId).length;
  const adopt = (/** @type {unknown} */ body) =>
    call(`${BASE}/api/account/key`, { method: 'POST', headers: asJson(staff), body: JSON.stringify(body) });
  const good = {
    wrapped_sk128: sd.b64Encode(randomBytes(44)),
    password_factor: { id: sd.b64Encode(randomBytes(16)), label: 'Password', wrapped_k: sd.b64Encode(randomBytes(60)) },
  };
  refusedWith(await adopt(good), 409, 'key_exists');
  refusedWith(await adopt({ ...good, wrapped_sk128: sd.b64Encode(randomBytes(43)) }), 400, 'bad_wrapped_key');
  refusedWith(
    await adopt({ ...good, password_factor: { ...good.password_factor, wrapped_k: sd.b64Encode(randomBytes(59)) } }),
    400,
    'bad_factor',
  );
  refusedWith(await adopt({ ...good, password_factor: { ...good.password_factor, id: 'short' } }), 400, 'bad_factor');
  refusedWith(await adopt({ ...good, password_factor: { ...good.password_factor, label: '' } }), 400, 'bad_factor');
  assert.equal(factors(staff.accountId).length, before);
  assert.equal(me.body.account.account_key.factors.length, 1);
});

test('a password change rewrites only the password factor; what K wraps stays byte for byte', async () => {
  const staff = await newStaff();
  const requests = [await createRequest(staff), await createRequest(staff)];
  const sent = await sendFiles(requests[0], [{ name: 'before-change.txt', data: randomBytes(3000) }]);
  const second = await signIn(staff);
  const before = stored(staff.accountId);
  const rsBefore = requestKeys(staff.accountId);
  const [oldFactor] = factors(staff.accountId);
  const newPassword = `new-${sd.b64Encode(randomBytes(9))}`;
  const { body, rotating } = await passwordChange(staff, newPassword);
  assert.equal(rotating, false, 'a drawn K is not rotated by a password change');

  // What the server refuses, each writing nothing.
  refusedWith(await put(staff, { ...body, wrapped_sk: before.wrapped_sk }), 400, 'bad_json');
  refusedWith(await put(staff, { ...body, generation: 1 }), 409, 'key_changed');
  refusedWith(await put(staff, { ...body, login_key: sd.b64Encode(randomBytes(32)) }), 401, 'wrong_credentials');
  refusedWith(await put(staff, { ...body, new_salt: 'AAAA' }), 400, 'bad_salt');
  refusedWith(
    await put(staff, { ...body, password_factor: { ...body.password_factor, wrapped_k: 'AAAA' } }),
    400,
    'bad_factor',
  );
  assert.deepEqual(stored(staff.accountId), before);
  assert.deepEqual(factors(staff.accountId), [oldFactor]);

  const changed = await put(staff, body);
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  const after = stored(staff.accountId);
  assert.equal(after.wrapped_sk, before.wrapped_sk, 'the wrapped private key is untouched');
  assert.equal(after.wrapped_sk128, before.wrapped_sk128, 'the wrapped sk128 is untouched');
  assert.equal(after.key_generation, 0);
  assert.notEqual(after.salt, before.salt);
  assert.deepEqual(requestKeys(staff.accountId), rsBefore, 'every request secret is untouched');
  const [newFactor, ...none] = factors(staff.accountId);
  assert.equal(none.length, 0, 'still one password factor');
  assert.notEqual(newFactor.id, oldFactor.id);
  assert.notEqual(newFactor.wrapped_k, oldFactor.wrapped_k);
  assert.deepEqual(changed.body.account.account_key.factors[0].id, newFactor.id);

  refusedWith(await call(`${BASE}/api/session`, { headers: as(second) }), 401, 'signed_out');
  await assert.rejects(signIn(staff), /401/, 'the old password is refused');
  const renewed = await signIn({ ...staff, password: newPassword });
  assert.deepEqual(renewed.accountKey, staff.accountKey, 'the new password opens the same K');
  const inbox = await openInbox(renewed, requests[0].id);
  assert.ok(Buffer.from(inbox.files[0].data ?? []).equals(sent[0].data), 'files sent before the change still open');
});

test('a v1 account adopts its vault key at its first unlock, once; its first password change rotates K', async () => {
  const staff = await newStaff();
  const request = await createRequest(staff);
  const sent = await sendFiles(request, [{ name: 'v1.txt', data: randomBytes(2000) }]);
  const vault = makeV1(staff);
  assert.equal(stored(staff.accountId).key_generation, null);
  assert.equal(factors(staff.accountId).length, 0);

  // A v1 account cannot change its password before it has K.
  const v1 = await call(`${BASE}/api/session`, { headers: as(staff) });
  assert.equal(v1.body.account.account_key, null);
  refusedWith(
    await put(staff, {
      login_key: sd.b64Encode(randomBytes(32)),
      new_salt: sd.b64Encode(randomBytes(16)),
      new_login_key: sd.b64Encode(randomBytes(32)),
      generation: 0,
      password_factor: {
        id: sd.b64Encode(randomBytes(16)),
        label: 'Password',
        wrapped_k: sd.b64Encode(randomBytes(60)),
      },
      rotation: null,
    }),
    409,
    'account_key_missing',
  );

  // Five devices unlock at once: one adoption wins, the others are told K exists.
  const devices = await Promise.all(
    [1, 2, 3, 4, 5].map(() => signIn({ ...staff, password: staff.password }).catch((e) => e)),
  );
  const adopted = devices.filter((d) => !(d instanceof Error));
  assert.equal(adopted.length, 1, `one adoption: ${devices.map(String).join(', ')}`);
  assert.ok(
    devices.filter((d) => d instanceof Error).every((e) => /409/.test(String(e)) && /key_exists/.test(String(e))),
  );
  const device = adopted[0];
  assert.deepEqual(device.accountKey, vault, 'K is the vault key');
  assert.equal(stored(staff.accountId).key_generation, 0);
  assert.equal(factors(staff.accountId).length, 1);
  const again = await signIn(staff);
  assert.deepEqual(again.accountKey, vault, 'later unlocks open it through the factor');

  // The first password change rotates: K' is new, and everything K wrapped is wrapped anew.
  const rsBefore = requestKeys(staff.accountId);
  const before = stored(staff.accountId);
  const newPassword = `rotated-${sd.b64Encode(randomBytes(9))}`;
  const { body, k, rotating } = await passwordChange(again, newPassword);
  assert.equal(rotating, true);
  refusedWith(await put(again, { ...body, rotation: { ...body.rotation, requests: [] } }), 409, 'requests_changed');
  refusedWith(
    await put(again, {
      ...body,
      rotation: {
        ...body.rotation,
        factors: [{ id: sd.b64Encode(randomBytes(16)), wrapped_k: sd.b64Encode(randomBytes(60)) }],
      },
    }),
    409,
    'key_changed',
  );
  assert.deepEqual(stored(staff.accountId), before, 'refused rotations write nothing');
  const changed = await put(again, body);
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  const after = stored(staff.accountId);
  assert.equal(after.key_generation, 1);
  assert.notEqual(after.wrapped_sk, before.wrapped_sk);
  assert.notDeepEqual(requestKeys(staff.accountId), rsBefore);
  const renewed = await signIn({ ...staff, password: newPassword });
  assert.deepEqual(renewed.accountKey, k);
  assert.notDeepEqual(renewed.accountKey, vault, 'K is no longer a function of the first password');
  assert.deepEqual(
    sd.unwrapSk128(k, sd.b64Decode(staff.accountId), sd.b64Decode(String(after.wrapped_sk128))),
    staff.sk128,
  );
  const inbox = await openInbox(renewed, request.id);
  assert.ok(Buffer.from(inbox.files[0].data ?? []).equals(sent[0].data), 'files sent to the v1 account still open');
  // The next change is ordinary: no rotation.
  assert.equal((await passwordChange(renewed, 'another password here')).rotating, false);
});

test('rotations are guarded on the generation: of six at once, one wins and its K opens everything', async () => {
  const staff = await newStaff();
  const request = await createRequest(staff);
  const sent = await sendFiles(request, [{ name: 'burst.txt', data: randomBytes(1500) }]);
  const tries = await Promise.all(
    Array.from({ length: 6 }, (_, i) => passwordChange(staff, `burst password ${i}`, { rotate: true })),
  );
  const answers = await Promise.all(tries.map(({ body }) => put(staff, body)));
  const won = answers.flatMap((res, i) => (res.status === 200 ? [i] : []));
  assert.equal(won.length, 1, answers.map((r) => r.status).join(' '));
  // A loser read the account before the winner committed (409, the guard) or after (401: the
  // password it proves is no longer the current one).
  for (const res of answers) {
    if (res.status === 409) refusedWith(res, 409, 'key_changed');
    else if (res.status !== 200) refusedWith(res, 401, 'wrong_credentials');
  }
  const winner = won[0];
  assert.equal(stored(staff.accountId).key_generation, 1);
  assert.equal(factors(staff.accountId).length, 1);
  const renewed = await signIn({ ...staff, password: `burst password ${winner}` });
  assert.deepEqual(renewed.accountKey, tries[winner].k);
  const inbox = await openInbox(renewed, request.id);
  assert.ok(Buffer.from(inbox.files[0].data ?? []).equals(sent[0].data));
  for (const [i] of tries.entries()) {
    if (i !== winner) await assert.rejects(signIn({ ...staff, password: `burst password ${i}` }), /401/);
  }
});
