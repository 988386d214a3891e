// @ts-check
/**
 * RFC 8188 "aes128gcm" content encoding on WebCrypto, written from the RFC.
 *
 * It is a benchmark contender: a standard, simple chunked AEAD format that
 * sealdrop's own format is measured against. Works in browsers (window or
 * worker) and in Node >= 20 (globalThis.crypto.subtle).
 *
 * Layout (RFC 8188 §2.1):  salt(16) || rs(u32be) || idlen(1) || keyid(idlen) || records
 * Each record (§2):        AES-128-GCM(plaintext || delimiter || 0x00*) with
 *                          delimiter 0x01, or 0x02 for the last record.
 * Keys (§2.2, §2.3):       HKDF-SHA-256(salt, IKM) with info
 *                          "Content-Encoding: aes128gcm\0" -> CEK (16 bytes),
 *                          "Content-Encoding: nonce\0"     -> nonce base (12 bytes);
 *                          record nonce = base XOR seq (seq as a 96-bit big-endian int).
 */

const subtle = globalThis.crypto.subtle;
const TAG_BYTES = 16;
const HEADER_FIXED = 21; // salt(16) + rs(4) + idlen(1)
const DELIM_RECORD = 0x01;
const DELIM_LAST = 0x02;

/** rs such that every record carries exactly 64 KiB of content: 64 KiB + delimiter + tag. */
export const RS_64K_CONTENT = 65536 + 1 + TAG_BYTES;

const encoder = new TextEncoder();
const CEK_INFO = encoder.encode('Content-Encoding: aes128gcm\0');
const NONCE_INFO = encoder.encode('Content-Encoding: nonce\0');

/**
 * HKDF-SHA-256 via WebCrypto. The info strings are shorter than one hash block,
 * so HKDF-Expand is exactly the single HMAC the RFC spells out.
 * @param {Uint8Array<ArrayBuffer>} ikm
 * @param {Uint8Array<ArrayBuffer>} salt
 * @returns {Promise<{ cek: CryptoKey, nonceBase: Uint8Array<ArrayBuffer> }>}
 */
async function deriveKeys(ikm, salt) {
  const ikmKey = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveKey', 'deriveBits']);
  const cek = await subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt, info: CEK_INFO },
    ikmKey,
    { name: 'AES-GCM', length: 128 },
    false,
    ['encrypt', 'decrypt'],
  );
  const nonceBits = await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info: NONCE_INFO }, ikmKey, 96);
  return { cek, nonceBase: new Uint8Array(nonceBits) };
}

/**
 * nonce = base XOR seq, seq big-endian in the low bytes. 48 bits of seq are far
 * more records than any file can have, so the top 6 bytes are left alone.
 * @param {Uint8Array<ArrayBuffer>} base
 * @param {number} seq
 */
function recordNonce(base, seq) {
  const nonce = base.slice();
  for (let i = 11, s = seq; i >= 6 && s > 0; i--, s = Math.floor(s / 256)) nonce[i] ^= s & 0xff;
  return nonce;
}

/**
 * Streaming encoder. push() accepts input of any size; records are emitted
 * only once it is known that more content follows, so the final record
 * (delimiter 0x02) is produced by finish(). Exactly one record is in flight.
 * This encoder never adds padding: each record is content || delimiter.
 */
export class Aes128GcmEncoder {
  /** @type {CryptoKey} */ #cek;
  /** @type {Uint8Array<ArrayBuffer>} */ #nonceBase;
  /** @type {Uint8Array<ArrayBuffer>} */ #header;
  /** content || delimiter of the record being filled; reused, because subtle.encrypt copies its input */
  /** @type {Uint8Array<ArrayBuffer>} */ #pending;
  #fill = 0;
  #seq = 0;
  #finished = false;

  /**
   * @param {CryptoKey} cek
   * @param {Uint8Array<ArrayBuffer>} nonceBase
   * @param {Uint8Array<ArrayBuffer>} header
   * @param {number} rs
   */
  constructor(cek, nonceBase, header, rs) {
    this.#cek = cek;
    this.#nonceBase = nonceBase;
    this.#header = header;
    this.#pending = new Uint8Array(rs - TAG_BYTES);
  }

