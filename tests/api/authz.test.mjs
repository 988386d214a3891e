// The authorization matrix: every API operation (all of openapi.json) against A's objects, as
// each of anonymous, a partner holding A's request link, staff A, staff B, an admin, a disabled
// account, A's API key with every scope, A's API key with only the share scope, and the key of
// the disabled account. Identity never stands in for a key: downloads need the share's key or
// ticket, uploads into a request need its link, share uploads need the share's owner token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { call, sd, sealShare, uploadShare } from '../support/client.mjs';
import { BASE, d1 } from '../support/env.mjs';
import { ROOT } from '../support/stack.mjs';
import { admin, as, asJson, newStaff } from '../support/accounts.mjs';
import { createRequest, sendFiles, uploadAuth } from '../support/requests.mjs';
import { newApiKey, withKey } from '../support/api-keys.mjs';

const PEOPLE = ['anonymous', 'partner', 'staffA', 'staffB', 'admin', 'disabled'];
const KEYS = ['keyA', 'keyAShare', 'keyDisabled'];
const PRINCIPALS = [...PEOPLE, ...KEYS];
// Operations without credentials refuse API keys too: a key is for what its scopes name.
const ALL = PEOPLE;
const STAFF = ['staffA', 'staffB', 'admin'];
// What a key of A may call: with any scope, with the share scope, with request or inbox.
const A_ANY_KEY = ['keyA', 'keyAShare'];
const A_SHARE_KEY = ['keyA', 'keyAShare'];
const A_REQUEST_KEY = ['keyA'];
const random = () => sd.b64Encode(randomBytes(16));

