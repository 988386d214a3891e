// File requests for the tests, made and used as the inbox and the partner's page do
// (format-v1.md, File requests): the request secret drawn and wrapped in the staff member's
// client, files sealed to the staff key with a fresh file secret each, opened through the stanza.
import { as, asJson } from './accounts.mjs';
import { call, hex, sd, sealFile } from './client.mjs';
import { BASE, remember } from './env.mjs';

const DAY = 24 * 3600 * 1000;

/**
 * A request link as the partner holds it.
 * @typedef {{ id: string, pk: Uint8Array, rs: Uint8Array, token: string, link: string }} RequestLink
 */

/**
 * Creates a request as `staff`; returns its link parts and the server's answer.
 * @param {import('./accounts.mjs').Staff} staff
 * @param {{ label?: string, message?: string, maxFiles?: number, maxBytes?: number, expiresAt?: number,
 *   base?: string, id?: string }} [options] base: a stack other than the suite's; id: one chosen (by default a new random one)
 */
export async function createRequest(staff, options = {}) {
  const id = options.id ?? sd.b64Encode(sd.randomBytes(16));
  const rs = sd.newSecret();
  const pk = sd.publicKey(staff.secretKey);
  const body = {
    id,
    label: options.label ?? 'Quarterly figures',
    message: options.message ?? 'Please send the signed contract.',
    expires_at: options.expiresAt ?? Date.now() + 7 * DAY,
    max_files: options.maxFiles ?? 20,
    max_bytes: options.maxBytes ?? 1024 * 1024 * 1024,
    public_key: sd.b64Encode(pk),
    upload_token_hash: sd.b64Encode(sd.blake3(sd.requestUploadToken(rs))),
    wrapped_rs: sd.b64Encode(sd.wrapRequestSecret(staff.accountKey, sd.b64Decode(id), rs)),
  };
  const base = options.base ?? BASE;
  const res = await call(`${base}/api/requests`, {
    method: 'POST',
    headers: asJson(staff),
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`create request: ${res.status} ${JSON.stringify(res.body)}`);
  remember('a request secret', rs);
  remember('a request secret (base64url)', sd.b64Encode(rs));
  const token = sd.b64Encode(sd.requestUploadToken(rs));
  remember('an upload token', token);
  /** @type {RequestLink} */
  const link = { id, pk, rs, token, link: `${base}/r/${id}#${sd.b64Encode(pk)}.${sd.b64Encode(rs)}` };
  return { ...link, body, summary: res.body.request };
}

/** @param {RequestLink} request */
export const uploadAuth = (request) => ({ authorization: `Sealdrop-Upload ${request.token}` });

/**
 * Seals one file to the request as the partner's page does. `plant` seals the stanza with a
 * request secret other than the link's: what someone holding only the upload token could do.
 * @param {RequestLink} request
 * @param {{ name: string, data: Uint8Array }} file
 * @param {{ plant?: boolean }} [options]
 */
export async function sealForRequest(request, file, { plant = false } = {}) {
  const fs = sd.newSecret();
  const sealed = await sealFile(fs, file);
  const rs = plant ? sd.newSecret() : request.rs;
  const stanza = sd.sealStanza(request.pk, sd.b64Decode(request.id), rs, sealed.header, fs);
  remember('a file secret', fs);
  remember('a file secret (base64url)', sd.b64Encode(fs));
  // Short names and plaintexts would match by chance; the scan looks for the longer ones.
  if (Buffer.byteLength(file.name) >= 8) remember('a file name', file.name);
  if (file.data.length >= 64) remember('a plaintext sample', file.data.subarray(file.data.length - 32));
  return { fs, stanza, ...sealed };
}

/**
 * Sends files into a request through the partner API; returns each file's id and content id.
 * @param {RequestLink} request
 * @param {{ name: string, data: Uint8Array }[]} files
 * @param {{ plant?: boolean }} [options]
 */
export async function sendFiles(request, files, options = {}) {
  const out = [];
  for (const file of files) {
    const sealed = await sealForRequest(request, file, options);
    const created = await call(`${BASE}/api/requests/${request.id}/uploads`, {
      method: 'POST',
      headers: { ...uploadAuth(request), 'content-type': 'application/json' },
      body: JSON.stringify(newFileBody(sealed)),
    });
    if (created.status !== 201) throw new Error(`upload: ${created.status} ${JSON.stringify(created.body)}`);
    const fileId = created.body.id;
    const size = created.body.part_size;
    for (let n = 1; n <= created.body.part_count; n++) {
      const part = sealed.payload.subarray((n - 1) * size, n * size);
      const put = await call(`${BASE}/api/requests/${request.id}/uploads/${fileId}/parts/${n}`, {
        method: 'PUT',
        headers: { ...uploadAuth(request), 'sealdrop-part-blake3': hex(sd.blake3(part)) },
        body: part,
      });
      if (put.status !== 200) throw new Error(`part ${n}: ${put.status} ${JSON.stringify(put.body)}`);
    }
    const done = await call(`${BASE}/api/requests/${request.id}/uploads/${fileId}/complete`, {
      method: 'POST',
      headers: { ...uploadAuth(request), 'content-type': 'application/json' },
      body: JSON.stringify({ content_id: sealed.contentId }),
    });
    if (done.status !== 200) throw new Error(`complete: ${done.status} ${JSON.stringify(done.body)}`);
    out.push({ id: fileId, contentId: sealed.contentId, name: file.name, data: file.data });
  }
  return out;
}

/** The body of POST /api/requests/{id}/uploads for a sealed file. */
export function newFileBody(/** @type {Awaited<ReturnType<typeof sealForRequest>>} */ sealed) {
  return {
    header: sd.b64Encode(sealed.header),
    metadata: sd.b64Encode(sealed.metadata),
    stanza: sd.b64Encode(sealed.stanza),
    payload_size: sealed.payload.length,
    chunks_per_part: sealed.layout.chunksPerPart,
  };
}

/**
 * Opens every received file of a request as the inbox does; a file whose stanza does not open
 * comes back as `{ planted: true }`.
 * @param {import('./accounts.mjs').Staff} staff
 * @param {string} id
 * @param {{ base?: string }} [options] base: a stack other than the suite's
 */
export async function openInbox(staff, id, { base = BASE } = {}) {
  const detail = await call(`${base}/api/requests/${id}`, { headers: as(staff) });
  if (detail.status !== 200) throw new Error(`inbox: ${detail.status} ${JSON.stringify(detail.body)}`);
  const idBytes = sd.b64Decode(id);
  const rs = sd.unwrapRequestSecret(staff.accountKey, idBytes, sd.b64Decode(detail.body.request.wrapped_rs));
  const files = [];
  for (const file of detail.body.files) {
    const header = sd.b64Decode(file.header);
    let fs;
    try {
      fs = sd.openStanza(staff.secretKey, idBytes, rs, header, sd.b64Decode(file.stanza));
    } catch {
      files.push({ id: file.id, planted: true });
      continue;
    }
    const metadata = sd.openMetadata(fs, header, sd.b64Decode(file.metadata));
    const payload = await call(`${base}/api/requests/${id}/files/${file.id}/payload`, { headers: as(staff) });
    const session = await sd.OpenSession.create(fs, header, 'software');
    const pieces = await session.push(payload.body);
    const end = await session.finish();
    files.push({
      id: file.id,
      planted: false,
      name: metadata.name,
      data: new Uint8Array(Buffer.concat([...pieces, ...end.plaintext])),
      contentId: end.contentId,
      claimed: file.content_id,
      readAt: file.read_at,
    });
  }
  return { request: detail.body.request, files };
}
