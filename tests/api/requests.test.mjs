// File requests against the real local stack: creating them, partners sending files sealed to
// the staff key within the limits, the inbox opening them through the stanza, files planted
// without the request secret caught, and bad input refused without writing anything.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { call, hex, sd } from '../support/client.mjs';
import { BASE, d1, setClock, refusedWith, count } from '../support/env.mjs';
import { admin, as, asJson, newStaff } from '../support/accounts.mjs';
import { createRequest, newFileBody, openInbox, sealForRequest, sendFiles, uploadAuth } from '../support/requests.mjs';

const MiB = 1024 * 1024;
const DAY = 24 * 3600 * 1000;
after(() => setClock(null));

test('creating a request checks every field and writes nothing when refused', async () => {
  const staff = await newStaff();
  const { body } = await createRequest(staff);
  const before = count('requests');
  const create = (/** @type {Record<string, unknown>} */ change) =>
    call(`${BASE}/api/requests`, {
      method: 'POST',
      headers: asJson(staff),
      body: JSON.stringify({ ...body, id: sd.b64Encode(randomBytes(16)), ...change }),
    });
  refusedWith(await create({ id: body.id }), 409, 'id_taken');
  refusedWith(await create({ id: 'short' }), 400, 'bad_id');
  refusedWith(await create({ label: '' }), 400, 'bad_label');
  refusedWith(await create({ label: 'x'.repeat(101) }), 400, 'bad_label');
  refusedWith(await create({ message: 'x'.repeat(2001) }), 400, 'bad_message');
  refusedWith(await create({ expires_at: Date.now() - 1 }), 400, 'bad_expiry');
  refusedWith(await create({ expires_at: Date.now() + 40 * DAY }), 400, 'bad_expiry');
  refusedWith(await create({ max_files: 0 }), 400, 'bad_max_files');
  refusedWith(await create({ max_files: 1001 }), 400, 'bad_max_files');
  refusedWith(await create({ max_bytes: 0 }), 400, 'bad_max_bytes');
  refusedWith(await create({ public_key: sd.b64Encode(randomBytes(32)) }), 409, 'key_mismatch');
  refusedWith(await create({ public_key: 'AAAA' }), 400, 'bad_public_key');
  refusedWith(await create({ upload_token_hash: sd.b64Encode(randomBytes(31)) }), 400, 'bad_upload_token_hash');
  refusedWith(await create({ wrapped_rs: sd.b64Encode(randomBytes(20)) }), 400, 'bad_wrapped_key');
  refusedWith(await create({ extra: true }), 400, 'bad_json');
  const noCsrf = await call(`${BASE}/api/requests`, {
    method: 'POST',
    headers: { cookie: staff.cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, id: sd.b64Encode(randomBytes(16)) }),
  });
  refusedWith(noCsrf, 403, 'csrf_required');
  assert.equal(count('requests'), before);
  const stored = d1(`SELECT upload_token_hash, wrapped_rs FROM requests WHERE id = '${body.id}'`)[0];
  assert.match(String(stored.upload_token_hash), /^[0-9a-f]{64}$/, 'the upload token only as a hash');
});

