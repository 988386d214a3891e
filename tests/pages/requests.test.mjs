// File requests through the pages in real Chromium against the real local stack: a staff member
// signs in on a new device (password and emergency kit), creates a request in the inbox and
// reads out its fingerprint; a partner without an account sees the same fingerprint and sends
// files, one of them named like markup, and keeps a receipt; the inbox shows the names as text,
// decrypts a file to disk byte for byte, marks it read, and flags a file planted without the
// request secret. axe-core and 360 px checks on both pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { launch, freshPage, axeCheck, signInThroughPage, OPFS_PICKER } from '../support/browser.mjs';
import { BASE, remember } from '../support/env.mjs';
import { sd } from '../support/client.mjs';
import { newStaff } from '../support/accounts.mjs';
import { sendFiles } from '../support/requests.mjs';

const MiB = 1024 * 1024;
const XSS = '<img src=x onerror=alert(1)>';
const sha256 = (/** @type {Uint8Array} */ b) => createHash('sha256').update(b).digest('hex');
/** @type {import('playwright-core').Browser} */
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** @type {{ staff: import('../support/accounts.mjs').Staff, link: string, fingerprint: string, id: string }} */
let made;
/** @type {{ name: string, data: Buffer }[]} */
const sent = [
  { name: XSS, data: randomBytes(3000) },
  { name: `six-mib-${randomBytes(4).toString('hex')}.bin`, data: randomBytes(6 * MiB + 7) },
  { name: `empty-${randomBytes(4).toString('hex')}.txt`, data: Buffer.alloc(0) },
];

test('a staff member signs in on a new device and creates a request with a fingerprint to read out', async () => {
  const staff = await newStaff('staff', 'Rita Requester');
  const { context, page, problems } = await freshPage(browser);
  await signInThroughPage(page, BASE, staff, sd.kitEncode(staff.sk128));
  await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
  await page.fill('#request-label', 'Signed contracts');
  await page.fill('#request-message', 'Please send the signed contracts by Friday.');
  await page.fill('#request-max-files', '10');
  await page.click('#create-request');
  await page.waitForSelector('#request-link:visible', { timeout: 30_000 });
  const link = await page.inputValue('#request-link');
  const match = link.match(new RegExp(`^${BASE}/r/([A-Za-z0-9_-]{22})#([A-Za-z0-9_-]{43})\\.([A-Za-z0-9_-]{43})$`));
  assert.ok(match, link);
  const [, id, pk, rs] = match;
  assert.deepEqual(sd.b64Decode(pk), sd.publicKey(staff.secretKey), 'the link carries the staff key');
  remember('a request secret made in a page', sd.b64Decode(rs));
  remember('a request secret made in a page (base64url)', rs);
  const fingerprint = ((await page.textContent('#request-fingerprint')) ?? '').trim();
  assert.equal(fingerprint, sd.fingerprint(sd.b64Decode(pk)));
  assert.deepEqual(problems, []);
  made = { staff, link, fingerprint, id };
  await context.close();
});

