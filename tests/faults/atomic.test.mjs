// Every change commits with its access-log event, against the real local stack: the test stack's
// fault switch (table test_faults, read only by a test stack's sequencer) makes the next append
// fail, and then each state-changing operation of worker/src/http/routes.rs answers 503 log_busy with
// Retry-After and changes nothing; the same call again succeeds and changes what it should.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sd, call, createBody, sealShare, uploadShare, hex } from '../support/client.mjs';
import { BASE, d1, setClock } from '../support/env.mjs';
import { ROOT } from '../support/stack.mjs';
import {
  admin,
  as,
  asJson,
  joinWith,
  loginKeyOf,
  makeV1,
  newStaff,
  passwordChange,
  passwordFactor,
} from '../support/accounts.mjs';
import { createRequest, newFileBody, sealForRequest, sendFiles, uploadAuth } from '../support/requests.mjs';
import { newApiKey } from '../support/api-keys.mjs';

/**
 * One operation: `act` makes the call (the same call twice), `state` is a query of what it
 * changes (one row of one column).
 * @typedef {{ op: string, act: () => Promise<{ status: number, body: any, headers: Headers }>,
 *   state: string, ok: number }} Case
 */

/** The operations checked so far, by their openapi.json operationId. */
const covered = new Set();
const json = { 'content-type': 'application/json' };
const FAULT = "INSERT INTO test_faults (kind) VALUES ('append')";

/**
 * What `state` reads now, with the number of events and of faults not taken yet; with `fault`,
 * the fault switch is set in the same call. Refusal summaries are not counted: the sequencer's
 * alarm appends them when their window closes, at any moment, for refusals made earlier.
 * @param {string} state
 * @param {boolean} [fault]
 */
function snapshot(state, fault = false) {
  const [row] = d1(
    `${fault ? `${FAULT}; ` : ''}SELECT (${state}) AS state,
       (SELECT COUNT(*) FROM audit_events WHERE action != 'refusals.summary') AS events,
       (SELECT COUNT(*) FROM test_faults) AS faults`,
  );
  return { state: JSON.stringify(row.state), events: Number(row.events), faults: Number(row.faults) };
}

/**
 * Runs `c` under the fault, then without it.
 * @param {Case} c
 */
async function check(c) {
  covered.add(c.op);
  const before = snapshot(c.state, true);
  const refused = await c.act();
  assert.equal(refused.status, 503, `${c.op} under the fault: ${JSON.stringify(refused.body)}`);
  assert.equal(refused.body.error.code, 'log_busy', c.op);
  assert.ok(Number(refused.headers.get('retry-after')) > 0, `${c.op}: Retry-After`);
  const failed = snapshot(c.state);
  assert.equal(failed.faults, 0, `${c.op} took the fault`);
  assert.equal(failed.state, before.state, `${c.op}: nothing changed`);
  assert.equal(failed.events, before.events, `${c.op}: no event`);
  const done = await c.act();
  assert.equal(done.status, c.ok, `${c.op} again: ${JSON.stringify(done.body)}`);
  const after = snapshot(c.state);
  assert.notEqual(after.state, before.state, `${c.op} again changed what it should`);
  assert.ok(after.events > before.events, `${c.op} again is logged`);
}

