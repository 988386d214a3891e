// A Node client of the share API that uses the real format (the browser module, software AES
// backend), for API tests and the benchmark: seal, upload, prove, download, open.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, droppedByDevProxy } from './stack.mjs';
import * as sd from '../../web/pkg/sealdrop_wasm.js';

sd.initSync({ module: readFileSync(join(ROOT, 'web/pkg/sealdrop_wasm_bg.wasm')) });
export { sd };

/** @param {Uint8Array} bytes */
export const hex = (bytes) => Buffer.from(bytes).toString('hex');

/**
 * A fetch init whose body may be any byte view, or a stream sent without a length.
 * @typedef {Omit<RequestInit, 'body'> & { body?: string | Uint8Array | ReadableStream | null, duplex?: 'half' }} Init
 */

/**
 * fetch that returns status, headers and the parsed JSON (or bytes).
 * @param {string} url
 * @param {Init} [init]
 * @returns {Promise<{ status: number, headers: Headers, body: any }>}
 */
export async function call(url, init = {}) {
  /** @type {Response} */
  let response;
  try {
    response = await fetch(url, /** @type {RequestInit} */ (init));
  } catch (err) {
    // workerd closes idle keep-alive connections after 5 s; a request sent on one that it is
    // closing at that moment fails before it is read (wrangler logs no such request). Once more
    // on a fresh connection, unless the body was a stream that is now spent.
    const cause = /** @type {{ cause?: { code?: string } }} */ (err).cause;
    if (cause?.code !== 'UND_ERR_SOCKET' || init.body instanceof ReadableStream) throw err;
    response = await fetch(url, /** @type {RequestInit} */ (init));
  }
  const type = response.headers.get('content-type') ?? '';
  const body = /^application\/json(;|$)/.test(type)
    ? await response.json()
    : new Uint8Array(await response.arrayBuffer());
  if (droppedByDevProxy(response.status, body) && !(init.body instanceof ReadableStream)) {
    return call(url, init);
  }
  return { status: response.status, headers: response.headers, body };
}

/** @param {Uint8Array[]} pieces */
function concat(pieces) {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The format's default (and minimum) Argon2id parameters, as the pages take them from the core. */
export const ARGON2 = sd.argon2Defaults();

/**
 * Seals one file with its file secret as every client does: header, sealed metadata, payload,
 * content id and upload layout.
 * @param {Uint8Array} fs
 * @param {{ name: string, data: Uint8Array }} file
 */
export async function sealFile(fs, file) {
  const log2 = sd.defaultLog2Chunk();
  const session = await sd.SealSession.create(fs, log2, 'software');
  const header = session.header();
  const metadata = sd.sealMetadata(fs, header, {
    name: file.name,
    size: file.data.length,
    type: 'application/octet-stream',
    modified: null,
  });
  const pieces = await session.push(file.data);
  const end = await session.finish();
  const payload = concat([...pieces, ...end.ciphertext]);
  const layout = sd.uploadLayout(file.data.length, log2, 0);
  return { header, metadata, payload, contentId: end.contentId, layout };
}

/**
 * Seals files for a share: everything but the upload itself.
 * @param {{ name: string, data: Uint8Array }[]} files
 * @param {{ password?: string, expiresAt?: number, maxDownloads?: number | null }} [options]
 *   expiry defaults to a week from the real clock, the download limit to none
 */
export async function sealShare(files, options = {}) {
  const ls = sd.newSecret();
  const salt = sd.randomBytes(16);
  const ss =
    options.password === undefined
      ? sd.shareSecretFromLink(ls)
      : sd.shareSecretWithPassword(ls, options.password, salt, ARGON2.m_kib, ARGON2.t, ARGON2.p);
  const password = options.password === undefined ? null : { salt: sd.b64Encode(salt), ...ARGON2 };
  const expiresAt = options.expiresAt ?? Date.now() + 7 * 24 * 3600 * 1000;
  const maxDownloads = options.maxDownloads === undefined ? null : options.maxDownloads;
  const authKey = sd.shareAuthKey(ss);
  const sealed = [];
  for (const [j, file] of files.entries()) sealed.push({ j, ...(await sealFile(sd.shareFileSecret(ss, j), file)) });
  return { ls, ss, authKey, files: sealed, password, expiresAt, maxDownloads };
}

/** The body of POST /api/shares for a sealed share. */
export function createBody(/** @type {Awaited<ReturnType<typeof sealShare>>} */ share) {
  return {
    auth_key_hash: sd.b64Encode(sd.blake3(share.authKey)),
    password: share.password,
    expires_at: share.expiresAt,
    max_downloads: share.maxDownloads,
    files: share.files.map((f) => ({
      header: sd.b64Encode(f.header),
      metadata: sd.b64Encode(f.metadata),
      payload_size: f.payload.length,
      chunks_per_part: f.layout.chunksPerPart,
    })),
  };
}

/**
 * Creates and uploads a sealed share as `staff` (by default the stack's first admin); returns its
 * id, owner token and link.
 * @param {string} base
 * @param {Awaited<ReturnType<typeof sealShare>>} share
 * @param {{ complete?: boolean, staff?: import('./accounts.mjs').Staff }} [options]
 */
export async function uploadShare(base, share, { complete = true, staff } = {}) {
  // Imported here, not above: accounts.mjs builds on this module.
  const accounts = await import('./accounts.mjs');
  const owner = staff ?? (await accounts.admin());
  const created = await call(`${base}/api/shares`, {
    method: 'POST',
    headers: accounts.asJson(owner),
    body: JSON.stringify(createBody(share)),
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  const { id, owner_token: token } = created.body;
  const auth = { authorization: `Bearer ${token}` };
  const link = `${base}/d/${id}#${sd.b64Encode(share.ls)}`;
  if (!complete) return { id, owner: token, staff: owner, created: created.body, link };
  for (const file of share.files) {
    const size = file.layout.partSize;
    for (let n = 1; n <= file.layout.partCount; n++) {
      const part = file.payload.subarray((n - 1) * size, n * size);
      const put = await call(`${base}/api/shares/${id}/files/${file.j}/parts/${n}`, {
        method: 'PUT',
        headers: { ...auth, 'sealdrop-part-blake3': hex(sd.blake3(part)) },
        body: part,
      });
      if (put.status !== 200) throw new Error(`part ${n}: ${put.status} ${JSON.stringify(put.body)}`);
    }
    const done = await call(`${base}/api/shares/${id}/files/${file.j}/complete`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ content_id: file.contentId }),
    });
    if (done.status !== 200) throw new Error(`complete ${file.j}: ${done.status} ${JSON.stringify(done.body)}`);
  }
  const manifest = sd.sealManifest(share.ss, sd.b64Decode(id), {
    files: share.files.map((f) => ({
      j: f.j,
      content_id: f.contentId,
      metadata_hash: hex(sd.blake3(f.metadata)),
    })),
  });
  const finished = await call(`${base}/api/shares/${id}/complete`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ manifest: sd.b64Encode(manifest) }),
  });
  if (finished.status !== 200) throw new Error(`complete share: ${finished.status}`);
  return { id, owner: token, staff: owner, created: created.body, link };
}