test('a partner sends files; the inbox opens them byte for byte, unread until read', async () => {
  const staff = await newStaff('staff', 'Dana Receiver');
  const request = await createRequest(staff, { message: 'Your tax forms, please.' });
  const intake = await call(`${BASE}/api/requests/${request.id}/intake`, { headers: uploadAuth(request) });
  assert.equal(intake.status, 200);
  assert.deepEqual(intake.body.from, { name: 'Dana Receiver', email: staff.email });
  assert.equal(intake.body.message, 'Your tax forms, please.');
  assert.deepEqual([intake.body.state, intake.body.files_left], ['open', 20]);
  assert.ok(!('label' in intake.body) && !('wrapped_rs' in intake.body), 'nothing the partner needs not know');

  const files = [
    { name: 'empty.bin', data: new Uint8Array(0) },
    { name: 'one.bin', data: randomBytes(1) },
    { name: 'five-mib-and-one.bin', data: randomBytes(5 * MiB + 1) },
  ];
  const sent = await sendFiles(request, files);
  const inbox = await openInbox(staff, request.id);
  assert.equal(inbox.files.length, 3);
  assert.deepEqual([inbox.request.files, inbox.request.unread], [3, 3]);
  for (const file of sent) {
    const opened = inbox.files.find((f) => f.id === file.id);
    assert.ok(opened && !opened.planted);
    assert.equal(opened.name, file.name);
    assert.ok(Buffer.from(opened.data).equals(Buffer.from(file.data)), file.name);
    assert.equal(opened.contentId, file.contentId);
    assert.equal(opened.claimed, file.contentId);
  }
  const big = sent[2];
  const ranged = await call(`${BASE}/api/requests/${request.id}/files/${big.id}/payload`, {
    headers: as(staff, { range: 'bytes=10-19' }),
  });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.body.length, 10);
  const read = await call(`${BASE}/api/requests/${request.id}/files/${big.id}/read`, {
    method: 'POST',
    headers: as(staff),
  });
  assert.equal(read.status, 200);
  const list = await call(`${BASE}/api/requests`, { headers: as(staff) });
  const summary = list.body.requests.find((/** @type {any} */ r) => r.id === request.id);
  assert.deepEqual([summary.files, summary.unread, summary.bytes], [3, 2, 5 * MiB + 2]);

  // What D1 and R2 hold names nothing and opens nothing: sizes, sealed blobs, hashes.
  const row = d1(`SELECT * FROM request_files WHERE id = '${big.id}'`)[0];
  assert.equal(row.object_key, `requests/${request.id}/${big.id}`);
  assert.equal(sd.b64Decode(String(row.stanza)).length, 80);
});

test('limits: files, bytes and expiry are enforced at once; aborting frees room; parts are stored once', async () => {
  const staff = await newStaff();
  const request = await createRequest(staff, { maxFiles: 2, maxBytes: 6 * MiB });
  const create = async (/** @type {number} */ size, options = {}) => {
    const sealed = await sealForRequest(request, { name: `f${size}`, data: randomBytes(size) }, options);
    const res = await call(`${BASE}/api/requests/${request.id}/uploads`, {
      method: 'POST',
      headers: { ...uploadAuth(request), 'content-type': 'application/json' },
      body: JSON.stringify(newFileBody(sealed)),
    });
    return { res, sealed };
  };
  const tooBig = await create(6 * MiB + 1);
  refusedWith(tooBig.res, 409, 'request_full');
  assert.match(tooBig.res.body.error.message, /6291456 bytes of room/);
  const first = await create(5 * MiB + 10);
  assert.equal(first.res.status, 201);
  const part = first.sealed.payload.subarray(0, first.res.body.part_size);
  const put = () =>
    call(`${BASE}/api/requests/${request.id}/uploads/${first.res.body.id}/parts/1`, {
      method: 'PUT',
      headers: { ...uploadAuth(request), 'sealdrop-part-blake3': hex(sd.blake3(part)) },
      body: part,
    });
  assert.equal((await put()).status, 200);
  refusedWith(await put(), 409, 'part_exists');
  const second = await create(100);
  assert.equal(second.res.status, 201);
  const third = await create(100);
  refusedWith(third.res, 409, 'request_full');
  assert.match(third.res.body.error.message, /takes 2 files/);
  const abort = await call(`${BASE}/api/requests/${request.id}/uploads/${first.res.body.id}`, {
    method: 'DELETE',
    headers: uploadAuth(request),
  });
  assert.equal(abort.status, 200);
  assert.equal(
    d1(`SELECT count(*) AS n FROM upload_parts WHERE object_key LIKE 'requests/${request.id}/%'`)[0].n,
    0,
    'the aborted file leaves no part records',
  );
  assert.equal((await create(100)).res.status, 201, 'aborting made room');

  setClock(request.body.expires_at);
  refusedWith((await create(100)).res, 410, 'request_expired');
  const intake = await call(`${BASE}/api/requests/${request.id}/intake`, { headers: uploadAuth(request) });
  assert.equal(intake.body.state, 'expired');
  setClock(null);
});