  /**
   * @param {{ ikm: Uint8Array<ArrayBuffer>, salt?: Uint8Array<ArrayBuffer>, rs?: number, keyId?: Uint8Array }} opts
   *   ikm: 16 bytes of key material; salt: 16 bytes, random if omitted;
   *   rs: record size including tag (>= 18); keyId: <= 255 bytes.
   */
  static async create({ ikm, salt, rs = RS_64K_CONTENT, keyId = new Uint8Array(0) }) {
    salt ??= globalThis.crypto.getRandomValues(new Uint8Array(16));
    if (salt.length !== 16) throw new RangeError('aes128gcm: salt must be 16 bytes');
    if (!Number.isInteger(rs) || rs < TAG_BYTES + 2 || rs > 0xffffffff) throw new RangeError(`aes128gcm: bad rs ${rs}`);
    if (keyId.length > 255) throw new RangeError('aes128gcm: keyid longer than 255 bytes');
    const header = new Uint8Array(HEADER_FIXED + keyId.length);
    header.set(salt, 0);
    new DataView(header.buffer).setUint32(16, rs, false);
    header[20] = keyId.length;
    header.set(keyId, HEADER_FIXED);
    const { cek, nonceBase } = await deriveKeys(ikm, salt);
    return new Aes128GcmEncoder(cek, nonceBase, header, rs);
  }

  /** salt || rs || idlen || keyid: the first bytes of the encoded body. */
  header() {
    return this.#header;
  }