test('a partner sees the same fingerprint, sends files and keeps a receipt', async () => {
  const { context, page, problems } = await freshPage(browser);
  await page.goto(made.link);
  await page.waitForSelector('body[data-state="idle"]', { timeout: 30_000 });
  assert.ok(((await page.textContent('#fingerprint')) ?? '').includes(made.fingerprint));
  const text = (await page.textContent('body')) ?? '';
  assert.ok(text.includes('Rita Requester') && text.includes('Please send the signed contracts by Friday.'));
  await page.setInputFiles(
    '#file-input',
    sent.map((f) => ({ name: f.name, mimeType: 'application/octet-stream', buffer: f.data })),
  );
  for (const f of sent) remember('a file name sent through a page', f.name.length >= 8 ? f.name : `${f.name}--------`);
  if (await page.isVisible('#upload-button')) await page.click('#upload-button');
  await page.waitForSelector('body[data-state="done"]', { timeout: 120_000 });
  const receipt = await page.$$eval('#receipt li', (lis) =>
    lis.map((li) => ({ name: li.getAttribute('data-name'), id: li.getAttribute('data-content-id') })),
  );
  assert.equal(receipt.length, sent.length);
  for (const f of sent) {
    const line = receipt.find((r) => r.name === f.name);
    assert.ok(line, `${f.name} is on the receipt`);
    assert.match(String(line.id), /^[0-9a-f]{64}$/);
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-receipt')]);
  const saved = readFileSync(/** @type {string} */ (await download.path()), 'utf8');
  for (const r of receipt) assert.ok(saved.includes(String(r.name)) && saved.includes(String(r.id)));
  assert.equal(await page.locator('img').count(), 0, 'the name is text, not markup');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the inbox shows names as text, decrypts to disk byte for byte, and flags a planted file', async () => {
  // A file sent with the upload token but without the link's secret: what the server could do.
  const token = new URL(made.link).hash.slice(1).split('.');
  const request = {
    id: made.id,
    pk: sd.b64Decode(token[0]),
    rs: sd.b64Decode(token[1]),
    token: sd.b64Encode(sd.requestUploadToken(sd.b64Decode(token[1]))),
    link: made.link,
  };
  const [planted] = await sendFiles(request, [{ name: 'planted-by-the-server.txt', data: randomBytes(500) }], {
    plant: true,
  });
  const { context, page, problems } = await freshPage(browser, { init: OPFS_PICKER });
  await signInThroughPage(page, BASE, made.staff, sd.kitEncode(made.staff.sk128));
  await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
  const row = page.locator(`[data-request-id="${made.id}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-unread'), String(sent.length + 1));
  await row.locator('button.open').click();
  await page.waitForSelector(`li[data-file-id="${planted.id}"][data-state="planted"]`, { timeout: 30_000 });
  const plantedText = (await page.textContent(`li[data-file-id="${planted.id}"]`)) ?? '';
  assert.ok(!plantedText.includes('planted-by-the-server'), 'a planted file shows no name');
  assert.match(plantedText, /not sent through your link|cannot be opened/i);

  const names = await page.$$eval(`[data-request-id="${made.id}"] li[data-file-id] .name`, (els) =>
    els.map((e) => e.textContent),
  );
  for (const f of sent) assert.ok(names.includes(f.name), `${f.name} is listed`);
  assert.equal(await page.locator('img').count(), 0, 'the markup-like name made no element');

  const big = sent[1];
  const bigRow = page.locator(`li[data-file-id]`, { has: page.locator('.name', { hasText: big.name }) });
  await bigRow.locator('button.download').click();
  await page.waitForFunction(
    (name) =>
      [...document.querySelectorAll('li[data-file-id]')].some(
        (li) => li.querySelector('.name')?.textContent === name && li.getAttribute('data-state') === 'verified',
      ),
    big.name,
    { timeout: 60_000 },
  );
  const digest = await page.evaluate(async (n) => {
    const file = await (await (await navigator.storage.getDirectory()).getFileHandle(n)).getFile();
    const hash = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }, big.name);
  assert.equal(digest, sha256(big.data));
  // The read mark follows the download's POST; wait for it rather than race it.
  await page.waitForFunction(
    (name) =>
      [...document.querySelectorAll('li[data-file-id]')].some(
        (li) => li.querySelector('.name')?.textContent === name && li.getAttribute('data-unread') === 'false',
      ),
    big.name,
    { timeout: 30_000 },
  );
  assert.equal(await bigRow.getAttribute('data-unread'), 'false');
  await page.reload();
  await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
  await page.locator(`[data-request-id="${made.id}"][data-unread="${sent.length}"]`).waitFor({ timeout: 30_000 });
  assert.deepEqual(problems, []);
  await context.close();
});

test('axe-core and 360 px on the inbox and the request page', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  const check = (/** @type {string} */ where) => axeCheck(page, where);
  await signInThroughPage(page, BASE, made.staff, sd.kitEncode(made.staff.sk128));
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 800 });
    for (const scheme of /** @type {const} */ (['light', 'dark'])) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${BASE}/inbox`);
      await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
      await page.locator(`[data-request-id="${made.id}"] button.open`).click();
      await page.waitForSelector('li[data-file-id]');
      await check(`inbox, ${scheme}, ${width} px`);
      await page.goto(made.link);
      await page.waitForSelector('body[data-state="idle"]', { timeout: 30_000 });
      await check(`request page, ${scheme}, ${width} px`);
    }
  }
  await context.close();
});