test('every operation x every principal: only the right ones get past authorization', async () => {
  const boss = await admin();
  const a = await newStaff('staff', 'Staff A');
  const b = await newStaff('staff', 'Staff B');
  const d = await newStaff('staff', 'Soon Disabled');
  const week = Date.now() + 7 * 24 * 3600 * 1000;
  const active = await uploadShare(BASE, await sealShare([{ name: 'matrix-a.txt', data: randomBytes(100) }]), {
    staff: a,
  });
  const uploading = await uploadShare(BASE, await sealShare([{ name: 'matrix-b.txt', data: randomBytes(100) }]), {
    staff: a,
    complete: false,
  });
  const ownShareOfD = await uploadShare(BASE, await sealShare([{ name: 'matrix-d.txt', data: randomBytes(100) }]), {
    staff: d,
    complete: false,
  });
  const request = await createRequest(a, { expiresAt: week });
  const keyedRequest = await createRequest(a, { expiresAt: week });
  const [file] = await sendFiles(request, [{ name: 'matrix-file.txt', data: randomBytes(100) }]);
  const keyA = await newApiKey(a, { name: 'matrix all' });
  const keyAShare = await newApiKey(a, { name: 'matrix share', scopes: ['share'] });
  const keyDisabled = await newApiKey(d, { name: 'matrix disabled' });
  const disabled = await call(`${BASE}/api/accounts/${d.accountId}`, {
    method: 'PATCH',
    headers: asJson(boss),
    body: JSON.stringify({ disabled: true }),
  });
  assert.equal(disabled.status, 200);

  /** @type {Record<string, Record<string, string>>} */
  const headers = {
    anonymous: {},
    partner: uploadAuth(request),
    staffA: as(a),
    staffB: as(b),
    admin: as(boss),
    disabled: as(d),
    keyA: withKey(keyA),
    keyAShare: withKey(keyAShare),
    keyDisabled: withKey(keyDisabled),
  };
  const owner = { authorization: `Bearer ${uploading.owner}` };
  const r = `/api/requests/${request.id}`;
  // [method, path, who gets past authorization, extra headers for staff A, who is tried (by
  // default everyone)]; destructive operations last, and within one operation the refused
  // principals go first.
  /** @type {[string, string, string[], Record<string, string>?, string[]?][]} */
  const matrix = [
    ['GET', '/api/limits', [...ALL, ...A_ANY_KEY]],
    ['GET', '/api/openapi.json', PRINCIPALS],
    ['POST', '/api/shares', [...STAFF, ...A_SHARE_KEY]],
    ['GET', '/api/shares', [...STAFF, ...A_SHARE_KEY]],
    ['GET', '/api/admin/shares', ['admin']],
    ['GET', `/api/shares/${active.id}`, ALL],
    ['PUT', `/api/shares/${uploading.id}/files/0/parts/1`, ['staffA'], owner],
    ['GET', `/api/shares/${uploading.id}/files/0/parts`, ['staffA'], owner],
    ['POST', `/api/shares/${uploading.id}/files/0/complete`, ['staffA'], owner],
    ['POST', `/api/shares/${uploading.id}/complete`, ['staffA'], owner],
    ['GET', `/api/shares/${active.id}/owner`, ['staffA', 'admin', ...A_SHARE_KEY]],
    ['POST', `/api/shares/${active.id}/unlock`, ['staffA', ...A_SHARE_KEY]],
    ['POST', `/api/shares/${active.id}/proof`, []],
    ['GET', `/api/shares/${active.id}/contents`, []],
    ['GET', `/api/shares/${active.id}/files/0/payload`, []],
    ['POST', `/api/shares/${active.id}/files/0/receipt`, []],
    ['GET', '/api/invites/self', []],
    ['POST', '/api/accounts', []],
    ['GET', '/api/accounts', ['admin']],
    ['PATCH', `/api/accounts/${b.accountId}`, ['admin']],
    ['POST', '/api/session/params', ALL],
    ['POST', '/api/session', ALL],
    ['GET', '/api/session', STAFF],
    ['PUT', '/api/account/password', STAFF],
    ['POST', '/api/account/key', STAFF],
    ['GET', '/api/account', [...STAFF, ...A_ANY_KEY]],
    ['POST', '/api/account/api-keys', STAFF],
    ['GET', '/api/account/api-keys', STAFF],
    ['DELETE', `/api/account/api-keys/${random()}`, STAFF],
    ['GET', '/api/admin/api-keys', ['admin']],
    ['DELETE', `/api/admin/api-keys/${random()}`, ['admin']],
    ['POST', '/api/invites', ['admin']],
    ['GET', '/api/invites', ['admin']],
    ['DELETE', `/api/invites/${random()}`, ['admin']],
    ['POST', '/api/requests', [...STAFF, ...A_REQUEST_KEY]],
    ['GET', '/api/requests', [...STAFF, ...A_REQUEST_KEY]],
    ['GET', r, ['staffA', ...A_REQUEST_KEY]],
    ['GET', `${r}/files/${file.id}/payload`, ['staffA', ...A_REQUEST_KEY]],
    ['POST', `${r}/files/${file.id}/read`, ['staffA', ...A_REQUEST_KEY]],
    ['DELETE', `${r}/files/${random()}`, ['staffA', ...A_REQUEST_KEY]],
    ['GET', `${r}/intake`, ['partner']],
    ['POST', `${r}/uploads`, ['partner']],
    ['GET', `${r}/uploads/${random()}`, ['partner']],
    ['PUT', `${r}/uploads/${random()}/parts/1`, ['partner']],
    ['POST', `${r}/uploads/${random()}/complete`, ['partner']],
    ['DELETE', `${r}/uploads/${random()}`, ['partner']],
    ['GET', '/api/audit/checkpoint', ['admin']],
    ['GET', '/api/audit/events', ['admin']],
    ['GET', '/api/audit/verify', ['admin']],
    ['GET', '/api/audit/export', ['admin']],
    ['GET', '/api/activity', STAFF],
    ['GET', '/api/admin/overview', ['admin']],
    ['GET', '/api/admin/policy', ['admin']],
    ['PUT', '/api/admin/policy', ['admin']],
    ['POST', `/api/shares/${uploading.id}/abort`, ['staffA'], owner],
    ['POST', `/api/shares/${active.id}/revoke`, ['staffA', 'admin', ...A_SHARE_KEY]],
    ['DELETE', r, ['staffA'], {}, PEOPLE],
    ['DELETE', `/api/requests/${keyedRequest.id}`, A_REQUEST_KEY, {}, KEYS],
    ['DELETE', '/api/session', STAFF],
  ];
  const documented = Object.entries(JSON.parse(readFileSync(join(ROOT, 'worker/openapi.json'), 'utf8')).paths).flatMap(
    ([path, item]) =>
      Object.keys(/** @type {object} */ (item))
        .filter((m) => ['get', 'put', 'post', 'patch', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path.replace(/\{\w+\}/g, '{}')}`),
  );
  const tested = matrix.map(
    ([method, path]) =>
      `${method} ${path
        .replace(/^\/api/, '')
        .replace(/[A-Za-z0-9_-]{22}/g, '{}')
        .replace(/\/\d+(?=\/|$)/g, '/{}')}`,
  );
  assert.deepEqual([...new Set(tested)].sort(), [...new Set(documented)].sort(), 'the matrix covers every operation');

  const outcomes = [];
  let tries = 0;
  for (const [method, path, allowed, extra, tried = PRINCIPALS] of matrix) {
    tries += tried.length;
    const order = [...tried.filter((p) => !allowed.includes(p)), ...allowed];
    for (const who of order) {
      const res = await call(`${BASE}${path}`, {
        method,
        headers: { ...headers[who], ...(who === 'staffA' ? extra : {}), 'content-length': '0' },
      });
      const code = res.body?.error?.code ?? '';
      const refused = res.status === 401 || res.status === 403 || (res.status === 404 && code === 'not_found');
      assert.ok(res.status < 500, `${method} ${path} as ${who}: ${res.status}`);
      outcomes.push(`${method} ${path} as ${who}: ${res.status} ${code}`);
      assert.equal(
        !refused,
        allowed.includes(who),
        `${method} ${path} as ${who}: ${res.status} ${code} ${allowed.includes(who) ? 'should pass' : 'should be refused'}`,
      );
    }
  }
  assert.equal(outcomes.length, tries);

  // A disabled account's own share cannot be uploaded to either, though it holds the token.
  const dPart = await call(`${BASE}/api/shares/${ownShareOfD.id}/files/0/parts/1`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ownShareOfD.owner}`, 'content-length': '0' },
  });
  assert.deepEqual([dPart.status, dPart.body.error.code], [403, 'account_disabled']);
});

