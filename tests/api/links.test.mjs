// Expiring links against the real local stack, driven by the stack's test clock (never
// sleeps): every state and transition, the download count under a 50-way race, passwords and
// the limits on failed proofs, revocation, and a download resumed with the same ticket.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sd, call, sealShare, createBody, uploadShare } from '../support/client.mjs';
import { BASE, d1, setClock, callFrom, rememberShare } from '../support/env.mjs';
import { admin, as, asJson } from '../support/accounts.mjs';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2030, 0, 1);
after(() => setClock(null));

/** @param {string} id @param {Uint8Array} authKey @param {string} [source] */
const prove = (id, authKey, source = '127.0.0.1') =>
  callFrom(source, `${BASE}/api/shares/${id}/proof`, {
    method: 'POST',
    headers: { authorization: `Sealdrop-Key ${sd.b64Encode(authKey)}` },
  });
const stateOf = async (/** @type {string} */ id) => (await call(`${BASE}/api/shares/${id}`)).body.state;
const ticketGet = (/** @type {string} */ id, /** @type {string} */ ticket) =>
  call(`${BASE}/api/shares/${id}/contents`, { headers: { authorization: `Sealdrop-Ticket ${ticket}` } });
/** The owner's action, signed in afresh: the test clock may have ended any earlier session. */
const owner = async (/** @type {string} */ id, /** @type {string} */ action) =>
  call(`${BASE}/api/shares/${id}/${action}`, { method: 'POST', headers: as(await admin()) });
const ownerView = async (/** @type {string} */ id) =>
  call(`${BASE}/api/shares/${id}/owner`, { headers: as(await admin()) });

/** A small share made at the test clock's `now`. */
async function made(/** @type {number} */ now, /** @type {Parameters<typeof sealShare>[1]} */ options) {
  const data = randomBytes(2000);
  const name = `link-${randomBytes(6).toString('hex')}.txt`;
  const share = await sealShare([{ name, data }], { expiresAt: now + DAY, ...options });
  rememberShare(share, [{ name, data }], sd.b64Encode);
  return { share, ...(await uploadShare(BASE, share)) };
}

test('bad expiries and limits are refused and write nothing', async () => {
  setClock(T0);
  const share = await sealShare([{ name: 'b', data: randomBytes(10) }], { expiresAt: T0 + DAY });
  const good = createBody(share);
  const headers = asJson(await admin());
  const before = Number(d1('SELECT count(*) AS n FROM shares')[0].n);
  /** @param {Record<string, unknown>} change @param {string} code */
  const refused = async (change, code) => {
    /** @type {Record<string, unknown>} */
    const body = { ...good, ...change };
    for (const key of Object.keys(change)) if (change[key] === undefined) delete body[key];
    const res = await call(`${BASE}/api/shares`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, code, JSON.stringify(res.body));
  };
  await refused({ expires_at: T0 - 1 }, 'bad_expiry');
  await refused({ expires_at: T0 }, 'bad_expiry');
  await refused({ expires_at: T0 + 30 * DAY + 5 * 60 * 1000 + 1 }, 'bad_expiry');
  await refused({ expires_at: -5 }, 'bad_expiry');
  await refused({ expires_at: undefined }, 'bad_json');
  await refused({ max_downloads: 0 }, 'bad_download_limit');
  await refused({ max_downloads: 1001 }, 'bad_download_limit');
  await refused({ max_downloads: -1 }, 'bad_download_limit');
  await refused({ max_downloads: undefined }, 'bad_download_limit');
  await refused({ max_downloads: 1.5 }, 'bad_json');
  await refused({ max_downloads: '3' }, 'bad_json');
  assert.equal(Number(d1('SELECT count(*) AS n FROM shares')[0].n), before);
  const ok = await call(`${BASE}/api/shares`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ ...good, expires_at: T0 + 30 * DAY + 5 * 60 * 1000, max_downloads: 1000 }),
  });
  assert.equal(ok.status, 201, 'the cap itself is allowed, with five minutes for clocks that run ahead');
});

