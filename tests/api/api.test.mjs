// The share API against the real local stack: a full round trip, then bad input on every
// endpoint, each refused with its documented status and code and leaving the state consistent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { sd, hex, call, sealShare, createBody, uploadShare, downloadShare } from '../support/client.mjs';
import { BASE, d1, rememberShare, remember } from '../support/env.mjs';
import { admin, asJson } from '../support/accounts.mjs';

/** A file name that nothing else on disk could contain by chance. */
const uniqueName = (/** @type {string} */ stem) => `${stem}-${randomBytes(6).toString('hex')}.bin`;

const MiB = 1024 * 1024;
// Share creation needs a signed-in person; the owner-token calls ignore the session.
const json = asJson(await admin());

/**
 * Calls the API and checks the refusal: status, code, and a sentence for people.
 * @param {string} path
 * @param {import('../support/client.mjs').Init} init
 * @param {number} status
 * @param {string} code
 */
async function refused(path, init, status, code) {
  const res = await call(`${BASE}${path}`, init);
  assert.equal(res.status, status, `${init.method ?? 'GET'} ${path}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error?.code, code, `${path}: ${JSON.stringify(res.body)}`);
  assert.ok(res.body.error.message.length > 10, 'the refusal says what happened');
  return res;
}

const countShares = () => Number(d1('SELECT count(*) AS n FROM shares')[0].n);

test('a share round-trips through the API, byte for byte', async () => {
  const files = [
    { name: uniqueName('empty'), data: new Uint8Array(0) },
    { name: uniqueName('one'), data: randomBytes(1) },
    { name: uniqueName('five-plus'), data: randomBytes(5 * MiB + 1) },
  ];
  const share = await sealShare(files);
  rememberShare(share, files, sd.b64Encode);
  const { id, owner } = await uploadShare(BASE, share);
  remember('owner token', owner);
  remember('control: the share id, which D1 keeps', id, true);
  remember('control: a stored ciphertext sample, which R2 keeps', share.files[2].payload.subarray(1000, 1032), true);
  const down = await downloadShare(BASE, id, share.ls);
  remember('ticket', down.ticket);
  assert.equal(down.files.length, 3);
  for (const [j, file] of files.entries()) {
    assert.equal(down.files[j].name, file.name);
    assert.deepEqual(Buffer.from(down.files[j].data), Buffer.from(file.data));
    assert.equal(down.files[j].contentId, share.files[j].contentId);
  }
  const parts = down.contents.files[2].parts;
  assert.deepEqual(
    parts.map((/** @type {{n: number, size: number}} */ p) => [p.n, p.size]),
    [
      [1, 5243040],
      [2, 17],
    ],
  );
  assert.equal(parts[0].blake3, hex(sd.blake3(share.files[2].payload.subarray(0, 5243040))));
});

test('creating a share refuses bad bodies and writes nothing', async () => {
  const share = await sealShare([{ name: 'x', data: randomBytes(10) }]);
  const good = createBody(share);
  const before = countShares();
  /** @param {unknown} body @param {number} status @param {string} code */
  const post = (body, status, code) =>
    refused(
      '/api/shares',
      { method: 'POST', headers: json, body: typeof body === 'string' ? body : JSON.stringify(body) },
      status,
      code,
    );
  const file = good.files[0];
  const badMagic = sd.b64Encode(new Uint8Array([0x58, ...sd.b64Decode(file.header).subarray(1)]));
  await post('not json', 400, 'bad_json');
  await post({ ...good, files: 'many' }, 400, 'bad_json');
  await post({ ...good, files: [{ ...file, payload_size: '26' }] }, 400, 'bad_json');
  await post({ ...good, extra: 1 }, 400, 'bad_json');
  await post({ ...good, files: [] }, 400, 'bad_file_count');
  await post({ ...good, files: Array(101).fill(file) }, 400, 'bad_file_count');
  await post({ ...good, files: [{ ...file, header: badMagic }] }, 400, 'bad_header');
  await post({ ...good, files: [{ ...file, header: file.header.slice(0, 40) }] }, 400, 'bad_header');
  await post({ ...good, files: [{ ...file, metadata: sd.b64Encode(randomBytes(100)) }] }, 400, 'bad_metadata');
  await post({ ...good, files: [{ ...file, payload_size: 15 }] }, 400, 'bad_payload_size');
  await post({ ...good, files: [{ ...file, payload_size: 524288 + 16 + 5 }] }, 400, 'bad_payload_size');
  await post({ ...good, files: [{ ...file, chunks_per_part: 1 }] }, 400, 'bad_part_layout');
  await post({ ...good, files: [{ ...file, chunks_per_part: 20000 }] }, 400, 'bad_part_layout');
  await post({ ...good, files: [{ ...file, payload_size: 11 * 1024 * MiB }] }, 413, 'file_too_large');
  await post({ ...good, auth_key_hash: sd.b64Encode(randomBytes(31)) }, 400, 'bad_auth_key_hash');
  await post({ ...good, password: { salt: 'AAAA', m_kib: 65536, t: 3, p: 1 } }, 400, 'bad_password_params');
  await post(
    { ...good, password: { salt: sd.b64Encode(randomBytes(16)), m_kib: 8, t: 1, p: 1 } },
    400,
    'bad_password_params',
  );
  await refused('/api/shares', { method: 'POST', headers: json, body: 'x'.repeat(2 * MiB) }, 413, 'body_too_large');
  // Without a Content-Length (chunked), the cap runs along the stream.
  const chunks = Array.from({ length: 40 }, () => new TextEncoder().encode('x'.repeat(64 * 1024)));
  const chunked = new ReadableStream({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
  await refused('/api/shares', { method: 'POST', headers: json, body: chunked, duplex: 'half' }, 413, 'body_too_large');
  assert.equal(countShares(), before, 'no refused request left a share behind');
});

test('uploading parts refuses bad input and keeps the parts table right', async () => {
  const share = await sealShare([{ name: 'p', data: randomBytes(5 * MiB + 1) }]);
  const { id, owner } = await uploadShare(BASE, share, { complete: false });
  const payload = share.files[0].payload;
  const part1 = payload.subarray(0, 5243040);
  const part2 = payload.subarray(5243040);
  const auth = { authorization: `Bearer ${owner}` };
  /** @param {Uint8Array} bytes @param {Record<string, string>} [extra] headers to add or replace */
  const put = (bytes, extra = {}) => ({
    method: 'PUT',
    headers: { ...auth, 'sealdrop-part-blake3': hex(sd.blake3(bytes)), ...extra },
    body: bytes,
  });
  const path = (n = '1', j = '0') => `/api/shares/${id}/files/${j}/parts/${n}`;

  const stream = new ReadableStream({
    start(c) {
      c.enqueue(part2);
      c.close();
    },
  });
  await refused(path('2'), { ...put(part2), body: stream, duplex: 'half' }, 411, 'length_required');
  await refused(path('1'), put(part1.subarray(0, 100)), 400, 'wrong_part_size');
  await refused(path('1'), put(payload.subarray(0, 5243041)), 413, 'part_too_large');
  await refused(path('2'), put(part1.subarray(0, 16)), 400, 'wrong_part_size');
  await refused(path('0'), put(part1), 400, 'part_out_of_range');
  await refused(path('3'), put(part2), 400, 'part_out_of_range');
  await refused(path('10001'), put(part2), 400, 'part_out_of_range');
  await refused(path('x'), put(part2), 400, 'bad_part_number');
  await refused(path('01'), put(part2), 400, 'bad_part_number');
  await refused(path('1', '7'), put(part1), 404, 'no_such_file');
  await refused(
    path('2'),
    { ...put(part2), headers: { 'sealdrop-part-blake3': hex(sd.blake3(part2)) } },
    401,
    'owner_token_required',
  );
  await refused(
    path('2'),
    put(part2, { authorization: `Bearer ${sd.b64Encode(randomBytes(32))}` }),
    403,
    'wrong_owner_token',
  );
  await refused(path('2'), put(part2, { authorization: 'Bearer nope' }), 400, 'bad_credential');
  await refused(path('2'), put(part2, { 'sealdrop-part-blake3': 'ABCD' }), 400, 'bad_part_hash');
  await refused(
    path('2'),
    put(part2, { 'sealdrop-part-blake3': hex(sd.blake3(part2)).toUpperCase() }),
    400,
    'bad_part_hash',
  );
  const completeFile = (/** @type {string} */ content_id) => ({
    method: 'POST',
    headers: { ...auth, ...json },
    body: JSON.stringify({ content_id }),
  });
  const contentId = share.files[0].contentId;
  await refused(`/api/shares/${id}/files/0/complete`, completeFile(contentId), 409, 'parts_missing');

  assert.equal((await call(`${BASE}${path('1')}`, put(part1))).status, 200);
  await refused(path('1'), put(part1), 409, 'part_exists');
  await refused(`/api/shares/${id}/files/0/complete`, completeFile(contentId), 409, 'parts_missing');
  await refused(
    `/api/shares/${id}/proof`,
    { method: 'POST', headers: { authorization: `Sealdrop-Key ${sd.b64Encode(share.authKey)}` } },
    409,
    'not_ready',
  );
  const manifest = {
    method: 'POST',
    headers: { ...auth, ...json },
    body: JSON.stringify({ manifest: sd.b64Encode(randomBytes(284)) }),
  };
  await refused(`/api/shares/${id}/complete`, manifest, 409, 'files_incomplete');
  assert.equal((await call(`${BASE}${path('2')}`, put(part2))).status, 200);
  await refused(`/api/shares/${id}/files/0/complete`, completeFile(contentId.toUpperCase()), 400, 'bad_content_id');
  await refused(`/api/shares/${id}/files/0/complete`, completeFile('abc'), 400, 'bad_content_id');
  assert.equal((await call(`${BASE}/api/shares/${id}/files/0/complete`, completeFile(contentId))).status, 200);
  assert.equal(
    (await call(`${BASE}/api/shares/${id}/files/0/complete`, completeFile(contentId))).status,
    200,
    'completing is idempotent',
  );
  await refused(`/api/shares/${id}/files/0/complete`, completeFile('0'.repeat(64)), 409, 'file_complete');
  await refused(path('2'), put(part2), 409, 'file_complete');
  const rows = d1(
    `SELECT n, size, etag IS NOT NULL AS stored FROM upload_parts WHERE object_key = 'shares/${id}/0' ORDER BY n`,
  );
  assert.deepEqual(rows, [
    { n: 1, size: 5243040, stored: 1 },
    { n: 2, size: 17, stored: 1 },
  ]);
});

test('ids, routes and methods are checked', async () => {
  await refused(`/api/shares/${sd.b64Encode(randomBytes(16))}`, {}, 404, 'not_found');
  await refused(`/api/shares/${'A'.repeat(23)}`, {}, 400, 'bad_id');
  await refused(`/api/shares/${'A'.repeat(2000)}`, {}, 400, 'bad_id');
  await refused(`/api/shares/AAAAAAAAAAAAAAAAAAAAA+`, {}, 400, 'bad_id');
  await refused(`/api/shares/AAAAAAAAAAAAAAAAAAAAAB`, {}, 400, 'bad_id');
  await refused('/api/nothing-here', {}, 404, 'no_route');
  const res = await refused(
    `/api/shares/${sd.b64Encode(randomBytes(16))}`,
    { method: 'DELETE' },
    405,
    'method_not_allowed',
  );
  assert.equal(res.headers.get('allow'), 'GET');
});

test('without a proof only the state is served; a wrong key is refused and counts nothing', async () => {
  const share = await sealShare([{ name: 'q', data: randomBytes(1000) }]);
  const { id } = await uploadShare(BASE, share);
  const state = await call(`${BASE}/api/shares/${id}`);
  assert.equal(state.status, 200);
  assert.deepEqual(state.body, { id, state: 'active', password: null });
  await refused(`/api/shares/${id}/contents`, {}, 401, 'ticket_required');
  await refused(`/api/shares/${id}/files/0/payload`, {}, 401, 'ticket_required');
  const bogus = { authorization: `Sealdrop-Ticket ${sd.b64Encode(randomBytes(32))}` };
  await refused(`/api/shares/${id}/contents`, { headers: bogus }, 403, 'bad_ticket');
  await refused(`/api/shares/${id}/files/0/payload`, { headers: bogus }, 403, 'bad_ticket');
  const prove = (/** @type {string} */ value) => ({ method: 'POST', headers: { authorization: value } });
  await refused(`/api/shares/${id}/proof`, { method: 'POST' }, 401, 'key_required');
  await refused(`/api/shares/${id}/proof`, prove('Sealdrop-Key short'), 400, 'bad_credential');
  for (let i = 0; i < 3; i++) {
    await refused(`/api/shares/${id}/proof`, prove(`Sealdrop-Key ${sd.b64Encode(randomBytes(32))}`), 403, 'wrong_key');
  }
  assert.equal(d1(`SELECT downloads FROM shares WHERE id = '${id}'`)[0].downloads, 0);
  assert.equal(d1(`SELECT count(*) AS n FROM tickets WHERE share_id = '${id}'`)[0].n, 0);
  const down = await downloadShare(BASE, id, share.ls);
  assert.equal(d1(`SELECT downloads FROM shares WHERE id = '${id}'`)[0].downloads, 1);

  const ticket = { authorization: `Sealdrop-Ticket ${down.ticket}` };
  const other = await uploadShare(BASE, await sealShare([{ name: 'r', data: randomBytes(5) }]));
  await refused(`/api/shares/${other.id}/contents`, { headers: ticket }, 403, 'bad_ticket');
  const size = share.files[0].payload.length;
  const past = await refused(
    `/api/shares/${id}/files/0/payload`,
    { headers: { ...ticket, range: `bytes=${size}-` } },
    416,
    'range_not_satisfiable',
  );
  assert.equal(past.headers.get('content-range'), `bytes */${size}`);
  await refused(
    `/api/shares/${id}/files/0/payload`,
    { headers: { ...ticket, range: 'bytes=0-1,4-5' } },
    400,
    'bad_range',
  );
  await refused(`/api/shares/${id}/files/1/payload`, { headers: ticket }, 404, 'no_such_file');
  const part = await call(`${BASE}/api/shares/${id}/files/0/payload`, { headers: { ...ticket, range: 'bytes=10-19' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 10-19/${size}`);
  assert.deepEqual(Buffer.from(part.body), Buffer.from(share.files[0].payload.subarray(10, 20)));
});