test('shares: create, complete a file, complete, abort, revoke, unlock, a proof, a receipt', async () => {
  setClock(null);
  const staff = await newStaff('staff', 'Atomic Shares');
  const share = await sealShare([{ name: 'atomic.txt', data: randomBytes(3000) }], { maxDownloads: 3 });
  await check({
    op: 'createShare',
    act: () =>
      call(`${BASE}/api/shares`, { method: 'POST', headers: asJson(staff), body: JSON.stringify(createBody(share)) }),
    state: `SELECT COUNT(*) AS n FROM shares WHERE owner_account = '${staff.accountId}'`,
    ok: 201,
  });

  const open = await uploadShare(BASE, share, { staff, complete: false });
  const owner = { authorization: `Bearer ${open.owner}` };
  const [file] = share.files;
  const part = file.payload.subarray(0, file.layout.partSize);
  const put = await call(`${BASE}/api/shares/${open.id}/files/0/parts/1`, {
    method: 'PUT',
    headers: { ...owner, 'sealdrop-part-blake3': hex(sd.blake3(part)) },
    body: part,
  });
  assert.equal(put.status, 200);
  await check({
    op: 'completeFile',
    act: () =>
      call(`${BASE}/api/shares/${open.id}/files/0/complete`, {
        method: 'POST',
        headers: { ...owner, ...json },
        body: JSON.stringify({ content_id: file.contentId }),
      }),
    state: `SELECT content_id FROM files WHERE share_id = '${open.id}'`,
    ok: 200,
  });
  const manifest = sd.sealManifest(share.ss, sd.b64Decode(open.id), {
    files: [{ j: 0, content_id: file.contentId, metadata_hash: hex(sd.blake3(file.metadata)) }],
  });
  await check({
    op: 'completeShare',
    act: () =>
      call(`${BASE}/api/shares/${open.id}/complete`, {
        method: 'POST',
        headers: { ...owner, ...json },
        body: JSON.stringify({ manifest: sd.b64Encode(manifest) }),
      }),
    state: `SELECT state FROM shares WHERE id = '${open.id}'`,
    ok: 200,
  });

  const prove = () =>
    call(`${BASE}/api/shares/${open.id}/proof`, {
      method: 'POST',
      headers: { authorization: `Sealdrop-Key ${sd.b64Encode(share.authKey)}` },
    });
  await check({
    op: 'proveKey',
    act: prove,
    state: `SELECT downloads || ':' || (SELECT COUNT(*) FROM tickets WHERE share_id = '${open.id}') FROM shares WHERE id = '${open.id}'`,
    ok: 200,
  });
  const ticket = (await prove()).body.ticket;
  await check({
    op: 'downloadReceipt',
    act: () =>
      call(`${BASE}/api/shares/${open.id}/files/0/receipt`, {
        method: 'POST',
        headers: { authorization: `Sealdrop-Ticket ${ticket}`, ...json },
        body: JSON.stringify({ content_id: file.contentId }),
      }),
    state: `SELECT COUNT(*) AS n FROM audit_events WHERE action = 'download.receipt' AND object = '${open.id}'`,
    ok: 200,
  });

  d1(`UPDATE shares SET locked = 1, failed_proofs = 100 WHERE id = '${open.id}'`);
  await check({
    op: 'unlockShare',
    act: () => call(`${BASE}/api/shares/${open.id}/unlock`, { method: 'POST', headers: as(staff) }),
    state: `SELECT locked || ':' || failed_proofs FROM shares WHERE id = '${open.id}'`,
    ok: 200,
  });
  await check({
    op: 'revokeShare',
    act: () => call(`${BASE}/api/shares/${open.id}/revoke`, { method: 'POST', headers: as(staff) }),
    state: `SELECT state FROM shares WHERE id = '${open.id}'`,
    ok: 200,
  });

  const doomed = await uploadShare(BASE, await sealShare([{ name: 'abort.txt', data: randomBytes(100) }]), {
    staff,
    complete: false,
  });
  await check({
    op: 'abortShare',
    act: () =>
      call(`${BASE}/api/shares/${doomed.id}/abort`, {
        method: 'POST',
        headers: { authorization: `Bearer ${doomed.owner}` },
      }),
    state: `SELECT COUNT(*) FROM shares WHERE id = '${doomed.id}'`,
    ok: 200,
  });
});