test('a download limit is counted at the proof; the share is exhausted once the last ticket expires', async () => {
  setClock(T0);
  const { id, share } = await made(T0, { maxDownloads: 2 });
  const first = await prove(id, share.authKey);
  assert.equal(first.status, 200);
  assert.deepEqual(
    { expires_at: first.body.expires_at, max_downloads: first.body.max_downloads, used: first.body.downloads_used },
    { expires_at: T0 + DAY, max_downloads: 2, used: 1 },
  );
  const second = await prove(id, share.authKey);
  assert.equal(second.body.downloads_used, 2);
  const third = await prove(id, share.authKey);
  assert.equal(third.status, 410);
  assert.equal(third.body.error.code, 'exhausted');
  assert.equal(await stateOf(id), 'exhausted', 'a visitor is told at once');
  assert.equal(Number(d1(`SELECT count(*) AS n FROM tickets WHERE share_id = '${id}'`)[0].n), 2);
  setClock(T0 + 30 * 60 * 1000);
  assert.equal((await ticketGet(id, second.body.ticket)).status, 200, 'the ticket works while in use');
  setClock(T0 + 30 * 60 * 1000 + HOUR - 1);
  assert.equal((await ticketGet(id, second.body.ticket)).status, 200, 'an hour after its last use');
  setClock(T0 + 30 * 60 * 1000 + 2 * HOUR);
  assert.equal(await stateOf(id), 'exhausted');
  const stale = await ticketGet(id, second.body.ticket);
  assert.equal(stale.status, 410);
  assert.equal(stale.body.error.code, 'exhausted');
  const view = await ownerView(id);
  assert.deepEqual([view.body.state, view.body.downloads, view.body.max_downloads], ['exhausted', 2, 2]);
  assert.equal(Number(d1(`SELECT downloads FROM shares WHERE id = '${id}'`)[0].downloads), 2);
});

test('a share expires at its time: proofs and tickets get 410 expired', async () => {
  setClock(T0);
  const { id, share } = await made(T0, { expiresAt: T0 + HOUR, maxDownloads: null });
  setClock(T0 + HOUR - 1);
  const granted = await prove(id, share.authKey);
  assert.equal(granted.status, 200);
  assert.equal(granted.body.max_downloads, null);
  assert.equal((await ticketGet(id, granted.body.ticket)).status, 200);
  setClock(T0 + HOUR);
  assert.equal(await stateOf(id), 'expired');
  for (const res of [await prove(id, share.authKey), await ticketGet(id, granted.body.ticket)]) {
    assert.equal(res.status, 410);
    assert.equal(res.body.error.code, 'expired');
  }
  const revoke = await owner(id, 'revoke');
  assert.deepEqual([revoke.status, revoke.body.error.code], [409, 'not_active'], 'nothing to revoke');
});

test('revocation stops proofs and tickets at once; revoking twice is refused', async () => {
  setClock(T0);
  const { id, share } = await made(T0, { maxDownloads: 5 });
  const granted = await prove(id, share.authKey);
  const path = `${BASE}/api/shares/${id}/revoke`;
  assert.equal((await call(path, { method: 'POST' })).status, 401, 'anonymous');
  const { cookie } = await admin();
  const noCsrf = await call(path, { method: 'POST', headers: { cookie } });
  assert.deepEqual([noCsrf.status, noCsrf.body.error.code], [403, 'csrf_required']);
  assert.equal(await stateOf(id), 'active', 'refused revocations change nothing');
  const revoked = await owner(id, 'revoke');
  assert.deepEqual([revoked.status, revoked.body.state], [200, 'revoked']);
  assert.equal(await stateOf(id), 'revoked');
  for (const res of [await prove(id, share.authKey), await ticketGet(id, granted.body.ticket)]) {
    assert.deepEqual([res.status, res.body.error.code], [410, 'revoked']);
  }
  const twice = await owner(id, 'revoke');
  assert.deepEqual([twice.status, twice.body.error.code], [409, 'already_revoked']);
  assert.equal(await stateOf(id), 'revoked');
  assert.equal((await call(`${BASE}/api/shares/${sd.b64Encode(randomBytes(16))}`)).status, 404);
});

test('50 concurrent proofs for the last download get exactly one ticket, five times over', async () => {
  setClock(null);
  for (let round = 0; round < 5; round++) {
    const { id, share } = await made(Date.now(), { maxDownloads: 1 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => prove(id, share.authKey, `127.0.1.${i + 1}`)),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 200).length, 1, `round ${round}: ${statuses.join(',')}`);
    assert.ok(
      results.every((r) => r.status === 200 || (r.status === 410 && r.body.error.code === 'exhausted')),
      `round ${round}: every other proof is 410 exhausted`,
    );
    assert.equal(Number(d1(`SELECT downloads FROM shares WHERE id = '${id}'`)[0].downloads), 1);
    assert.equal(Number(d1(`SELECT count(*) AS n FROM tickets WHERE share_id = '${id}'`)[0].n), 1);
  }
});