  /**
   * @param {Uint8Array} data plaintext; copied, so the caller may reuse it at once
   * @returns {Promise<Uint8Array<ArrayBuffer>[]>} records completed by this push (in order)
   */
  async push(data) {
    if (this.#finished) throw new Error('aes128gcm: push after finish');
    const content = this.#pending.length - 1;
    /** @type {Uint8Array<ArrayBuffer>[]} */
    const out = [];
    for (let off = 0; off < data.length;) {
      // A full record is sealed only now that more content is known to follow.
      if (this.#fill === content) {
        out.push(await this.#seal(DELIM_RECORD));
      }
      const n = Math.min(content - this.#fill, data.length - off);
      this.#pending.set(data.subarray(off, off + n), this.#fill);
      this.#fill += n;
      off += n;
    }
    return out;
  }

  /** @returns {Promise<Uint8Array<ArrayBuffer>>} the last record (possibly just the delimiter) */
  async finish() {
    if (this.#finished) throw new Error('aes128gcm: finish twice');
    this.#finished = true;
    return this.#seal(DELIM_LAST);
  }

  /** @param {number} delimiter */
  async #seal(delimiter) {
    this.#pending[this.#fill] = delimiter;
    const iv = recordNonce(this.#nonceBase, this.#seq++);
    const ct = await subtle.encrypt({ name: 'AES-GCM', iv }, this.#cek, this.#pending.subarray(0, this.#fill + 1));
    this.#fill = 0;
    return new Uint8Array(ct);
  }
}

/**
 * One-shot decoder, used to prove the encoder right (round trips and the RFC's
 * own examples, which include padding). Not tuned for speed.
 * @param {Uint8Array<ArrayBuffer>} ikm
 * @param {Uint8Array<ArrayBuffer>} body full encoded body: header followed by records
 * @returns {Promise<{ plaintext: Uint8Array, keyId: Uint8Array, rs: number }>}
 */
export async function decodeAes128Gcm(ikm, body) {
  if (body.length < HEADER_FIXED) throw new Error('aes128gcm: truncated header');
  const salt = body.subarray(0, 16);
  const rs = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(16, false);
  const idlen = body[20];
  if (rs < TAG_BYTES + 2) throw new Error(`aes128gcm: bad rs ${rs}`);
  const start = HEADER_FIXED + idlen;
  if (body.length <= start) throw new Error('aes128gcm: no records');
  const keyId = body.slice(HEADER_FIXED, start);
  const { cek, nonceBase } = await deriveKeys(ikm, salt);

  /** @type {Uint8Array[]} */
  const parts = [];
  let total = 0;
  for (let pos = start, seq = 0; pos < body.length; pos += rs, seq++) {
    const last = pos + rs >= body.length;
    const record = body.subarray(pos, Math.min(pos + rs, body.length));
    const iv = recordNonce(nonceBase, seq);
    const pt = new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv }, cek, record));
    // Strip zero padding; the delimiter is the last non-zero byte.
    let d = pt.length - 1;
    while (d >= 0 && pt[d] === 0) d--;
    const expected = last ? DELIM_LAST : DELIM_RECORD;
    if (d < 0 || pt[d] !== expected) throw new Error(`aes128gcm: record ${seq} has a bad delimiter`);
    parts.push(pt.subarray(0, d));
    total += d;
  }
  const plaintext = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    plaintext.set(p, off);
    off += p.length;
  }
  return { plaintext, keyId, rs };
}

/**
 * Encode a whole buffer, feeding the encoder in pieces of `pushSize` so the
 * record-boundary logic is exercised. Convenience for checks and tests.
 * @param {Uint8Array} plaintext
 * @param {{ ikm: Uint8Array<ArrayBuffer>, salt?: Uint8Array<ArrayBuffer>, rs?: number, keyId?: Uint8Array }} opts
 * @param {number} [pushSize]
 */
export async function encodeAes128Gcm(plaintext, opts, pushSize = plaintext.length || 1) {
  const enc = await Aes128GcmEncoder.create(opts);
  const parts = [enc.header()];
  for (let off = 0; off < plaintext.length; off += pushSize) {
    parts.push(...(await enc.push(plaintext.subarray(off, off + pushSize))));
  }
  parts.push(await enc.finish());
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** @param {string} s base64url without padding */
export function fromBase64Url(s) {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/**
 * Checks against RFC 8188 §3.1 (single record, exact bytes) and §3.2 (two
 * records with padding and a key id; decode only, since this encoder does not
 * pad), plus a multi-record round trip with awkward push sizes and a
 * final record that is exactly full. Throws on any mismatch.
 */
export async function selfTest() {
  const walrus = encoder.encode('I am the walrus');

  // §3.1: rs 4096, empty keyid, one record.
  const ikm1 = fromBase64Url('yqdlZ-tYemfogSmv7Ws5PQ');
  const want1 = fromBase64Url('I1BsxtFttlv3u_Oo94xnmwAAEAAA-NAVub2qFgBEuQKRapoZu-IxkIva3MEB1PD-ly8Thjg');
  const got1 = await encodeAes128Gcm(walrus, { ikm: ikm1, salt: want1.slice(0, 16), rs: 4096 });
  if (!equalBytes(got1, want1)) throw new Error('aes128gcm self-test: RFC 8188 §3.1 encoding mismatch');
  const dec1 = await decodeAes128Gcm(ikm1, want1);
  if (!equalBytes(dec1.plaintext, walrus)) throw new Error('aes128gcm self-test: RFC 8188 §3.1 decoding mismatch');

  // §3.2: rs 25, keyid "a1", two records, the first one padded.
  const ikm2 = fromBase64Url('BO3ZVPxUlnLORbVGMpbT1Q');
  const body2 = fromBase64Url(
    'uNCkWiNYzKTnBN9ji3-qWAAAABkCYTHOG8chz_gnvgOqdGYovxyjuqRyJFjEDyoF1Fvkj6hQPdPHI51OEUKEpgz3SsLWIqS_uA',
  );
  const dec2 = await decodeAes128Gcm(ikm2, body2);
  if (!equalBytes(dec2.plaintext, walrus) || new TextDecoder().decode(dec2.keyId) !== 'a1' || dec2.rs !== 25) {
    throw new Error('aes128gcm self-test: RFC 8188 §3.2 decoding mismatch');
  }

  // Round trips: content size 100; 1000 bytes = exactly 10 full records (the
  // last one must still get delimiter 0x02), and 1001 bytes = 11 records.
  const ikm = globalThis.crypto.getRandomValues(new Uint8Array(16));
  for (const len of [0, 1, 99, 100, 101, 1000, 1001]) {
    const pt = globalThis.crypto.getRandomValues(new Uint8Array(len));
    for (const pushSize of [1, 37, 100, 4096]) {
      const body = await encodeAes128Gcm(pt, { ikm, rs: 100 + 1 + TAG_BYTES }, pushSize);
      const records = Math.max(1, Math.ceil(len / 100));
      if (body.length !== HEADER_FIXED + len + records * (1 + TAG_BYTES)) {
        throw new Error(`aes128gcm self-test: unexpected length for ${len} bytes`);
      }
      const { plaintext } = await decodeAes128Gcm(ikm, body);
      if (!equalBytes(plaintext, pt)) throw new Error(`aes128gcm self-test: round trip failed for ${len} bytes`);
    }
  }
}

/**
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 */
function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
