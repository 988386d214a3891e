// @ts-check
// Runs the RFC 8188 encoder's checks under Node's WebCrypto, so the encoder is
// verified without a browser: `node --test bench/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aes128GcmEncoder, decodeAes128Gcm, RS_64K_CONTENT, selfTest } from './rfc8188.mjs';

test('RFC 8188 examples and small round trips', async () => {
  await selfTest();
});

test('64 KiB-content records across 8 MiB-style pushes round-trip', async () => {
  const ikm = crypto.getRandomValues(new Uint8Array(16));
  const pt = new Uint8Array(3 * 65536 + 5);
  for (let off = 0; off < pt.length; off += 65536) crypto.getRandomValues(pt.subarray(off, off + 65536));
  const enc = await Aes128GcmEncoder.create({ ikm });
  const parts = [enc.header()];
  for (let off = 0; off < pt.length; off += 100_000) parts.push(...(await enc.push(pt.subarray(off, off + 100_000))));
  parts.push(await enc.finish());
  assert.equal(parts.length, 1 + 4);
  for (const rec of parts.slice(1, -1)) assert.equal(rec.length, RS_64K_CONTENT);
  const body = Buffer.concat(parts);
  const { plaintext } = await decodeAes128Gcm(ikm, body);
  assert.deepEqual(Buffer.from(plaintext), Buffer.from(pt));
});

test('tampering and truncation are rejected', async () => {
  const ikm = crypto.getRandomValues(new Uint8Array(16));
  const enc = await Aes128GcmEncoder.create({ ikm, rs: 50 });
  const records = await enc.push(new Uint8Array(100).fill(7));
  const last = await enc.finish();
  const body = Buffer.concat([enc.header(), ...records, last]);
  const flipped = Buffer.from(body);
  flipped[30] ^= 1;
  await assert.rejects(decodeAes128Gcm(ikm, flipped));
  // Dropping the last record leaves a record with delimiter 0x01 at the end.
  await assert.rejects(decodeAes128Gcm(ikm, body.subarray(0, body.length - last.length)), /delimiter/);
});