test('a download cut at half resumes with Range under the same ticket, counted once', async () => {
  setClock(null);
  const data = randomBytes(3 * 1024 * 1024);
  const share = await sealShare([{ name: `resume-${randomBytes(4).toString('hex')}.bin`, data }], { maxDownloads: 1 });
  const { id } = await uploadShare(BASE, share);
  const granted = await prove(id, share.authKey);
  const ticket = { authorization: `Sealdrop-Ticket ${granted.body.ticket}` };
  const payload = share.files[0].payload;
  const half = Math.floor(payload.length / 2);
  const url = `${BASE}/api/shares/${id}/files/0/payload`;
  const first = await call(url, { headers: { ...ticket, range: `bytes=0-${half - 1}` } });
  const rest = await call(url, { headers: { ...ticket, range: `bytes=${half}-` } });
  assert.deepEqual([first.status, rest.status], [206, 206]);
  const joined = Buffer.concat([Buffer.from(first.body), Buffer.from(rest.body)]);
  assert.ok(joined.equals(Buffer.from(payload)), 'the two halves are the stored payload');
  assert.equal(Number(d1(`SELECT downloads FROM shares WHERE id = '${id}'`)[0].downloads), 1);
  assert.equal((await prove(id, share.authKey)).status, 410, 'the one download was used');
});

test('passwords: right, wrong with tries left, rate-limited, locked, unlocked; the link alone opens nothing', async () => {
  setClock(T0);
  const data = randomBytes(1000);
  const name = `pw-${randomBytes(4).toString('hex')}.txt`;
  const share = await sealShare([{ name, data }], { password: 'correct horse', expiresAt: T0 + 20 * DAY });
  rememberShare(share, [{ name, data }], sd.b64Encode);
  const { id } = await uploadShare(BASE, share);
  const state = await call(`${BASE}/api/shares/${id}`);
  assert.deepEqual(state.body.password, share.password, 'the salt and parameters are served');

  const params = share.password ?? { salt: '', m_kib: 0, t: 0, p: 0 };
  const salt = sd.b64Decode(params.salt);
  const keyFor = (/** @type {string} */ pw) =>
    sd.shareAuthKey(sd.shareSecretWithPassword(share.ls, pw, salt, params.m_kib, params.t, params.p));
  const linkOnly = sd.shareSecretFromLink(share.ls);
  assert.throws(() => sd.openManifest(linkOnly, sd.b64Decode(id), new Uint8Array(284)));

  const source = '127.0.2.1';
  const wrong = await prove(id, keyFor('wrong horse'), source);
  assert.deepEqual([wrong.status, wrong.body.error.code], [403, 'wrong_key']);
  assert.match(wrong.body.error.message, /^Wrong password or damaged link\. 9 tries left\.$/);
  const noPassword = await prove(id, sd.shareAuthKey(linkOnly), source);
  assert.match(noPassword.body.error.message, /8 tries left/, 'the link without the password is a wrong key');
  for (let i = 0; i < 8; i++) await prove(id, keyFor(`guess ${i}`), source);
  const limited = await prove(id, keyFor('correct horse'), source);
  assert.deepEqual([limited.status, limited.body.error.code], [429, 'too_many_attempts']);
  assert.ok(Number(limited.headers['retry-after']) > 3000, 'Retry-After is most of an hour');
  assert.equal(Number(d1(`SELECT downloads FROM shares WHERE id = '${id}'`)[0].downloads), 0);

  setClock(T0 + HOUR + 1000);
  const right = await prove(id, keyFor('correct horse'), source);
  assert.equal(right.status, 200, JSON.stringify(right.body));

  // 100 failures from at least 10 addresses lock the share until its owner unlocks it (10 an hour
  // per address: ten addresses over ten hours). One address alone never locks it (api/bursts.test.mjs).
  for (let hour = 1; hour <= 9; hour++) {
    setClock(T0 + (hour + 1) * (HOUR + 1000));
    for (let i = 0; i < 10; i++) await prove(id, keyFor(`guess ${hour}-${i}`), `127.0.3.${hour}`);
  }
  setClock(T0 + 11 * (HOUR + 1000));
  const locked = await prove(id, keyFor('correct horse'), '127.0.3.100');
  assert.deepEqual([locked.status, locked.body.error.code], [423, 'locked']);
  const view = await ownerView(id);
  assert.equal(view.body.locked, true);
  assert.equal((await owner(id, 'unlock')).status, 200);
  assert.equal((await prove(id, keyFor('correct horse'), '127.0.3.100')).status, 200);
});

test('failed proofs are limited per client address as well, across shares', async () => {
  setClock(T0);
  const shares = await Promise.all([1, 2, 3, 4].map(() => made(T0, {})));
  const source = '127.0.4.1';
  let failures = 0;
  for (const { id } of shares) {
    for (let i = 0; i < 9 && failures < 30; i++, failures++) {
      const res = await prove(id, randomBytes(32), source);
      assert.equal(res.status, 403, `failure ${failures}`);
    }
  }
  const { id, share } = shares[3];
  const limited = await prove(id, share.authKey, source);
  assert.deepEqual([limited.status, limited.body.error.code], [429, 'too_many_attempts']);
  assert.equal((await prove(id, share.authKey, '127.0.4.2')).status, 200, 'another address is not limited');
});
