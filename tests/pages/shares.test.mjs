// The pages end to end in real Chromium against the real local stack: files shared through the
// share page come back byte for byte through the download page, by both writers (File System
// Access on an origin-private handle, and the service-worker stream as a real download); a
// tampered object ends in a clear error with nothing saved; wrong links get clear pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, withSession, freshPage, axeCheck, OPFS_PICKER, NO_PICKER } from '../support/browser.mjs';
import { admin, newStaff } from '../support/accounts.mjs';
import { BASE, STATE_DIR, d1, remember, rememberShare } from '../support/env.mjs';
import { flipStoredByte } from '../support/stored.mjs';
import { sd, sealShare, uploadShare } from '../support/client.mjs';

const MiB = 1024 * 1024;
const sha256 = (/** @type {Uint8Array} */ b) => createHash('sha256').update(b).digest('hex');
/** @type {import('playwright-core').Browser} */
let browser;
const dir = mkdtempSync(join(tmpdir(), 'sealdrop-pages-'));
/** @type {{ name: string, path: string, data: Uint8Array }[]} */
const files = [
  ['empty', 0],
  ['one-byte', 1],
  ['five-mib-plus-one', 5 * MiB + 1],
  ['sixty-four-mib', 64 * MiB],
].map(([stem, size]) => {
  const name = `${stem}-${randomBytes(6).toString('hex')}.bin`;
  const data = randomBytes(/** @type {number} */ (size));
  const path = join(dir, name);
  writeFileSync(path, data);
  return { name, path, data };
});
/** @type {string} */
let link;

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the share page uploads several files and gives one link', async () => {
  const { context, page, problems } = await freshPage(browser, { staff: await admin() });
  const response = await page.goto(`${BASE}/`);
  const headers = (await response?.allHeaders()) ?? {};
  const csp = headers['content-security-policy'] ?? '';
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(headers['referrer-policy'], 'no-referrer');
  assert.equal(headers['x-content-type-options'], 'nosniff');
  await page.waitForSelector('body[data-state="idle"]');
  await page.setInputFiles(
    '#file-input',
    files.map((f) => f.path),
  );
  // The link is opened by several tests below: no download limit.
  await page.click('#options summary');
  await page.check('#unlimited');
  await page.click('#share-button');
  await page.waitForSelector('body[data-state="done"]', { timeout: 180_000 });
  link = await page.inputValue('#share-link');
  assert.match(link, new RegExp(`^${BASE}/d/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{43}$`));
  const ls = sd.b64Decode(link.split('#')[1]);
  const ss = sd.shareSecretFromLink(ls);
  rememberShare({ ls, ss, authKey: sd.shareAuthKey(ss) }, files, sd.b64Encode);
  assert.deepEqual(problems, []);
  await context.close();
});

