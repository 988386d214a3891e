// The scheduled purge on a stack of its own (so that its R2 state holds only this test's
// objects): with active, expired, exhausted and revoked shares and an upload abandoned half
// way, one run leaves exactly the active shares' bytes in the local R2 state; a second run
// changes nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startStack } from '../support/stack.mjs';
import { d1, setClock, filesUnder } from '../support/env.mjs';
import { sd, call, hex, sealShare, uploadShare, downloadShare } from '../support/client.mjs';
import { admin, as } from '../support/accounts.mjs';
import { createRequest, newFileBody, sealForRequest, uploadAuth } from '../support/requests.mjs';

const MiB = 1024 * 1024;
const HOUR = 3600 * 1000;
const T0 = Date.UTC(2030, 5, 1);
const stack = await startStack({
  port: 8795,
  stateDir: join(ROOT, '.wrangler/test-purge/state'),
  logFile: join(ROOT, '.wrangler/test-purge/wrangler.log'),
});
after(() => stack.stop());
const BASE = stack.url;
const STATE = stack.stateDir;
const sha = (/** @type {Uint8Array} */ b) => createHash('sha256').update(b).digest('hex');

/** The SHA-256 of every blob file in the stack's local R2 state. */
const storedBlobs = () =>
  new Set(
    filesUnder(join(STATE, 'v3/r2'))
      .filter((f) => f.includes('/blobs/'))
      .map((f) => sha(readFileSync(f))),
  );

/** The SHA-256 of every upload part of a sealed share. */
function partHashes(/** @type {Awaited<ReturnType<typeof sealShare>>} */ share) {
  return share.files.flatMap((f) => {
    const out = [];
    for (let at = 0; at < f.payload.length; at += f.layout.partSize)
      out.push(sha(f.payload.subarray(at, at + f.layout.partSize)));
    return out;
  });
}

const purge = async () => {
  const res = await fetch(`${BASE}/__scheduled?cron=${encodeURIComponent('*/10 * * * *')}`);
  assert.equal(res.status, 200, await res.text());
};
const states = () => d1('SELECT id, state, ended_as, purged_at FROM shares ORDER BY id', STATE);