test("staff B and admins see nothing of staff A's requests, inbox or shares", async () => {
  const a = await newStaff('staff', 'Owner A');
  const b = await newStaff('staff', 'Other B');
  const boss = await admin();
  const share = await uploadShare(BASE, await sealShare([{ name: 'private-a.txt', data: randomBytes(50) }]), {
    staff: a,
  });
  const request = await createRequest(a);
  await sendFiles(request, [{ name: 'private-file.txt', data: randomBytes(50) }]);
  for (const who of [b, boss]) {
    const requests = await call(`${BASE}/api/requests`, { headers: as(who) });
    assert.ok(!requests.body.requests.some((/** @type {any} */ x) => x.id === request.id));
    const shares = await call(`${BASE}/api/shares`, { headers: as(who) });
    assert.ok(!shares.body.shares.some((/** @type {any} */ x) => x.id === share.id));
    assert.equal((await call(`${BASE}/api/requests/${request.id}`, { headers: as(who) })).status, 404);
  }
  const everyone = await call(`${BASE}/api/admin/shares`, { headers: as(boss) });
  const listed = everyone.body.shares.find((/** @type {any} */ x) => x.id === share.id);
  assert.equal(listed.owner_email, a.email, 'admins see every share, to revoke any');
  assert.equal((await call(`${BASE}/api/shares/${share.id}/owner`, { headers: as(b) })).status, 404);
});

test('ids chosen to collide: a request cannot take an account id or a share id, and activity stays with its owner', async () => {
  const a = await newStaff('staff', 'Owner A');
  const b = await newStaff('staff', 'Intruder B');
  const share = await sealShare([{ name: 'mine.txt', data: randomBytes(500) }]);
  const { id: shareId } = await uploadShare(BASE, share, { staff: a });
  const proof = await call(`${BASE}/api/shares/${shareId}/proof`, {
    method: 'POST',
    headers: { authorization: `Sealdrop-Key ${sd.b64Encode(share.authKey)}` },
  });
  assert.equal(proof.status, 200);
  for (const taken of [a.accountId, shareId]) {
    await assert.rejects(createRequest(b, { id: taken }), /409.*id_taken/);
  }
  assert.equal(Number(d1(`SELECT COUNT(*) AS n FROM requests WHERE id IN ('${a.accountId}', '${shareId}')`)[0].n), 0);
  // Even colliding requests written straight into the database (as rows from before this rule
  // might be) show B nothing of A's: owners' activity matches the kind of object as well as its id.
  for (const taken of [a.accountId, shareId]) {
    d1(`INSERT INTO requests (id, owner_account, label, message, public_key, upload_token_hash, wrapped_rs,
          max_files, max_bytes, created_at, expires_at)
        VALUES ('${taken}', '${b.accountId}', 'planted', '', 'x', 'x', 'x', 1, 1, 0, ${Date.now() + 3600_000})`);
  }
  const seen = await call(`${BASE}/api/activity?limit=200`, { headers: as(b) });
  assert.equal(seen.status, 200);
  const leaked = seen.body.events.filter((/** @type {{ object: string }} */ e) =>
    [a.accountId, shareId].includes(e.object),
  );
  assert.deepEqual(leaked, [], "none of A's events");
  d1(`DELETE FROM requests WHERE id IN ('${a.accountId}', '${shareId}')`);
  const mine = await call(`${BASE}/api/activity?limit=200`, { headers: as(a) });
  const actions = mine.body.events.map((/** @type {{ action: string }} */ e) => e.action);
  assert.ok(actions.includes('download.granted') && actions.includes('share.created'), actions.join());
});
