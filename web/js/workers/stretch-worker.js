// Stretches a staff password off the page's thread: Argon2id takes about a second and 64 MiB
// (format-v1.md, "Staff keys": A), which on the page would freeze it. One derivation per worker;
// the page ends the worker after it, which also gives the memory back.
//
// Page -> worker: {password (already NFC), salt (base64url), m_kib, t, p}.
// Worker -> page: {type: 'done', a: Uint8Array (transferred)} or {type: 'error', kind} where kind
// is the module's error kind ('argon2 parameters', 'bad encoding', ...) or null.
import { loadWasm } from '../lib/wasm.js';
import { serveDerivation } from '../lib/derivation.js';

serveDerivation('a', async (msg) => {
  const sd = await loadWasm();
  return sd.argon2id(
    String(msg.password),
    sd.b64Decode(String(msg.salt)),
    Number(msg.m_kib),
    Number(msg.t),
    Number(msg.p),
  );
});