test('accounts: invite, cancel, create, change, sign in, sign out, change the password', async () => {
  setClock(null);
  const boss = await admin();
  const email = `atomic-${randomBytes(4).toString('hex')}@example.org`;
  const inviteBody = JSON.stringify({ email, role: 'staff', valid_hours: 24 });
  /** @type {string[]} */
  const tokens = [];
  await check({
    op: 'createInvite',
    act: async () => {
      const res = await call(`${BASE}/api/invites`, { method: 'POST', headers: asJson(boss), body: inviteBody });
      if (res.status === 201) tokens.push(res.body.token);
      return res;
    },
    state: `SELECT COUNT(*) AS n FROM invites WHERE email = '${email}'`,
    ok: 201,
  });
  const spare = await call(`${BASE}/api/invites`, {
    method: 'POST',
    headers: asJson(boss),
    body: JSON.stringify({ email: `spare-${email}`, role: 'staff', valid_hours: 24 }),
  });
  await check({
    op: 'cancelInvite',
    act: () => call(`${BASE}/api/invites/${spare.body.id}`, { method: 'DELETE', headers: as(boss) }),
    state: `SELECT cancelled_at IS NULL AS open FROM invites WHERE id = '${spare.body.id}'`,
    ok: 200,
  });

  // Creating the account: the same invite and body twice.
  d1(FAULT);
  await assert.rejects(joinWith(tokens[0], { email, password: 'atomic password one' }), /create account: 503/);
  assert.equal(Number(d1(`SELECT COUNT(*) AS n FROM accounts WHERE email = '${email}'`)[0].n), 0);
  const person = await joinWith(tokens[0], { email, password: 'atomic password one' });
  covered.add('createAccount');
  assert.equal(Number(d1(`SELECT COUNT(*) AS n FROM accounts WHERE email = '${email}'`)[0].n), 1);

  await check({
    op: 'changeAccount',
    act: () =>
      call(`${BASE}/api/accounts/${person.accountId}`, {
        method: 'PATCH',
        headers: asJson(boss),
        body: JSON.stringify({ role: 'admin' }),
      }),
    state: `SELECT role FROM accounts WHERE id = '${person.accountId}'`,
    ok: 200,
  });
  const sessions = `SELECT group_concat(token_hash) FROM sessions WHERE account_id = '${person.accountId}'`;
  const loginKey = await loginKeyOf(person);
  await check({
    op: 'signIn',
    act: () =>
      call(`${BASE}/api/session`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ email, login_key: loginKey }),
      }),
    state: sessions,
    ok: 200,
  });
  await check({
    op: 'signOut',
    act: () => call(`${BASE}/api/session`, { method: 'DELETE', headers: as(person) }),
    state: sessions,
    ok: 200,
  });

  const again = await newStaff('staff', 'Atomic Password');
  await createRequest(again);
  // Each part may be NULL (a v1 account has no generation, sk128 or factor; none has requests).
  const keyState = (/** @type {string} */ id) =>
    `SELECT login_hash || salt || wrapped_sk || COALESCE(wrapped_sk128, '-') || COALESCE(key_generation, '-') ||
            COALESCE((SELECT group_concat(id || wrapped_k) FROM account_factors WHERE account_id = '${id}'), '-') ||
            COALESCE((SELECT group_concat(wrapped_rs) FROM requests WHERE owner_account = '${id}'), '-')
     FROM accounts WHERE id = '${id}'`;
  const { body: passwordBody } = await passwordChange(again, 'atomic password two', { rotate: true });
  await check({
    op: 'changePassword',
    act: () =>
      call(`${BASE}/api/account/password`, {
        method: 'PUT',
        headers: asJson(again),
        body: JSON.stringify(passwordBody),
      }),
    state: keyState(again.accountId),
    ok: 200,
  });
  const old = await newStaff('staff', 'Atomic Adoption');
  makeV1(old);
  const v1 = await call(`${BASE}/api/session`, { headers: as(old) });
  const oldA = sd.argon2id(old.password, sd.b64Decode(v1.body.account.salt), 65536, 3, 1);
  const vault = sd.vaultKey(oldA, old.sk128);
  const adoption = JSON.stringify({
    wrapped_sk128: sd.b64Encode(sd.wrapSk128(vault, sd.b64Decode(old.accountId), old.sk128)),
    password_factor: passwordFactor(oldA, old.sk128, old.accountId, 0, vault),
  });
  await check({
    op: 'adoptAccountKey',
    act: () => call(`${BASE}/api/account/key`, { method: 'POST', headers: asJson(old), body: adoption }),
    state: keyState(old.accountId),
    ok: 200,
  });
});

test('requests: create, a partner starts, completes and aborts uploads, read, delete a file, delete', async () => {
  setClock(null);
  const staff = await newStaff('staff', 'Atomic Requests');
  const id = sd.b64Encode(randomBytes(16));
  d1(FAULT);
  await assert.rejects(createRequest(staff, { id }), /create request: 503/);
  assert.equal(Number(d1(`SELECT COUNT(*) AS n FROM requests WHERE id = '${id}'`)[0].n), 0);
  const request = await createRequest(staff);
  covered.add('createRequest');

  const sealed = await sealForRequest(request, { name: 'atomic-in.txt', data: randomBytes(2000) });
  const files = `SELECT group_concat(id || ':' || COALESCE(content_id, '-')) FROM request_files WHERE request_id = '${request.id}'`;
  /** @type {string[]} */
  const started = [];
  await check({
    op: 'createRequestFile',
    act: async () => {
      const res = await call(`${BASE}/api/requests/${request.id}/uploads`, {
        method: 'POST',
        headers: { ...uploadAuth(request), ...json },
        body: JSON.stringify(newFileBody(sealed)),
      });
      if (res.status === 201) started.push(res.body.id);
      return res;
    },
    state: files,
    ok: 201,
  });
  const fileId = started[0];
  const put = await call(`${BASE}/api/requests/${request.id}/uploads/${fileId}/parts/1`, {
    method: 'PUT',
    headers: { ...uploadAuth(request), 'sealdrop-part-blake3': hex(sd.blake3(sealed.payload)) },
    body: sealed.payload,
  });
  assert.equal(put.status, 200);
  await check({
    op: 'completeRequestFile',
    act: () =>
      call(`${BASE}/api/requests/${request.id}/uploads/${fileId}/complete`, {
        method: 'POST',
        headers: { ...uploadAuth(request), ...json },
        body: JSON.stringify({ content_id: sealed.contentId }),
      }),
    state: files,
    ok: 200,
  });
  const other = await sealForRequest(request, { name: 'atomic-abort.txt', data: randomBytes(500) });
  const begun = await call(`${BASE}/api/requests/${request.id}/uploads`, {
    method: 'POST',
    headers: { ...uploadAuth(request), ...json },
    body: JSON.stringify(newFileBody(other)),
  });
  assert.equal(begun.status, 201);
  await check({
    op: 'abortRequestFile',
    act: () =>
      call(`${BASE}/api/requests/${request.id}/uploads/${begun.body.id}`, {
        method: 'DELETE',
        headers: uploadAuth(request),
      }),
    state: files,
    ok: 200,
  });
  await check({
    op: 'markRead',
    act: () => call(`${BASE}/api/requests/${request.id}/files/${fileId}/read`, { method: 'POST', headers: as(staff) }),
    state: `SELECT read_at IS NULL AS unread FROM request_files WHERE id = '${fileId}'`,
    ok: 200,
  });
  await check({
    op: 'deleteRequestFile',
    act: () => call(`${BASE}/api/requests/${request.id}/files/${fileId}`, { method: 'DELETE', headers: as(staff) }),
    state: files,
    ok: 200,
  });
  await sendFiles(request, [{ name: 'atomic-last.txt', data: randomBytes(100) }]);
  await check({
    op: 'deleteRequest',
    act: () => call(`${BASE}/api/requests/${request.id}`, { method: 'DELETE', headers: as(staff) }),
    state: `SELECT COUNT(*) FROM requests WHERE id = '${request.id}'`,
    ok: 200,
  });
});