/**
 * Proves key possession, then downloads and opens every file through the manifest, and sends
 * the download receipt of each.
 * @param {string} base
 * @param {string} id
 * @param {Uint8Array} ls
 */
export async function downloadShare(base, id, ls) {
  const ss = sd.shareSecretFromLink(ls);
  const proof = await call(`${base}/api/shares/${id}/proof`, {
    method: 'POST',
    headers: { authorization: `Sealdrop-Key ${sd.b64Encode(sd.shareAuthKey(ss))}` },
  });
  if (proof.status !== 200) throw new Error(`proof: ${proof.status} ${JSON.stringify(proof.body)}`);
  const ticket = { authorization: `Sealdrop-Ticket ${proof.body.ticket}` };
  const contents = await call(`${base}/api/shares/${id}/contents`, { headers: ticket });
  const manifest = sd.openManifest(ss, sd.b64Decode(id), sd.b64Decode(contents.body.manifest));
  const out = [];
  for (const file of contents.body.files) {
    const fs = sd.shareFileSecret(ss, file.j);
    const header = sd.b64Decode(file.header);
    const metadataBlob = sd.b64Decode(file.metadata);
    const metadata = sd.openMetadata(fs, header, metadataBlob);
    const payload = await call(`${base}/api/shares/${id}/files/${file.j}/payload`, { headers: ticket });
    const session = await sd.OpenSession.create(fs, header, 'software');
    const pieces = await session.push(payload.body);
    const end = await session.finish();
    sd.checkManifestEntry(manifest, file.j, end.contentId, metadataBlob);
    // The receipt, as the download page sends it: the access log shows what arrived.
    const receipt = await call(`${base}/api/shares/${id}/files/${file.j}/receipt`, {
      method: 'POST',
      headers: { ...ticket, 'content-type': 'application/json' },
      body: JSON.stringify({ content_id: end.contentId }),
    });
    if (receipt.status !== 200 || receipt.body.matched !== true) {
      throw new Error(`receipt: ${receipt.status} ${JSON.stringify(receipt.body)}`);
    }
    out.push({ name: metadata.name, data: concat([...pieces, ...end.plaintext]), contentId: end.contentId });
  }
  return { ticket: proof.body.ticket, files: out, contents: contents.body };
}
