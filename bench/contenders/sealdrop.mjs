// @ts-check
/**
 * Rows 1, 2 and 4: the sealdrop engine (bench/pkg, wasm-bindgen --target web)
 * sealing and opening the stream in 8 MiB pushes, one push in flight, with
 * the WebCrypto backend at several chunk sizes and with the software
 * (aes-gcm in wasm) backend.
 *
 * Opening needs the sealed stream, so each seal pass keeps its ciphertext
 * (about as big as the stream: 256 MiB by default). That is the bench's
 * largest allocation; it is dropped before the next chunk size.
 */
import { measuredRow, timePasses, collectGarbage } from '../measure.mjs';
import { describeError } from '../errors.mjs';

const PKG_URL = new URL('../pkg/sealdrop_wasm.js', import.meta.url).href;

/**
 * The part of bench/pkg's API (sealdrop_wasm.d.ts) this file uses, declared
 * here because bench/pkg is generated and may not be built when linting.
 * @typedef {{
 *   header(): Uint8Array,
 *   backend(): string,
 *   push(plaintext: Uint8Array): Promise<Uint8Array[]>,
 *   finish(): Promise<{ ciphertext: Uint8Array[], contentId: string }>,
 * }} SealSession
 * @typedef {{
 *   backend(): string,
 *   push(ciphertext: Uint8Array): Promise<Uint8Array[]>,
 *   finish(): Promise<{ plaintext: Uint8Array[], contentId: string }>,
 * }} OpenSession
 * @typedef {{
 *   SealSession: { create(secret: Uint8Array, log2Chunk: number, backend: string): Promise<SealSession> },
 *   OpenSession: { create(secret: Uint8Array, header: Uint8Array, backend: string): Promise<OpenSession> },
 * }} SealdropModule
 */

/**
 * Load and initialise the wasm package. Returns null only when it has not been
 * built; a package that exists but fails to load throws.
 * @param {'present' | 'missing' | undefined} pkgHint what the driver saw on disk
 * @returns {Promise<SealdropModule | null>}
 */
export async function loadSealdrop(pkgHint) {
  if (pkgHint === 'missing') return null;
  if (pkgHint === undefined) {
    // Opened by hand, without the driver: ask the server.
    const probe = await fetch(PKG_URL, { method: 'HEAD' });
    if (probe.status === 404) return null;
  }
  const mod = await import(PKG_URL);
  await mod.default(); // fetches sealdrop_wasm_bg.wasm next to the JS
  return mod;
}

/**
 * @param {SealdropModule} mod
 * @param {Uint8Array} secret
 * @param {import('../data.mjs').Source} source
 * @param {number} log2Chunk
 * @param {string} backend
 * @param {boolean} keep keep the ciphertext for an open pass
 */
async function sealPass(mod, secret, source, log2Chunk, backend, keep) {
  const session = await mod.SealSession.create(secret, log2Chunk, backend);
  const header = session.header();
  /** @type {Uint8Array[]} */
  const ciphertext = [];
  let ctBytes = 0;
  /** @param {Uint8Array[]} chunks */
  const take = (chunks) => {
    for (const ct of chunks) {
      ctBytes += ct.length;
      if (keep) ciphertext.push(ct);
    }
  };
  for (const push of source.pushes()) take(await session.push(push));
  const fin = await session.finish();
  take(fin.ciphertext);
  return {
    header,
    ciphertext,
    ctBytes,
    contentId: fin.contentId,
    backendName: session.backend(),
  };
}

/**
 * Feeds the ciphertext in the pieces given (asNetworkReads: 8 MiB each) and spot
 * checks every released piece of plaintext against the source stream.
 * @param {SealdropModule} mod
 * @param {Uint8Array} secret
 * @param {{ header: Uint8Array, ciphertext: Uint8Array[] }} sealed
 * @param {import('../data.mjs').Source} source
 * @param {string} backend
 */