test('partners hold only the upload token: wrong or missing tokens, and everything but sending, are refused', async () => {
  const staff = await newStaff();
  const request = await createRequest(staff);
  const [sent] = await sendFiles(request, [{ name: 'partner.txt', data: randomBytes(100) }]);
  const path = `${BASE}/api/requests/${request.id}`;
  refusedWith(await call(`${path}/intake`), 401, 'upload_token_required');
  refusedWith(
    await call(`${path}/intake`, { headers: { authorization: `Sealdrop-Upload ${sd.b64Encode(randomBytes(32))}` } }),
    403,
    'wrong_upload_token',
  );
  refusedWith(await call(`${path}/intake`, { headers: { authorization: 'Sealdrop-Upload x' } }), 400, 'bad_credential');
  refusedWith(
    await call(`${BASE}/api/requests/${sd.b64Encode(randomBytes(16))}/intake`, { headers: uploadAuth(request) }),
    404,
    'not_found',
  );
  for (const [method, url] of [
    ['GET', `${BASE}/api/requests`],
    ['GET', path],
    ['GET', `${path}/files/${sent.id}/payload`],
    ['DELETE', `${path}/files/${sent.id}`],
    ['DELETE', path],
  ]) {
    refusedWith(await call(url, { method, headers: uploadAuth(request) }), 401, 'sign_in_required');
  }
  refusedWith(
    await call(`${path}/uploads/${sent.id}`, { method: 'DELETE', headers: uploadAuth(request) }),
    409,
    'file_complete',
  );
  const bad = (/** @type {Record<string, unknown>} */ change) =>
    call(`${path}/uploads`, {
      method: 'POST',
      headers: { ...uploadAuth(request), 'content-type': 'application/json' },
      body: JSON.stringify({
        header: 'AAAA',
        metadata: 'AAAA',
        stanza: 'AAAA',
        payload_size: 1,
        chunks_per_part: 80,
        ...change,
      }),
    });
  const before = count('request_files');
  const sealed = newFileBody(await sealForRequest(request, { name: 'x', data: randomBytes(10) }));
  refusedWith(await bad({}), 400, 'bad_header');
  refusedWith(await bad({ ...sealed, metadata: 'AAAA' }), 400, 'bad_metadata');
  refusedWith(await bad({ ...sealed, stanza: sd.b64Encode(randomBytes(79)) }), 400, 'bad_stanza');
  refusedWith(await bad({ ...sealed, payload_size: 3 }), 400, 'bad_payload_size');
  refusedWith(await bad({ ...sealed, chunks_per_part: 1 }), 400, 'bad_part_layout');
  refusedWith(await bad({ ...sealed, payload_size: 11 * 1024 * MiB }), 413, 'file_too_large');
  refusedWith(await bad({ ...sealed, extra: 1 }), 400, 'bad_json');
  assert.equal(count('request_files'), before, 'nothing half-written');
});

test('a file planted without the request secret, through the API or the database, fails to open', async () => {
  const staff = await newStaff();
  const request = await createRequest(staff);
  const [genuine] = await sendFiles(request, [{ name: 'genuine.txt', data: randomBytes(500) }]);
  // Someone holding the upload token but not the link's secret (the server sees the token).
  const [viaApi] = await sendFiles(request, [{ name: 'planted.txt', data: randomBytes(500) }], { plant: true });
  // Someone writing into the database directly.
  const copy = d1(`SELECT * FROM request_files WHERE id = '${genuine.id}'`)[0];
  const plantedId = sd.b64Encode(randomBytes(16));
  d1(
    `INSERT INTO request_files (id, request_id, header, metadata, stanza, plaintext_size, payload_size, chunks_per_part,
       part_size, part_count, object_key, upload_id, content_id, created_at, completed_at)
     VALUES ('${plantedId}', '${request.id}', '${copy.header}', '${copy.metadata}', '${sd.b64Encode(randomBytes(80))}',
       ${copy.plaintext_size}, ${copy.payload_size}, ${copy.chunks_per_part}, ${copy.part_size}, ${copy.part_count},
       'requests/${request.id}/${plantedId}', NULL, '${'0'.repeat(64)}', ${Date.now()}, ${Date.now()})`,
  );
  const inbox = await openInbox(staff, request.id);
  const byId = new Map(inbox.files.map((f) => [f.id, f]));
  assert.equal(byId.get(genuine.id)?.planted, false);
  assert.equal(byId.get(viaApi.id)?.planted, true, 'sealed with another request secret');
  assert.equal(byId.get(plantedId)?.planted, true, 'written into D1');
  const deleted = await call(`${BASE}/api/requests/${request.id}/files/${plantedId}`, {
    method: 'DELETE',
    headers: as(staff),
  });
  assert.equal(deleted.status, 200);
});

