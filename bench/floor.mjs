// The floor rows of bench/transfer.mjs: the peak renderer RSS that fetch and WebCrypto alone reach
// over a download's bytes (bench/floor-page.js), in a bare page at the stack's origin (so that
// its range requests are same-origin, as the download page's are) with no product code.
import { readFileSync } from 'node:fs';
import { measured, chromiumSamplers } from './rss.mjs';

const FLOOR_JS = readFileSync(new URL('./floor-page.js', import.meta.url), 'utf8');
const CHUNK = 512 * 1024 + 16;
const PART = 10 * CHUNK;

/** @typedef {import('./floor-page.js').FloorSettings} FloorSettings */

/**
 * The settings measured: name, where it runs, and what differs from the download page's own
 * pattern (5 MB ranges, BYOB reads into reused buffers, 2 ahead, 512 KiB records, 4 in flight).
 * @type {[string, 'page' | 'worker', Partial<FloorSettings>][]}
 */
export const FLOOR_SETTINGS = [
  ['fetch only, BYOB into 3 reused buffers', 'page', { record: 0 }],
  ['fetch only, arrayBuffer() per range', 'page', { record: 0, read: 'arrayBuffer' }],
  ['fetch only, 512 KiB ranges, BYOB', 'page', { record: 0, part: CHUNK }],
  ['decrypt only, 512 KiB records, 4 in flight', 'page', { bytes: 0 }],
  ['fetch + decrypt, as the download page', 'page', {}],
  ['fetch + decrypt, arrayBuffer() per range', 'page', { read: 'arrayBuffer' }],
  ['fetch + decrypt, in a Worker', 'worker', {}],
  ['fetch + decrypt, 1 ahead, 1 in flight', 'page', { ahead: 1, inFlight: 1 }],
  ['fetch + decrypt, 512 KiB ranges, 1 ahead', 'page', { part: CHUNK, ahead: 1 }],
  ['fetch + decrypt, setTimeout(0) after each range', 'page', { yieldEach: true }],
  ['fetch + decrypt, 64 KiB records', 'page', { record: 64 * 1024 }],
];

/**
 * @param {import('playwright-core').Browser} browser
 * @param {{ origin: string, url: string, headers: Record<string, string>, bytes: number }} payload
 *   the payload to fetch (a share's file, with its ticket)
 * @param {(row: string[]) => void} report
 */
export async function floorRows(browser, payload, report) {
  for (const [name, where, change] of FLOOR_SETTINGS) {
    const context = await browser.newContext();
    await context.route(`${payload.origin}/__floor/**`, (route) => {
      const page = route.request().url().endsWith('.js');
      return route.fulfill({
        status: 200,
        contentType: page ? 'text/javascript' : 'text/html',
        headers: { 'Content-Security-Policy': "default-src 'self'" },
        body: page ? FLOOR_JS : '<!doctype html><title>floor</title>',
      });
    });
    const page = await context.newPage();
    await page.goto(`${payload.origin}/__floor/index.html`);
    /** @type {FloorSettings} */
    const settings = {
      url: payload.url,
      headers: payload.headers,
      bytes: payload.bytes,
      part: PART,
      read: 'byob',
      ahead: 2,
      record: CHUNK,
      inFlight: 4,
      yieldEach: false,
      ...change,
    };
    // "decrypt only" decrypts as many records as the payload has, from one range of no bytes.
    if (settings.bytes === 0) Object.assign(settings, { bytes: payload.bytes, part: payload.bytes, fetchless: true });
    const samplers = await chromiumSamplers(browser, page);
    const run = await measured(
      samplers.rss,
      () =>
        page.evaluate(
          async ({ settings, where }) => {
            const mod = /** @type {typeof import('./floor-page.js')} */ (await import(`${'/__floor/floor-page.js'}`));
            if (where === 'page') return mod.floor(settings);
            const worker = new Worker('/__floor/floor-page.js', { type: 'module' });
            const done = new Promise((resolve, reject) => {
              worker.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data));
            });
            worker.postMessage(settings);
            return done;
          },
          { settings, where },
        ),
      samplers.heap,
    );
    await context.close();
    report([
      `floor: ${name}`,
      (payload.bytes / 1e6 / (run.ms / 1000)).toFixed(0),
      `${run.rss.toFixed(0)} (idle ${run.idle.toFixed(0)})`,
      run.heap.toFixed(0),
    ]);
  }
}
