// The download page's writers for browsers without File System Access or a streaming service
// worker, driven in Chromium with those features removed (tests/support/browser.mjs STAGED_ONLY,
// MEMORY_ONLY): the staged writer (an origin-private file through a worker's sync access handle)
// and the memory writer (a Blob) give back 0 B, 1 B and a multi-part file byte for byte through
// their save link; a tampered file offers nothing and leaves no staged file; the memory writer
// refuses a file over its cap before fetching anything; the page says how it saves; and staged
// files older than an hour are swept when the page loads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { launch, freshPage, STAGED_ONLY, MEMORY_ONLY } from '../support/browser.mjs';
import { KEEP_BLOBS, BLOB_DIGEST, STAGED_NAMES } from '../support/blobs.mjs';
import { BASE, STATE_DIR, rememberShare } from '../support/env.mjs';
import { flipStoredByte } from '../support/stored.mjs';
import { sd, sealShare, uploadShare } from '../support/client.mjs';

const MiB = 1024 * 1024;
const sha256 = (/** @type {Uint8Array} */ b) => createHash('sha256').update(b).digest('hex');
const SENTENCES = {
  staged:
    'This browser first stores each file in its own storage, then saves it: it needs free disk space for the largest file.',
  memory: 'This browser keeps each file in memory until it is verified, then saves it, up to 512.0 MB.',
};
/** @type {import('playwright-core').Browser} */
let browser;
const files = /** @type {const} */ ([
  ['empty', 0],
  ['one-byte', 1],
  ['twelve-mib', 12 * MiB],
]).map(([stem, size]) => ({ name: `${stem}-${randomBytes(6).toString('hex')}.bin`, data: randomBytes(size) }));
/** @type {string} */
let link;
/** @type {string} */
let tamperedLink;
const tamperedName = `tampered-${randomBytes(6).toString('hex')}.bin`;

before(async () => {
  browser = await launch();
  const share = await sealShare(files);
  rememberShare(share, files, sd.b64Encode);
  ({ link } = await uploadShare(BASE, share));
  const data = randomBytes(12 * MiB);
  const bad = await sealShare([{ name: tamperedName, data }]);
  rememberShare(bad, [{ name: tamperedName, data }], sd.b64Encode);
  ({ link: tamperedLink } = await uploadShare(BASE, bad));
  flipStoredByte(STATE_DIR, bad.files[0].payload, 20 * (524288 + 16) + 100); // chunk 20 of 25, in the third part
});
after(async () => {
  await browser?.close();
});

/** @param {import('playwright-core').Page} page */
const stagedNames = (page) => page.evaluate(STAGED_NAMES);

/**
 * @param {import('playwright-core').Page} page
 * @param {string} url
 */
async function reveal(page, url) {
  await page.goto(url);
  await page.waitForSelector('body[data-state="locked"]');
  await page.click('#reveal');
  await page.waitForSelector('body[data-state="ready"]');
}

for (const [writer, init] of /** @type {const} */ ([
  ['staged', STAGED_ONLY],
  ['memory', MEMORY_ONLY],
])) {
  test(`the ${writer} writer gives back every file byte for byte through its save link`, async () => {
    const { context, page, problems } = await freshPage(browser, { init });
    await page.addInitScript(KEEP_BLOBS);
    await page.goto(link);
    await page.waitForSelector(`body[data-writer="${writer}"]`);
    assert.equal(await page.textContent('#save-how'), SENTENCES[writer]);
    await page.click('#reveal');
    await page.waitForSelector('body[data-state="ready"]');
    assert.equal(await page.isVisible('#save-how'), true, 'the page says how it saves');
    for (let j = 0; j < files.length; j++) {
      await page.click(`li[data-j="${j}"] button`);
      await page.waitForSelector(`li[data-j="${j}"][data-state="verified"]`, { timeout: 120_000 });
      const save = page.locator(`li[data-j="${j}"] a.save-file[download]`);
      assert.equal(await save.getAttribute('download'), files[j].name);
      const href = (await save.getAttribute('href')) ?? '';
      assert.match(href, /^blob:/);
      assert.equal(await save.isVisible(), true, 'the save link stays for a click of the person');
      const digest = await page.evaluate(BLOB_DIGEST, `li[data-j="${j}"] a.save-file[download]`);
      assert.equal(digest, sha256(files[j].data), `${files[j].name} comes back byte for byte`);
    }
    if (writer === 'staged') assert.equal((await stagedNames(page)).length, files.length, 'one staged file each');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test(`the ${writer} writer offers nothing of a tampered file`, async () => {
    const { context, page } = await freshPage(browser, { init });
    await reveal(page, tamperedLink);
    await page.click('li[data-j="0"] button');
    await page.waitForSelector('li[data-j="0"][data-state="tampered"]', { timeout: 60_000 });
    assert.match((await page.textContent('li[data-j="0"]')) ?? '', /changed after it was sent\. Nothing was saved\./);
    assert.equal(await page.locator('a.save-file').count(), 0, 'no save link');
    if (writer === 'staged') assert.deepEqual(await stagedNames(page), [], 'the staged file was deleted');
    await context.close();
  });
}

test('the memory writer refuses a file over its cap before fetching anything', async () => {
  const { context, page } = await freshPage(browser, { init: MEMORY_ONLY });
  // Only lowers the cap (js/download/writers/memory.js memoryCap), to 1 MiB here.
  await page.addInitScript(() => {
    // @ts-ignore: read by js/download/writers/memory.js
    globalThis.__sealdropMemoryCap = 1024 * 1024;
  });
  /** @type {string[]} */
  const payloads = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/') && r.url().includes('/payload')) payloads.push(r.url());
  });
  await reveal(page, link);
  await page.click('li[data-j="2"] button');
  await page.waitForSelector('li[data-j="2"][data-state="failed"]');
  const said = (await page.textContent('li[data-j="2"] .detail')) ?? '';
  assert.equal(
    said,
    `This browser can save files up to 1.0 MB from this page; “${files[2].name}” is 12.0 MB. Open this page in Chrome, Edge or Firefox to save it. Nothing was saved.`,
  );
  assert.doesNotMatch(said, /connection/i);
  assert.deepEqual(payloads, [], 'nothing was fetched');
  // A file under the cap still saves.
  await page.click('li[data-j="1"] button');
  await page.waitForSelector('li[data-j="1"][data-state="verified"]', { timeout: 60_000 });
  await context.close();
});

test('staged files older than an hour are swept when the download page loads', async () => {
  const { context, page } = await freshPage(browser, { init: STAGED_ONLY });
  await page.goto(link);
  await page.waitForSelector('body[data-writer="staged"]');
  const names = await page.evaluate(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('sealdrop-staged', { create: true });
    const old = `${Date.now() - 61 * 60 * 1000}-left-over`;
    const fresh = `${Date.now()}-another-tab`;
    for (const name of [old, fresh]) {
      const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
      await writable.write(new Uint8Array(10));
      await writable.close();
    }
    return { old, fresh };
  });
  await page.reload();
  await page.waitForSelector('body[data-writer="staged"]');
  let left = await stagedNames(page);
  for (let i = 0; i < 50 && left.includes(names.old); i++) {
    await page.waitForTimeout(100);
    left = await stagedNames(page);
  }
  assert.ok(!left.includes(names.old), 'the hour-old staged file was deleted');
  assert.ok(left.includes(names.fresh), 'a younger one (maybe another tab saving it) stays');
  await context.close();
});
