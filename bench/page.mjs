// @ts-check
/**
 * Main-thread glue: read the config from the query string, run the bench in
 * a module worker, and publish the outcome as `globalThis.benchResult` (which
 * bench/run-browser.mjs waits for). Progress goes to the console as
 * "[bench] …" lines, which the driver forwards to stderr.
 */
import { formatTable } from './table.mjs';

/**
 * @typedef {{ ok: true, config: import('./worker.mjs').BenchConfig, rows: import('./measure.mjs').Row[], env: Record<string, unknown> }
 *   | { ok: false, error: string }} BenchResult
 */

const logEl = /** @type {HTMLElement} */ (document.getElementById('log'));

/** @param {string} text */
function log(text) {
  console.log(`[bench] ${text}`);
  logEl.textContent += `${text}\n`;
}

/** @param {BenchResult} result */
function publish(result) {
  /** @type {any} */ (globalThis).benchResult = result;
  if (result.ok) logEl.textContent += `\n${formatTable(result.rows)}\n`;
  else console.error(`[bench] FAILED: ${result.error}`);
}

/** @returns {import('./worker.mjs').BenchConfig} */
function readConfig() {
  const q = new URLSearchParams(location.search);
  const int = (/** @type {string} */ name, /** @type {number} */ dflt) => {
    const v = q.get(name);
    const n = v === null ? dflt : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bad ${name}=${v}`);
    return n;
  };
  const chunks = (q.get('chunks') ?? '16,18,20,22').split(',').map(Number);
  if (chunks.some((c) => !Number.isInteger(c) || c < 16 || c > 24))
    throw new Error('chunks must be log2 sizes in 16..24');
  const pkg = q.get('pkg');
  return {
    mib: int('mib', 256),
    reps: int('reps', 3),
    chunks,
    softwareChunk: int('sw', 20),
    pkg: pkg === 'present' || pkg === 'missing' ? pkg : undefined,
  };
}

function main() {
  let config;
  try {
    config = readConfig();
  } catch (err) {
    return publish({ ok: false, error: String(err) });
  }
  log(`config ${JSON.stringify(config)}`);
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module', name: 'sealdrop-bench' });
  worker.addEventListener('message', (event) => {
    const msg = event.data;
    if (msg.type === 'progress') log(msg.text);
    else if (msg.type === 'done') publish({ ok: true, config, rows: msg.rows, env: msg.env });
    else if (msg.type === 'error') publish({ ok: false, error: msg.error });
  });
  // Fires for script load/parse failures and uncaught errors in the worker.
  worker.addEventListener('error', (event) => {
    publish({
      ok: false,
      error: `worker error: ${event.message || 'failed to load worker.mjs'} ${event.filename ?? ''}:${event.lineno ?? ''}`,
    });
  });
  worker.postMessage(config);
}

main();