async function openPass(mod, secret, sealed, source, backend) {
  const session = await mod.OpenSession.create(secret, sealed.header, backend);
  let offset = 0;
  /** @param {Uint8Array} pt */
  const check = (pt) => {
    if (!source.matchesAt(pt, offset)) throw new Error(`open released wrong plaintext at offset ${offset}`);
    offset += pt.length;
  };
  for (const ct of sealed.ciphertext) for (const pt of await session.push(ct)) check(pt);
  const fin = await session.finish();
  for (const pt of fin.plaintext) check(pt);
  if (offset !== source.total) throw new Error(`open released ${offset} bytes, expected ${source.total}`);
  return { contentId: fin.contentId };
}

/**
 * Regroups sealed chunks into 8 MiB pieces, as a download would read them off the network
 * (untimed: it is the reader's buffer, not the engine's work).
 * @param {{ header: Uint8Array, ciphertext: Uint8Array[] }} sealed
 */
function asNetworkReads(sealed) {
  const PIECE = 8 << 20;
  const total = sealed.ciphertext.reduce((n, c) => n + c.length, 0);
  /** @type {Uint8Array[]} */
  const out = [];
  let piece = new Uint8Array(Math.min(PIECE, total));
  let filled = 0;
  let left = total;
  for (const ct of sealed.ciphertext) {
    let at = 0;
    while (at < ct.length) {
      const n = Math.min(piece.length - filled, ct.length - at);
      piece.set(ct.subarray(at, at + n), filled);
      filled += n;
      at += n;
      left -= n;
      if (filled === piece.length && left > 0) {
        out.push(piece);
        piece = new Uint8Array(Math.min(PIECE, left));
        filled = 0;
      }
    }
  }
  out.push(piece);
  return { header: sealed.header, ciphertext: out };
}

/** @param {number} log2 */
function chunkLabel(log2) {
  const bytes = 2 ** log2;
  return `chunk 2^${log2} (${bytes >= 2 ** 20 ? `${bytes / 2 ** 20} MiB` : `${bytes / 1024} KiB`})`;
}

/**
 * Seal (timed), then open that ciphertext (timed), asserting the content ids
 * agree. Returns [sealRow, openRow].
 * @param {SealdropModule} mod
 * @param {import('../data.mjs').Source} source
 * @param {{ reps: number, warmupBytes: number, log2Chunk: number, backend: string,
 *           ids: [string, string], openIfSealUnderS?: number }} opts
 * @returns {Promise<import('../measure.mjs').Row[]>}
 */
async function sealThenOpen(mod, source, { reps, warmupBytes, log2Chunk, backend, ids, openIfSealUnderS = Infinity }) {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const unit = chunkLabel(log2Chunk);
  const label = `${backend} backend`;

  // Warm-up: JIT, wasm tier-up, first memory growth.
  const warm = source.prefix(warmupBytes);
  const warmSealed = await sealPass(mod, secret, warm, log2Chunk, backend, true);
  if (warmSealed.backendName !== backend) {
    throw new Error(`asked for backend "${backend}", session reports "${warmSealed.backendName}"`);
  }
  const warmOpened = await openPass(mod, secret, asNetworkReads(warmSealed), warm, backend);
  if (warmOpened.contentId !== warmSealed.contentId) throw new Error('warm-up: open content id differs from seal');

  const sealed = await timePasses(reps, () => sealPass(mod, secret, source, log2Chunk, backend, true));
  const { contentId, ctBytes, header } = sealed.last;
  const overhead = header.length + ctBytes - source.total;
  const sealRow = measuredRow(
    {
      id: ids[0],
      name: `sealdrop seal + content id (${label})`,
      unit,
      note: `+${overhead} B framing; id ${contentId.slice(0, 12)}…`,
    },
    source.total,
    sealed.ms,
  );

  const sealS = sealRow.seconds ?? 0;
  if (sealS > openIfSealUnderS) {
    return [
      sealRow,
      { id: ids[1], name: `sealdrop open (${label})`, unit, status: `skipped: seal took ${sealS.toFixed(1)} s` },
    ];
  }
  const reads = asNetworkReads(sealed.last);
  const opened = await timePasses(reps, () => openPass(mod, secret, reads, source, backend));
  if (opened.last.contentId !== contentId) {
    throw new Error(`CONTENT ID MISMATCH at ${unit}, ${label}: seal ${contentId}, open ${opened.last.contentId}`);
  }
  const openRow = measuredRow(
    { id: ids[1], name: `sealdrop open (${label})`, unit, note: 'content id matches seal' },
    source.total,
    opened.ms,
  );
  return [sealRow, openRow];
}

