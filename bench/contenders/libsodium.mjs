// @ts-check
/**
 * Row 5: libsodium-wrappers crypto_secretstream_xchacha20poly1305, pushing
 * 64 KiB messages (TAG_FINAL on the last). The well-known alternative to an
 * AES-GCM design: software crypto in wasm, identical on every CPU.
 */
import { measuredRow, timePasses } from '../measure.mjs';
import { RECORD_BYTES } from '../data.mjs';

// Served by bench/server.mjs from node_modules, with its bare "libsodium"
// import rewritten to this sibling path (workers have no import maps).
const SODIUM_URL = '/node_modules/libsodium-wrappers/dist/modules-esm/libsodium-wrappers.mjs';

/** @returns {Promise<any>} the ready libsodium-wrappers object */
async function loadSodium() {
  const mod = await import(SODIUM_URL);
  const sodium = mod.default ?? mod;
  await sodium.ready;
  return sodium;
}

/**
 * @param {any} sodium
 * @param {Uint8Array} key
 * @param {import('../data.mjs').Source} source
 * @param {Uint8Array[] | null} keep collects header and ciphertext messages when given
 */
function pushPass(sodium, key, source, keep) {
  const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
  keep?.push(header);
  const MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
  /** @type {Uint8Array | null} */
  let pending = null;
  // One message behind, so the last one can carry TAG_FINAL.
  for (const record of source.records()) {
    if (pending) {
      const ct = sodium.crypto_secretstream_xchacha20poly1305_push(state, pending, null, MESSAGE);
      keep?.push(ct);
    }
    pending = record;
  }
  const last = sodium.crypto_secretstream_xchacha20poly1305_push(
    state,
    pending ?? new Uint8Array(0),
    null,
    sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL,
  );
  keep?.push(last);
}

/**
 * Proves the push side right: a small stream pulls back to the same bytes and
 * ends with TAG_FINAL.
 * @param {any} sodium
 * @param {import('../data.mjs').Source} small
 */
function roundTripCheck(sodium, small) {
  const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
  /** @type {Uint8Array[]} */
  const parts = [];
  pushPass(sodium, key, small, parts);
  const [header, ...messages] = parts;
  const state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header, key);
  let offset = 0;
  messages.forEach((ct, i) => {
    const r = sodium.crypto_secretstream_xchacha20poly1305_pull(state, ct, null);
    if (!r) throw new Error(`libsodium round trip: message ${i} failed to authenticate`);
    const wantTag =
      i === messages.length - 1
        ? sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
        : sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    if (r.tag !== wantTag || !small.matchesAt(r.message, offset)) {
      throw new Error(`libsodium round trip: message ${i} came back wrong`);
    }
    offset += r.message.length;
  });
  if (offset !== small.total) throw new Error('libsodium round trip: length mismatch');
}

/**
 * @param {import('../data.mjs').Source} source
 * @param {{ reps: number, warmupBytes: number }} opts
 * @returns {Promise<import('../measure.mjs').Row[]>}
 */
export async function benchLibsodium(source, { reps, warmupBytes }) {
  const sodium = await loadSodium();
  roundTripCheck(sodium, source.prefix(1024 * 1024));
  const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
  pushPass(sodium, key, source.prefix(warmupBytes), null);
  // The API is synchronous; the async wrapper only fits timePasses.
  const { ms } = await timePasses(reps, async () => pushPass(sodium, key, source, null));
  return [
    measuredRow(
      {
        id: '5',
        name: 'libsodium secretstream XChaCha20-Poly1305 push',
        unit: `${RECORD_BYTES / 1024} KiB messages`,
        note: `libsodium ${sodium.SODIUM_VERSION_STRING ?? '?'} (npm libsodium-wrappers)`,
      },
      source.total,
      ms,
    ),
  ];
}
