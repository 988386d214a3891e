// Derives a password share's secret off the download page's thread: Argon2id takes about a
// second and 64 MiB, which on the page would freeze it, its progress bar included. One
// derivation per worker; the page ends the worker after it, which also gives the memory back.
//
// Page -> worker: {ls: Uint8Array (its buffer transferred), password, salt (base64url), m_kib,
// t, p}. Worker -> page: {type: 'done', ss: Uint8Array (transferred)} or {type: 'error', kind}
// where kind is the module's error kind ('argon2 parameters', 'bad encoding', ...) or null.
import { loadWasm } from '../lib/wasm.js';
import { serveDerivation } from '../lib/derivation.js';

serveDerivation('ss', async (msg) => {
  /** @type {Uint8Array} */
  const ls = msg.ls instanceof Uint8Array ? msg.ls : new Uint8Array(0);
  try {
    const sd = await loadWasm();
    return sd.shareSecretWithPassword(
      ls,
      String(msg.password),
      sd.b64Decode(String(msg.salt)),
      Number(msg.m_kib),
      Number(msg.t),
      Number(msg.p),
    );
  } finally {
    ls.fill(0);
  }
});