test('the policy', async () => {
  setClock(null);
  const boss = await admin();
  const current = (await call(`${BASE}/api/admin/policy`, { headers: as(boss) })).body.policy;
  const other = current.who_may_request === 'everyone' ? 'admins' : 'everyone';
  await check({
    op: 'changePolicy',
    act: () =>
      call(`${BASE}/api/admin/policy`, {
        method: 'PUT',
        headers: asJson(boss),
        body: JSON.stringify({ who_may_request: other }),
      }),
    state: "SELECT value FROM policy WHERE name = 'who_may_request'",
    ok: 200,
  });
  const restore = await call(`${BASE}/api/admin/policy`, {
    method: 'PUT',
    headers: asJson(boss),
    body: JSON.stringify({ who_may_request: current.who_may_request }),
  });
  assert.equal(restore.status, 200);
  assert.equal(restore.body.policy.who_may_request, current.who_may_request);
});
test('API keys: made, revoked by their owner, revoked by an admin', async () => {
  setClock(null);
  const boss = await admin();
  const staff = await newStaff('staff', 'Atomic Keys');
  const keys = `SELECT COUNT(*) || '/' || COUNT(revoked_at) FROM api_keys WHERE account_id = '${staff.accountId}'`;
  await check({
    op: 'createApiKey',
    act: () =>
      call(`${BASE}/api/account/api-keys`, {
        method: 'POST',
        headers: asJson(staff),
        body: JSON.stringify({ name: 'atomic', scopes: ['share'], expires_in_days: 2 }),
      }),
    state: keys,
    ok: 201,
  });
  const [own, other] = [await newApiKey(staff, { name: 'own' }), await newApiKey(staff, { name: 'other' })];
  await check({
    op: 'revokeApiKey',
    act: () => call(`${BASE}/api/account/api-keys/${own.id}`, { method: 'DELETE', headers: as(staff) }),
    state: keys,
    ok: 200,
  });
  await check({
    op: 'adminRevokeApiKey',
    act: () => call(`${BASE}/api/admin/api-keys/${other.id}`, { method: 'DELETE', headers: as(boss) }),
    state: keys,
    ok: 200,
  });
});

test('every state-changing operation of the API is among those checked', () => {
  const doc = JSON.parse(readFileSync(join(ROOT, 'worker/openapi.json'), 'utf8'));
  // Not checked, with the reason: sending a part writes only the part ledger, whose result the
  // file's completion (checked) logs; the sign-in parameters are a read sent as POST.
  const exempt = new Set(['uploadPart', 'uploadRequestPart', 'signInParams']);
  const changing = Object.values(doc.paths)
    .flatMap((/** @type {Record<string, { operationId: string }>} */ item) =>
      Object.entries(item).filter(([method]) => ['post', 'put', 'patch', 'delete'].includes(method)),
    )
    .map(([, op]) => op.operationId)
    .filter((id) => !exempt.has(id))
    .sort();
  assert.deepEqual([...covered].sort(), changing);
});
