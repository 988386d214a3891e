#!/usr/bin/env node
// @ts-check
/**
 * Browser benchmark driver: serve bench/, open it in one headless Chromium
 * (the system one; playwright never downloads a browser here), wait for the
 * page to publish its result, print a Markdown table to stdout.
 *
 *   node bench/run-browser.mjs [--mib 256] [--reps 3] [--chunks 16,17,18,19,20,22]
 *                              [--software-chunk 19] [--json] [--timeout-min 10]
 *
 * Progress and browser console errors go to stderr. Exits non-zero if any
 * contender failed (including a seal/open content id mismatch).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CHROMIUM, launch } from '../tests/support/browser.mjs';
import { startServer } from './server.mjs';
import { formatTable } from './table.mjs';

function usage() {
  return `usage: node bench/run-browser.mjs [--mib N] [--reps N] [--chunks 16,17,18,19,20,22] [--software-chunk 19] [--json] [--timeout-min 10]
  --mib N             stream size in MiB: at most 8, or a multiple of 8 (default 256)
  --reps N            timed passes per row; the median is reported (default 3)
  --chunks LIST       log2 chunk sizes for the WebCrypto-backend rows 1 and 2
  --software-chunk N  log2 chunk size for the software-backend row 4 (default 19, the engine's default)
  --json              print the raw result as JSON after the table
  --timeout-min N     give up after N minutes (default 10)`;
}

/** @returns {{ mib: number, reps: number, chunks: string, softwareChunk: number, json: boolean, timeoutMin: number }} */
function readArgs() {
  const { values } = parseArgs({
    options: {
      mib: { type: 'string', default: '256' },
      reps: { type: 'string', default: '3' },
      chunks: { type: 'string', default: '16,17,18,19,20,22' },
      'software-chunk': { type: 'string', default: '19' },
      json: { type: 'boolean', default: false },
      'timeout-min': { type: 'string', default: '10' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  const positive = (/** @type {string} */ name, /** @type {string} */ v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}\n${usage()}`);
    return n;
  };
  const mib = positive('mib', values.mib);
  if (mib > 8 && mib % 8 !== 0)
    throw new Error(`--mib must be at most 8 or a multiple of 8 (the data is an 8 MiB block cycled), got ${mib}`);
  return {
    mib,
    reps: positive('reps', values.reps),
    chunks: values.chunks,
    softwareChunk: positive('software-chunk', values['software-chunk']),
    json: values.json,
    timeoutMin: positive('timeout-min', values['timeout-min']),
  };
}

/** Whether the developer has built the wasm package into bench/pkg. */
function pkgState() {
  const dir = fileURLToPath(new URL('./pkg/', import.meta.url));
  return existsSync(`${dir}sealdrop_wasm.js`) && existsSync(`${dir}sealdrop_wasm_bg.wasm`) ? 'present' : 'missing';
}

/**
 * @param {import('playwright-core').Page} page
 * @returns {Promise<never>} rejects if the page crashes, so the wait can race it
 */
function watchPage(page) {
  /** @param {string} s */
  const err = (s) => process.stderr.write(`${s}\n`);
  page.on('console', (msg) => {
    const text = msg.text();
    if (text.startsWith('[bench] '))
      err(text); // progress
    else if (msg.type() === 'error' || msg.type() === 'warning') err(`[browser ${msg.type()}] ${text}`);
  });
  page.on('pageerror', (e) => err(`[page error] ${e.stack ?? e.message}`));
  page.on('requestfailed', (r) => err(`[request failed] ${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) err(`[http ${r.status()}] ${r.url()}`);
  });
  return new Promise((_, reject) => page.once('crash', () => reject(new Error('the page crashed (out of memory?)'))));
}

async function main() {
  const args = readArgs();
  const pwVersion = createRequire(import.meta.url)('playwright-core/package.json').version;
  const pkg = pkgState();
  const server = await startServer();
  /** @type {import('playwright-core').Browser | undefined} */
  let browser;
  try {
    // --expose-gc lets the worker call gc() between contenders, so one contender's 256 MiB of
    // ciphertext is not collected during the next one's timing.
    browser = await launch(['--js-flags=--expose-gc']);
    const page = await browser.newPage();
    const crashed = watchPage(page);
    const query = new URLSearchParams({
      mib: String(args.mib),
      reps: String(args.reps),
      chunks: args.chunks,
      sw: String(args.softwareChunk),
      pkg,
    });
    process.stderr.write(`[driver] ${server.origin}/index.html?${query}; bench/pkg ${pkg}\n`);
    await page.goto(`${server.origin}/index.html?${query}`);
    const timeout = args.timeoutMin * 60_000;
    await Promise.race([
      page.waitForFunction(() => /** @type {any} */ (globalThis).benchResult !== undefined, undefined, {
        timeout,
        polling: 500,
      }),
      crashed,
    ]);
    /** @type {import('./page.mjs').BenchResult} */
    const result = await page.evaluate(() => /** @type {any} */ (globalThis).benchResult);
    if (!result.ok) throw new Error(`benchmark failed in the browser: ${result.error}`);

    const env = result.env;
    const lines = [
      '## sealdrop browser benchmark',
      '',
      `Chromium ${browser.version()} (headless, ${CHROMIUM}, via playwright-core ${pwVersion})`,
      `userAgent: ${env.userAgent}; hardwareConcurrency: ${env.hardwareConcurrency}`,
      `data: ${args.mib} MiB of random bytes (${Number(env.blockBytes) / 2 ** 20} MiB block cycled), pushed in 8 MiB pieces, one operation in flight, in a dedicated module worker`,
      `MB = 10^6 bytes of plaintext; ${args.reps} timed pass(es) per row after a warm-up, median shown; sealdrop times include session create and finish`,
      `sealdrop pkg: ${env.sealdropPkg}; wall time ${Number(env.wallSeconds).toFixed(1)} s`,
      '',
      formatTable(result.rows),
      '',
    ];
    process.stdout.write(lines.join('\n'));
    if (args.json) process.stdout.write(`\n${JSON.stringify({ chromium: browser.version(), ...result }, null, 2)}\n`);

    const failed = result.rows.filter((r) => r.error);
    for (const r of failed) process.stderr.write(`[driver] row ${r.id} (${r.name}, ${r.unit}) FAILED: ${r.error}\n`);
    return failed.length ? 1 : 0;
  } finally {
    await browser?.close();
    await server.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`[driver] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