test('deleting a file or a request removes its records and its stored objects', async () => {
  const staff = await newStaff();
  const request = await createRequest(staff);
  const sent = await sendFiles(request, [
    { name: 'a.txt', data: randomBytes(100) },
    { name: 'b.txt', data: randomBytes(100) },
  ]);
  const one = await call(`${BASE}/api/requests/${request.id}/files/${sent[0].id}`, {
    method: 'DELETE',
    headers: as(staff),
  });
  assert.equal(one.status, 200);
  refusedWith(
    await call(`${BASE}/api/requests/${request.id}/files/${sent[0].id}/payload`, { headers: as(staff) }),
    404,
    'no_such_file',
  );
  const all = await call(`${BASE}/api/requests/${request.id}`, { method: 'DELETE', headers: as(staff) });
  assert.equal(all.status, 200);
  refusedWith(await call(`${BASE}/api/requests/${request.id}`, { headers: as(staff) }), 404, 'not_found');
  refusedWith(
    await call(`${BASE}/api/requests/${request.id}/intake`, { headers: uploadAuth(request) }),
    404,
    'not_found',
  );
  assert.equal(d1(`SELECT count(*) AS n FROM request_files WHERE request_id = '${request.id}'`)[0].n, 0);
  assert.equal(d1(`SELECT count(*) AS n FROM upload_parts WHERE object_key LIKE 'requests/${request.id}/%'`)[0].n, 0);
});

test("a disabled staff member's requests take nothing more", async () => {
  const staff = await newStaff();
  const request = await createRequest(staff);
  const boss = await admin();
  const off = await call(`${BASE}/api/accounts/${staff.accountId}`, {
    method: 'PATCH',
    headers: asJson(boss),
    body: JSON.stringify({ disabled: true }),
  });
  assert.equal(off.status, 200);
  refusedWith(
    await call(`${BASE}/api/requests/${request.id}/intake`, { headers: uploadAuth(request) }),
    404,
    'not_found',
  );
  const sealed = newFileBody(await sealForRequest(request, { name: 'too-late.txt', data: randomBytes(10) }));
  const upload = await call(`${BASE}/api/requests/${request.id}/uploads`, {
    method: 'POST',
    headers: { ...uploadAuth(request), 'content-type': 'application/json' },
    body: JSON.stringify(sealed),
  });
  refusedWith(upload, 404, 'not_found');
});

test('a staff download of a received file is logged once, however many ranges it takes', async () => {
  setClock(null);
  const staff = await newStaff('staff', 'Downloads Received');
  const request = await createRequest(staff);
  const [sent] = await sendFiles(request, [{ name: 'logged.bin', data: randomBytes(3000) }]);
  const path = `${BASE}/api/requests/${request.id}/files/${sent.id}/payload`;
  const downloads = () =>
    d1(
      `SELECT actor, object, json_extract(event, '$.detail.file') AS file, json_extract(event, '$.bytes') AS bytes
         FROM audit_events WHERE action = 'request.file.downloaded' AND object = '${request.id}'`,
    );
  const whole = await call(path, { headers: as(staff) });
  assert.equal(whole.status, 200);
  const size = whole.body.length;
  const first = await call(path, { headers: { ...as(staff), range: 'bytes=0-99' } });
  assert.equal(first.status, 206);
  const rest = await call(path, { headers: { ...as(staff), range: `bytes=100-${size - 1}` } });
  assert.equal(rest.status, 206);
  const refused = await call(path, { headers: { ...as(staff), range: `bytes=${size}-` } });
  assert.equal(refused.status, 416);
  assert.deepEqual(downloads(), [
    { actor: `staff:${staff.accountId}`, object: request.id, file: sent.id, bytes: size },
    { actor: `staff:${staff.accountId}`, object: request.id, file: sent.id, bytes: size },
  ]);
});
