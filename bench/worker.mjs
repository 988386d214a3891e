// @ts-check
/**
 * The benchmark proper, in a dedicated module worker because the product
 * encrypts in one: same thread model, same WebCrypto-from-a-worker path.
 *
 * Protocol: receives one config message; posts {type:'progress', text}
 * while running, then {type:'done', rows, env} or {type:'error', error}.
 */
import { MiB, Source } from './data.mjs';
import { collectGarbage } from './measure.mjs';
import { describeError } from './errors.mjs';
import { benchSealdrop, loadSealdrop } from './contenders/sealdrop.mjs';
import { benchRawWebCrypto, warmUpWorker } from './contenders/webcrypto-raw.mjs';
import { benchLibsodium } from './contenders/libsodium.mjs';
import { benchRfc8188 } from './contenders/rfc8188.mjs';
import { benchComponents } from './contenders/components.mjs';

/**
 * @typedef {object} BenchConfig
 * @property {number} mib            stream size in MiB (<= 8 or a multiple of 8)
 * @property {number} reps           timed passes per row (median reported)
 * @property {number[]} chunks       log2 chunk sizes for rows 1 and 2
 * @property {number} softwareChunk  log2 chunk size for row 4
 * @property {'present' | 'missing'} [pkg] whether bench/pkg was on disk
 */

/** Per-row warm-up pass: enough for JIT tier-up, small next to the timed pass. */
const WARMUP_BYTES = 16 * MiB;
/** Whole-worker warm-up before the first contender (see warmUpWorker). */
const WORKER_WARMUP_BYTES = 128 * MiB;

/** @param {string} text */
function progress(text) {
  postMessage({ type: 'progress', text });
}

/**
 * Run one contender; a failure becomes an error row instead of ending the run.
 * @param {string} id
 * @param {string} name
 * @param {() => Promise<import('./measure.mjs').Row[]>} fn
 */
async function guarded(id, name, fn) {
  progress(name);
  try {
    return await fn();
  } catch (err) {
    return [{ id, name, unit: '', error: describeError(err) }];
  } finally {
    collectGarbage();
  }
}

/** @param {BenchConfig} config */
async function run(config) {
  const t0 = performance.now();
  const source = Source.random(config.mib * MiB);
  const opts = { reps: config.reps, warmupBytes: Math.min(WARMUP_BYTES, source.total) };
  /** @type {import('./measure.mjs').Row[]} */
  const rows = [];
  progress('warming up the worker');
  await warmUpWorker(source, WORKER_WARMUP_BYTES);

  let mod = null;
  let loadError = null;
  try {
    mod = await loadSealdrop(config.pkg);
  } catch (err) {
    loadError = `loading bench/pkg failed: ${describeError(err)}`;
  }
  if (loadError) {
    for (const [id, name] of [
      ['1', 'seal + content id'],
      ['2', 'open'],
      ['4', 'software backend'],
    ]) {
      rows.push({ id, name: `sealdrop ${name}`, unit: '', error: loadError });
    }
  } else {
    rows.push(
      ...(await benchSealdrop(
        mod,
        source,
        { ...opts, chunks: config.chunks, softwareChunk: config.softwareChunk },
        progress,
      )),
    );
    collectGarbage();
  }

  rows.push(...(await guarded('3', 'raw WebCrypto AES-256-GCM', () => benchRawWebCrypto(source, opts))));
  rows.push(...(await guarded('5', 'libsodium secretstream push', () => benchLibsodium(source, opts))));
  rows.push(...(await guarded('6', 'RFC 8188 aes128gcm encode', () => benchRfc8188(source, opts))));
  rows.push(...(await guarded('7', 'pipeline components', () => benchComponents(mod, source, opts))));

  return {
    rows,
    env: {
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      crossOriginIsolated: globalThis.crossOriginIsolated,
      gcExposed: typeof (/** @type {any} */ (globalThis).gc) === 'function',
      sealdropPkg: mod ? 'loaded' : loadError ? 'failed to load' : 'not built',
      bytes: source.total,
      blockBytes: source.block.length,
      wallSeconds: (performance.now() - t0) / 1e3,
    },
  };
}

self.addEventListener(
  'message',
  async (/** @type {MessageEvent<BenchConfig>} */ event) => {
    try {
      postMessage({ type: 'done', ...(await run(event.data)) });
    } catch (err) {
      postMessage({ type: 'error', error: `${describeError(err)}\n${err instanceof Error ? err.stack : ''}` });
    }
  },
  { once: true },
);