test('an expired upload record is deleted and never offered; a live one is', async () => {
  const { context, page, problems } = await freshPage(browser, { staff: await admin() });
  await page.goto(`${BASE}/`);
  await page.waitForSelector('body[data-state="idle"]');
  const names = { expired: 'expired.bin', legacy: 'legacy.bin', live: 'live.bin' };
  await page.evaluate(async (names) => {
    const url = '/js/upload/state.js';
    const state = await import(url);
    const DAY = state.ABANDONED_AFTER_MS;
    const week = Date.now() + 7 * DAY;
    /** @param {string} key @param {string} name @param {number} expiresAt */
    const record = (key, name, expiresAt) => ({
      key,
      kind: 'share',
      v: 1,
      updatedAt: 0,
      expiresAt,
      endsAt: week,
      shareId: 'A'.repeat(22),
      ownerToken: 'not-a-token',
      linkSecret: new Uint8Array(32).fill(7),
      shareExpiresAt: week,
      password: false,
      options: { expiry: { afterMs: 7 * DAY }, maxDownloads: null, clockOffsetMs: 0 },
      log2: 16,
      files: [{ j: 0, name, size: 1, lastModified: 1, header: '', metadataHash: '', parts: {}, complete: false }],
    });
    await state.putBatch(record('expired', names.expired, Date.now() - 1000));
    await state.putBatch(record('live', names.live, Date.now() + DAY));
    // As written before records expired: expiresAt was the share's, and its last part 25 h ago.
    /** @type {Record<string, unknown>} */
    const legacy = { ...record('legacy', names.legacy, week), updatedAt: Date.now() - 25 * 60 * 60 * 1000 };
    delete legacy.endsAt;
    delete legacy.shareExpiresAt;
    /** @type {IDBDatabase} */
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('sealdrop-uploads', 1);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    await new Promise((resolve, reject) => {
      const tx = db.transaction('batches', 'readwrite');
      tx.objectStore('batches').put(legacy);
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, names);
  await page.reload();
  await page.waitForSelector(`#resume[data-state="offer"] li[data-file="${names.live}"]`);
  assert.equal(await page.locator(`#resume-list li[data-file="${names.expired}"]`).count(), 0);
  assert.equal(await page.locator(`#resume-list li[data-file="${names.legacy}"]`).count(), 0);
  const kept = await page.evaluate(async () => {
    /** @type {IDBDatabase} */
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('sealdrop-uploads', 1);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    /** @type {IDBValidKey[]} */
    const keys = await new Promise((resolve, reject) => {
      const req = db.transaction('batches').objectStore('batches').getAllKeys();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    db.close();
    return keys;
  });
  assert.deepEqual(kept, ['live'], 'the expired records were deleted, the live one kept');
  assert.deepEqual(problems, []);
  await context.close();
});

test('before the click only the state is fetched; the proof follows the click', async () => {
  const { context, page, problems } = await freshPage(browser, { init: OPFS_PICKER });
  /** @type {string[]} */
  const api = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/')) api.push(`${r.method()} ${new URL(r.url()).pathname}`);
  });
  await page.goto(link);
  await page.waitForSelector('body[data-state="locked"]');
  await page.waitForTimeout(500);
  const id = new URL(link).pathname.split('/')[2];
  assert.deepEqual(
    api.filter((r) => r.includes('/shares/')),
    [`GET /api/shares/${id}`],
  );
  await page.click('#reveal');
  await page.waitForSelector('body[data-state="ready"]');
  assert.ok(api.includes(`POST /api/shares/${id}/proof`));
  const listed = (await page.textContent('#file-list')) ?? '';
  for (const file of files) assert.ok(listed.includes(file.name), `${file.name} is listed`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the File System Access writer saves every file, verified', async () => {
  const { context, page, problems } = await freshPage(browser, { init: OPFS_PICKER });
  await page.goto(link);
  await page.click('#reveal');
  await page.waitForSelector('body[data-state="ready"]');
  for (let j = 0; j < files.length; j++) {
    await page.click(`li[data-j="${j}"] button`);
    await page.waitForSelector(`li[data-j="${j}"][data-state="verified"]`, { timeout: 120_000 });
    const digest = await page.evaluate(async (name) => {
      const file = await (await (await navigator.storage.getDirectory()).getFileHandle(name)).getFile();
      const hash = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
      return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, '0')).join('');
    }, files[j].name);
    assert.equal(digest, sha256(files[j].data), `${files[j].name} saved byte for byte`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('the service-worker writer streams every file as a real download', async () => {
  const { context, page, problems } = await freshPage(browser, { init: NO_PICKER });
  await page.goto(link);
  await page.click('#reveal');
  await page.waitForSelector('body[data-state="ready"]');
  for (let j = 0; j < files.length; j++) {
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.click(`li[data-j="${j}"] button`),
    ]);
    assert.equal(download.suggestedFilename(), files[j].name);
    const path = await download.path();
    assert.equal(await download.failure(), null);
    assert.equal(sha256(readFileSync(path)), sha256(files[j].data), `${files[j].name} downloaded byte for byte`);
    await page.waitForSelector(`li[data-j="${j}"][data-state="verified"]`, { timeout: 60_000 });
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('a tampered object ends in a clear error and nothing is saved, by either writer', async () => {
  const name = `tampered-${randomBytes(6).toString('hex')}.bin`;
  const data = randomBytes(12 * MiB);
  const share = await sealShare([{ name, data }]);
  rememberShare(share, [{ name, data }], sd.b64Encode);
  const { link: tamperedLink } = await uploadShare(BASE, share);
  const payload = share.files[0].payload;
  const slot = 524288 + 16;
  flipStoredByte(STATE_DIR, payload, 20 * slot + 100); // chunk 20 of 25, in the third part

  const fsa = await freshPage(browser, { init: OPFS_PICKER });
  await fsa.page.goto(tamperedLink);
  await fsa.page.click('#reveal');
  await fsa.page.waitForSelector('body[data-state="ready"]');
  await fsa.page.click('li[data-j="0"] button');
  await fsa.page.waitForSelector('li[data-j="0"][data-state="tampered"]', { timeout: 60_000 });
  const message = await fsa.page.locator('li[data-j="0"]').textContent();
  assert.match(message ?? '', /changed after it was sent\. Nothing was saved\./);
  const saved = await fsa.page.evaluate(async (n) => {
    const names = [];
    // @ts-ignore: async iteration of a directory handle
    for await (const [entry, handle] of await navigator.storage.getDirectory()) {
      if (entry === n) names.push((await handle.getFile()).size);
    }
    return names;
  }, name);
  assert.deepEqual(saved, [], 'no file, not even a partial one, is left');
  await fsa.context.close();

  const sw = await freshPage(browser, { init: NO_PICKER });
  await sw.page.goto(tamperedLink);
  await sw.page.click('#reveal');
  await sw.page.waitForSelector('body[data-state="ready"]');
  const [download] = await Promise.all([sw.page.waitForEvent('download'), sw.page.click('li[data-j="0"] button')]);
  assert.notEqual(await download.failure(), null, 'the browser download fails');
  await sw.page.waitForSelector('li[data-j="0"][data-state="tampered"]', { timeout: 60_000 });
  // Chromium discards the failed download; the page cannot know that, and says what may be left.
  assert.match(
    (await sw.page.locator('li[data-j="0"]').textContent()) ?? '',
    /changed after it was sent\. Your browser may have kept the part it saved before the change: delete it from your Downloads folder\./,
  );
  await sw.context.close();
});

test('wrong, unknown and incomplete links get clear pages and count nothing', async () => {
  const { context, page } = await freshPage(browser, { init: OPFS_PICKER });
  const id = new URL(link).pathname.split('/')[2];
  const downloads = () => Number(d1(`SELECT downloads FROM shares WHERE id = '${id}'`)[0].downloads);
  const before = downloads();

  await page.goto(`${BASE}/d/${sd.b64Encode(randomBytes(16))}#${sd.b64Encode(randomBytes(32))}`);
  await page.waitForSelector('body[data-state="not-found"]');
  assert.match((await page.textContent('#status')) ?? '', /No share with this link exists/);

  await page.goto(`${BASE}/d/${id}`);
  await page.waitForSelector('body[data-state="bad-link"]');

  await page.goto(`${BASE}/d/not-an-id#${sd.b64Encode(randomBytes(32))}`);
  await page.waitForSelector('body[data-state="bad-link"]');

  const wrong = sd.b64Encode(randomBytes(32));
  remember('a wrong link secret', wrong);
  await page.goto(`${BASE}/d/${id}#${wrong}`);
  await page.waitForSelector('body[data-state="locked"]');
  await page.click('#reveal');
  await page.waitForSelector('body[data-state="error"]');
  assert.match((await page.textContent('#status')) ?? '', /Wrong password or damaged link/);
  assert.equal(downloads(), before, 'a wrong key counts no download');
  await context.close();
});

test('pages work at 360 px wide and by keyboard', async () => {
  const { context, page } = await freshPage(browser);
  await page.setViewportSize({ width: 360, height: 740 });
  for (const path of ['/', '/mine', new URL(link).pathname + new URL(link).hash]) {
    await page.goto(`${BASE}${path}`);
    await page.waitForLoadState('networkidle');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${path} fits 360 px (${width})`);
  }
  await page.goto(link);
  await page.waitForSelector('body[data-state="locked"]');
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.id)) === 'reveal') break;
  }
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-state="ready"]');
  await context.close();
});

test('axe-core finds no serious accessibility issue on either page', async () => {
  // axe is injected as a script, which the pages' CSP rightly refuses; this context bypasses it.
  const context = await browser.newContext({ bypassCSP: true });
  await withSession(context, await newStaff('staff', 'Axe Checker'));
  const page = await context.newPage();
  const check = (/** @type {string} */ where) => axeCheck(page, where);
  for (const scheme of /** @type {const} */ (['light', 'dark'])) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${BASE}/`);
    await page.waitForLoadState('networkidle');
    await check(`share page, ${scheme}`);
    await page.click('#options summary');
    await page.check('input[name=expiry][value="custom"]');
    await check(`share page with its options open, ${scheme}`);
    await page.goto(`${BASE}/mine`);
    await page.waitForSelector('body[data-state="empty"]');
    await check(`my shares, empty, ${scheme}`);
    await page.goto(link);
    await page.waitForSelector('body[data-state="locked"]');
    await check(`download page before the click, ${scheme}`);
    await page.click('#reveal');
    await page.waitForSelector('body[data-state="ready"]');
    await check(`download page with files, ${scheme}`);
  }
  await context.close();
});