test('aborting a share removes it and refuses a second abort', async () => {
  const share = await sealShare([{ name: 's', data: randomBytes(5 * MiB + 1) }]);
  const { id, owner } = await uploadShare(BASE, share, { complete: false });
  const part = share.files[0].payload.subarray(0, 5243040);
  const auth = { authorization: `Bearer ${owner}` };
  const put = await call(`${BASE}/api/shares/${id}/files/0/parts/1`, {
    method: 'PUT',
    headers: { ...auth, 'sealdrop-part-blake3': hex(sd.blake3(part)) },
    body: part,
  });
  assert.equal(put.status, 200);
  await refused(`/api/shares/${id}/abort`, { method: 'POST' }, 401, 'owner_token_required');
  assert.equal((await call(`${BASE}/api/shares/${id}/abort`, { method: 'POST', headers: auth })).status, 200);
  await refused(`/api/shares/${id}`, {}, 404, 'not_found');
  await refused(`/api/shares/${id}/abort`, { method: 'POST', headers: auth }, 404, 'not_found');
  assert.equal(d1(`SELECT count(*) AS n FROM upload_parts WHERE object_key LIKE 'shares/${id}/%'`)[0].n, 0);
  const done = await uploadShare(BASE, await sealShare([{ name: 't', data: randomBytes(3) }]));
  await refused(
    `/api/shares/${done.id}/abort`,
    { method: 'POST', headers: { authorization: `Bearer ${done.owner}` } },
    409,
    'not_uploading',
  );
});