test('one purge leaves exactly the active shares in R2, and a second changes nothing', async () => {
  const where = { base: BASE, stateDir: STATE };
  await admin(where); // made through the setup link at the real time, which that link needs
  setClock(T0, STATE);
  const staff = await admin(where); // signed in at the test clock's time
  const data = () => [{ name: 'x', data: randomBytes(5 * MiB + 100) }];
  const make = async (/** @type {Parameters<typeof sealShare>[1]} */ options) => {
    const share = await sealShare(data(), { expiresAt: T0 + 30 * 24 * HOUR, ...options });
    return { share, ...(await uploadShare(BASE, share, { staff })) };
  };
  const active = await make({ maxDownloads: null });
  const unused = await make({ maxDownloads: 1 });
  const expired = await make({ expiresAt: T0 + HOUR });
  const exhausted = await make({ maxDownloads: 1 });
  const revoked = await make({});
  await downloadShare(BASE, exhausted.id, exhausted.share.ls);
  const revoke = await call(`${BASE}/api/shares/${revoked.id}/revoke`, {
    method: 'POST',
    headers: as(revoked.staff),
  });
  assert.equal(revoke.status, 200);
  // An upload abandoned after its first part: a multipart upload R2 holds open.
  const abandoned = await sealShare(data(), { expiresAt: T0 + 24 * HOUR });
  const open = await uploadShare(BASE, abandoned, { complete: false, staff });
  const part = abandoned.files[0].payload.subarray(0, abandoned.files[0].layout.partSize);
  const put = await call(`${BASE}/api/shares/${open.id}/files/0/parts/1`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${open.owner}`, 'sealdrop-part-blake3': hex(sd.blake3(part)) },
    body: part,
  });
  assert.equal(put.status, 200);
  // A file a partner began sending into a request and left after its first part.
  const request = await createRequest(staff, { base: BASE, expiresAt: T0 + 7 * 24 * HOUR });
  const left = await sealForRequest(request, { name: 'abandoned-request.bin', data: randomBytes(5 * MiB + 100) });
  const started = await call(`${BASE}/api/requests/${request.id}/uploads`, {
    method: 'POST',
    headers: { ...uploadAuth(request), 'content-type': 'application/json' },
    body: JSON.stringify(newFileBody(left)),
  });
  assert.equal(started.status, 201);
  const leftPart = left.payload.subarray(0, started.body.part_size);
  const leftPut = await call(`${BASE}/api/requests/${request.id}/uploads/${started.body.id}/parts/1`, {
    method: 'PUT',
    headers: { ...uploadAuth(request), 'sealdrop-part-blake3': hex(sd.blake3(leftPart)) },
    body: leftPart,
  });
  assert.equal(leftPut.status, 200);

  const activeParts = new Set([...partHashes(active.share), ...partHashes(unused.share)]);
  const everything = storedBlobs();
  for (const s of [expired, exhausted, revoked]) for (const h of partHashes(s.share)) assert.ok(everything.has(h));
  assert.ok(everything.has(sha(part)), 'the abandoned part is stored before the purge');
  assert.ok(everything.has(sha(leftPart)), "the abandoned request file's part too");

  setClock(T0 + 25 * HOUR, STATE);
  await purge();
  assert.deepEqual(storedBlobs(), activeParts, "only the active shares' bytes are left");
  const byId = Object.fromEntries(states().map((r) => [r.id, [r.state, r.ended_as]]));
  assert.deepEqual(byId[active.id], ['active', null]);
  assert.deepEqual(byId[unused.id], ['active', null]);
  assert.deepEqual(byId[expired.id], ['purged', 'expired']);
  assert.deepEqual(byId[exhausted.id], ['purged', 'exhausted']);
  assert.deepEqual(byId[revoked.id], ['purged', 'revoked']);
  assert.deepEqual(byId[open.id], ['purged', 'abandoned']);
  const requestFiles = d1(`SELECT count(*) AS n FROM request_files WHERE request_id = '${request.id}'`, STATE);
  assert.equal(requestFiles[0].n, 0, 'the abandoned request file is gone from D1');
  const gone = await call(`${BASE}/api/shares/${expired.id}/proof`, {
    method: 'POST',
    headers: { authorization: `Sealdrop-Key ${sd.b64Encode(expired.share.authKey)}` },
  });
  assert.deepEqual([gone.status, gone.body.error.code], [410, 'purged']);
  assert.equal((await call(`${BASE}/api/shares/${revoked.id}`)).body.state, 'purged');

  const before = states();
  await purge();
  assert.deepEqual(storedBlobs(), activeParts, 'a second run deletes nothing more');
  assert.deepEqual(states(), before, 'and changes no record');
  const down = await downloadShare(BASE, active.id, active.share.ls);
  assert.equal(down.files[0].data.length, 5 * MiB + 100, 'active shares still download');
});

test('an abandoned upload whose completion races the purge ends active and whole, or purged and refused: 20 rounds', async () => {
  const where = { base: BASE, stateDir: STATE };
  const T1 = Date.UTC(2031, 0, 1);
  /** @type {Record<string, number>} */
  const ends = {};
  for (let round = 0; round < 20; round++) {
    const start = T1 + round * 3 * 24 * HOUR;
    setClock(start, STATE);
    const staff = await admin(where);
    const data = randomBytes(3000 + round);
    const share = await sealShare([{ name: `race-${round}.txt`, data }], { expiresAt: start + 30 * 24 * HOUR });
    const { id, owner } = await uploadShare(BASE, share, { staff, complete: false });
    const auth = { authorization: `Bearer ${owner}` };
    const [file] = share.files;
    const put = await call(`${BASE}/api/shares/${id}/files/0/parts/1`, {
      method: 'PUT',
      headers: { ...auth, 'sealdrop-part-blake3': hex(sd.blake3(file.payload)) },
      body: file.payload,
    });
    assert.equal(put.status, 200);
    setClock(start + 25 * HOUR, STATE);
    const complete = async () => {
      const done = await call(`${BASE}/api/shares/${id}/files/0/complete`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ content_id: file.contentId }),
      });
      if (done.status !== 200) return done;
      const manifest = sd.sealManifest(share.ss, sd.b64Decode(id), {
        files: [{ j: 0, content_id: file.contentId, metadata_hash: hex(sd.blake3(file.metadata)) }],
      });
      return call(`${BASE}/api/shares/${id}/complete`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ manifest: sd.b64Encode(manifest) }),
      });
    };
    // The purge at the same time as the completion, or up to 60 ms after it, by round: early
    // purges win the race, late ones lose it, and the rounds in between meet it mid-way.
    const delay = (round % 5) * 15;
    const [completed] = await Promise.all([complete(), new Promise((r) => setTimeout(r, delay)).then(purge)]);
    const [{ state }] = d1(`SELECT state FROM shares WHERE id = '${id}'`, STATE);
    ends[String(state)] = (ends[String(state)] ?? 0) + 1;
    if (state === 'active') {
      assert.equal(completed.status, 200, `round ${round}: active, so its completion succeeded`);
      const down = await downloadShare(BASE, id, share.ls);
      assert.ok(Buffer.from(down.files[0].data).equals(data), `round ${round}: every object is readable`);
    } else {
      assert.equal(state, 'purged', `round ${round}: ${state}`);
      assert.notEqual(completed.status, 200, `round ${round}: a purged upload's completion is refused`);
      assert.ok([409, 410, 503].includes(completed.status), `round ${round}: ${JSON.stringify(completed.body)}`);
      const again = await complete();
      assert.notEqual(again.status, 200, `round ${round}: and stays refused`);
    }
  }
  console.log(`  purge races: ${JSON.stringify(ends)}`);
  setClock(null, STATE);
});
