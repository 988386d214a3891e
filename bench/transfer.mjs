// The end-to-end transfer benchmark: a file of --mib MiB (default 1024) uploaded through the
// share page and downloaded through the download page (both Chromium writers, and Firefox's) on
// a fresh local stack, beside curl PUTting the same number of part-sized bytes straight to the
// same API, and the floor of a download's memory (fetch and WebCrypto alone, bench/floor.mjs).
// Prints MB/s and the browser's peak memory (the RSS of the process hosting the page, sampled
// from /proc, and the page's JS heap); asserts nothing. --rows picks some of curl, floor,
// chromium (the download page's writers) and firefox; the upload always runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launch, withSession, OPFS_PICKER, NO_PICKER } from '../tests/support/browser.mjs';
import { admin } from '../tests/support/accounts.mjs';
import { launchEngine } from '../tests/support/engines.mjs';
import { measured, chromiumSamplers, firefoxContentMiB } from './rss.mjs';
import { floorRows } from './floor.mjs';
import { curlPutRow, ticketFor } from './curl.mjs';
import { benchStack, randomFile } from './fixture.mjs';

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '1024' },
    rows: { type: 'string', default: 'curl,floor,chromium,firefox' },
  },
});
const MIB = Number(values.mib);
const ROWS = new Set(values.rows.split(','));
const BYTES = MIB * 1024 * 1024;
const MB = (/** @type {number} */ bytes, /** @type {number} */ ms) => bytes / 1e6 / (ms / 1000);

const dir = mkdtempSync(join(tmpdir(), 'sealdrop-bench-'));
const file = randomFile(dir, BYTES);

const stack = await benchStack();
const browser = await launch();
// Shares are made by a signed-in person: the stack's first admin, through its setup link.
const staff = await admin({ base: stack.url, stateDir: stack.stateDir });
/** @type {string[][]} */
const rows = [];
try {
  if (ROWS.has('curl')) rows.push(await curlPutRow({ base: stack.url, staff, bytes: BYTES, dir }));
  const link = await uploadRow();
  if (ROWS.has('floor')) await floorRows(browser, await ticketFor(stack.url, link, BYTES), (row) => rows.push(row));
  if (ROWS.has('chromium')) await chromiumRows(link);
  if (ROWS.has('firefox')) rows.push(await firefoxRow(link));
} finally {
  await browser.close();
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** The share page: uploads the file, returns its share's link. */
async function uploadRow() {
  const up = await browser.newContext();
  await withSession(up, staff);
  const page = await up.newPage();
  await page.goto(`${stack.url}/`);
  await page.waitForSelector('body[data-state="idle"]');
  await page.setInputFiles('#file-input', file);
  // Both writers download the same link.
  await page.click('#options summary');
  await page.check('#unlimited');
  const samplers = await chromiumSamplers(browser, page);
  const upload = await measured(
    samplers.rss,
    async () => {
      await page.click('#share-button');
      await page.waitForSelector('body[data-state="done"]', { timeout: 0 });
    },
    samplers.heap,
  );
  const link = await page.inputValue('#share-link');
  await up.close();
  rows.push([
    'page upload (seal + PUT)',
    MB(BYTES, upload.ms).toFixed(0),
    `${upload.rss.toFixed(0)} (idle ${upload.idle.toFixed(0)})`,
    upload.heap.toFixed(0),
  ]);
  return link;
}

/**
 * The download page in Chromium, through each writer.
 * @param {string} link
 */
async function chromiumRows(link) {
  for (const [writer, init] of /** @type {const} */ ([
    ['File System Access', OPFS_PICKER],
    ['service worker', NO_PICKER],
  ])) {
    const down = await browser.newContext({ acceptDownloads: true });
    const dpage = await down.newPage();
    await dpage.addInitScript(init);
    await dpage.goto(link);
    await dpage.click('#reveal');
    await dpage.waitForSelector('body[data-state="ready"]');
    const samplers = await chromiumSamplers(browser, dpage);
    const result = await measured(
      samplers.rss,
      async () => {
        const downloaded = writer === 'service worker' ? dpage.waitForEvent('download') : null;
        await dpage.click('li[data-j="0"] button');
        if (downloaded) await (await downloaded).path();
        await dpage.waitForSelector('li[data-j="0"][data-state="verified"]', { timeout: 0 });
      },
      samplers.heap,
    );
    await down.close();
    rows.push([
      `page download (${writer})`,
      MB(BYTES, result.ms).toFixed(0),
      `${result.rss.toFixed(0)} (idle ${result.idle.toFixed(0)})`,
      result.heap.toFixed(0),
    ]);
  }
}

/**
 * The download page in Firefox (ESR, headless): it has no File System Access API, so it saves
 * through its writer of choice there; the memory is its page's content process.
 * @param {string} link
 */
async function firefoxRow(link) {
  const engine = await launchEngine('firefox');
  try {
    const page = await engine.open({ base: stack.url });
    await page.goto(link);
    await page.click('#reveal');
    await page.waitFor('body[data-state="ready"]');
    const pid = /** @type {number} */ (engine.pid);
    const result = await measured(
      async () => firefoxContentMiB(pid),
      async () => {
        await page.click('li[data-j="0"] button');
        await page.waitFor('li[data-j="0"][data-state="verified"]', 600_000);
      },
    );
    const writer = await page.evaluate(() => document.body.dataset.writer ?? '?');
    return [
      `page download, Firefox (${writer} writer)`,
      MB(BYTES, result.ms).toFixed(0),
      `${result.rss.toFixed(0)} (idle ${result.idle.toFixed(0)})`,
      '-',
    ];
  } finally {
    await engine.close();
  }
}

console.log(`\n${MIB} MiB on the local stack (wrangler dev), Chromium and Firefox headless:\n`);
const head = ['transfer', 'MB/s', 'peak renderer RSS (MiB)', 'peak page JS heap (MiB)'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const row of [head, widths.map((w) => '-'.repeat(w)), ...rows]) {
  console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
}