/**
 * @param {SealdropModule | null} mod null when bench/pkg has not been built
 * @param {import('../data.mjs').Source} source
 * @param {{ reps: number, warmupBytes: number, chunks: number[], softwareChunk: number }} opts
 * @param {(text: string) => void} progress
 * @returns {Promise<import('../measure.mjs').Row[]>}
 */
export async function benchSealdrop(mod, source, { reps, warmupBytes, chunks, softwareChunk }, progress) {
  /** @type {import('../measure.mjs').Row[]} */
  const seals = [];
  /** @type {import('../measure.mjs').Row[]} */
  const opens = [];
  /** @type {import('../measure.mjs').Row[]} */
  const software = [];
  const na = 'n/a (pkg not built)';
  if (!mod) {
    const all = chunks.map((c) => `2^${c}`).join(', ');
    return [
      { id: '1', name: 'sealdrop seal + content id (webcrypto backend)', unit: `chunks ${all}`, status: na },
      { id: '2', name: 'sealdrop open (webcrypto backend)', unit: `chunks ${all}`, status: na },
      { id: '4', name: 'sealdrop seal + content id (software backend)', unit: chunkLabel(softwareChunk), status: na },
      { id: '4b', name: 'sealdrop open (software backend)', unit: chunkLabel(softwareChunk), status: na },
    ];
  }

  for (const log2Chunk of chunks) {
    progress(`sealdrop webcrypto, chunk 2^${log2Chunk}`);
    const opts = {
      reps,
      warmupBytes,
      log2Chunk,
      backend: 'webcrypto',
      ids: /** @type {[string, string]} */ (['1', '2']),
    };
    const rows = await guard(['1', '2'], 'webcrypto backend', chunkLabel(log2Chunk), () =>
      sealThenOpen(mod, source, opts),
    );
    seals.push(rows[0]);
    opens.push(rows[1]);
    collectGarbage();
  }

  progress(`sealdrop software, chunk 2^${softwareChunk}`);
  const swOpts = {
    reps,
    warmupBytes,
    log2Chunk: softwareChunk,
    backend: 'software',
    ids: /** @type {[string, string]} */ (['4', '4b']),
    openIfSealUnderS: 30, // "and if quick, open"
  };
  software.push(
    ...(await guard(['4', '4b'], 'software backend', chunkLabel(softwareChunk), () =>
      sealThenOpen(mod, source, swOpts),
    )),
  );
  collectGarbage();
  return [...seals, ...opens, ...software];
}

/**
 * Turn a failure into error rows, so one broken configuration is reported
 * (and fails the run) without hiding the others.
 * @param {[string, string]} ids
 * @param {string} label
 * @param {string} unit
 * @param {() => Promise<import('../measure.mjs').Row[]>} fn
 * @returns {Promise<import('../measure.mjs').Row[]>}
 */
async function guard(ids, label, unit, fn) {
  try {
    return await fn();
  } catch (err) {
    const error = describeError(err);
    return [
      { id: ids[0], name: `sealdrop seal + content id (${label})`, unit, error },
      { id: ids[1], name: `sealdrop open (${label})`, unit, error },
    ];
  }
}