test('a part cut off mid-body is not stored and can be sent again', async () => {
  const share = await sealShare([{ name: uniqueName('cut'), data: randomBytes(5 * MiB + 1) }]);
  const { id, owner } = await uploadShare(BASE, share, { complete: false });
  const part = share.files[0].payload.subarray(0, 5243040);
  const hash = hex(sd.blake3(part));
  const path = `/api/shares/${id}/files/0/parts/1`;
  // A raw request that announces the whole part, sends 1 MiB of it and hangs up.
  await new Promise((resolve) => {
    const url = new URL(BASE);
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(
        `PUT ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${owner}\r\n` +
          `Sealdrop-Part-Blake3: ${hash}\r\nContent-Length: ${part.length}\r\n\r\n`,
      );
      socket.write(part.subarray(0, MiB), () => setTimeout(() => socket.destroy(), 300));
    });
    socket.on('close', resolve).on('error', resolve);
  });
  // The worker notices the cut body when R2 refuses it, and gives up its claim on the part.
  let status = 0;
  for (let i = 0; i < 20 && status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const put = await call(`${BASE}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${owner}`, 'sealdrop-part-blake3': hash },
      body: part,
    });
    status = put.status;
    assert.ok([200, 409].includes(status), `${status} ${JSON.stringify(put.body)}`);
    if (status === 409) assert.equal(put.body.error.code, 'part_in_progress');
  }
  assert.equal(status, 200, 'the whole part was accepted after the cut one');
  const rows = d1(
    `SELECT n, size, etag IS NOT NULL AS stored FROM upload_parts WHERE object_key LIKE 'shares/${id}/%'`,
  );
  assert.deepEqual(rows, [{ n: 1, size: 5243040, stored: 1 }]);
});
