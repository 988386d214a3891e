// Expiring links through the pages in real Chromium: options on the share page reach the
// download page (limit, expiry, password), "My shares" revokes, and every ended or refused
// state has its own page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, withSession, OPFS_PICKER, NO_PICKER } from '../support/browser.mjs';
import { BASE, d1, setClock, callFrom, rememberShare, remember } from '../support/env.mjs';
import { sd, sealShare, uploadShare, downloadShare } from '../support/client.mjs';
import { admin, as } from '../support/accounts.mjs';

const HOUR = 3600 * 1000;
const sha256 = (/** @type {Uint8Array} */ b) => createHash('sha256').update(b).digest('hex');
/** @type {import('playwright-core').Browser} */
let browser;
const dir = mkdtempSync(join(tmpdir(), 'sealdrop-links-'));
before(async () => {
  browser = await launch();
});
after(async () => {
  setClock(null);
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a limit, an expiry and a password chosen on the share page hold on the download page', async () => {
  const name = `options-${randomBytes(6).toString('hex')}.bin`;
  const data = randomBytes(700 * 1024);
  const path = join(dir, name);
  writeFileSync(path, data);
  const password = `pass ${randomBytes(4).toString('hex')}`;
  remember('a share password', password);

  const owner = await browser.newContext();
  await withSession(owner, await admin());
  const page = await owner.newPage();
  await page.goto(`${BASE}/`);
  await page.waitForSelector('body[data-state="idle"]');
  await page.setInputFiles('#file-input', path);
  await page.click('#options summary');
  await page.check('input[name=expiry][value="86400"]');
  await page.fill('#download-limit', '2');
  await page.fill('#share-password', password);
  await page.click('#share-button');
  await page.waitForSelector('body[data-state="done"]', { timeout: 120_000 });
  const link = await page.inputValue('#share-link');
  const id = new URL(link).pathname.split('/')[2];
  assert.match((await page.textContent('#share-limit')) ?? '', /2 downloads/);
  assert.match((await page.textContent('#share-expires')) ?? '', /1 day|24 hours/);
  const row = d1(
    `SELECT max_downloads, expires_at - created_at AS lifetime, password IS NOT NULL AS pw FROM shares WHERE id = '${id}'`,
  )[0];
  assert.equal(row.max_downloads, 2);
  assert.ok(Math.abs(Number(row.lifetime) - 24 * HOUR) < 5 * 60 * 1000, `lifetime ${row.lifetime}`);
  assert.equal(row.pw, 1);
  const ls = sd.b64Decode(link.split('#')[1]);
  remember('a password share link secret', ls);

  const visitor = await browser.newContext();
  const down = await visitor.newPage();
  await down.addInitScript(OPFS_PICKER);
  await down.goto(link);
  await down.waitForSelector('body[data-state="locked"]');
  await down.fill('#password', 'not the password');
  await down.click('#reveal');
  await down.waitForSelector('body[data-state="error"]', { timeout: 30_000 });
  assert.match((await down.textContent('#status')) ?? '', /Wrong password or damaged link\. 9 tries left\./);
  await down.fill('#password', password);
  await down.click('#reveal');
  await down.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
  assert.match((await down.textContent('#downloads-left')) ?? '', /1 download left/);
  assert.match((await down.textContent('#expires')) ?? '', /\S/);
  await down.click('li[data-j="0"] button');
  await down.waitForSelector('li[data-j="0"][data-state="verified"]', { timeout: 60_000 });
  const digest = await down.evaluate(async (n) => {
    const file = await (await (await navigator.storage.getDirectory()).getFileHandle(n)).getFile();
    const hash = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }, name);
  assert.equal(digest, sha256(data));
  await visitor.close();

  // My shares, in the browser that made the share: one download of two used, then revoked.
  await page.goto(`${BASE}/mine`);
  const mine = page.locator(`tr[data-id="${id}"]`);
  await page.waitForSelector(`tr[data-id="${id}"][data-state="active"]`);
  assert.match((await mine.textContent()) ?? '', /1 of 2/);
  await mine
    .getByRole('button', { name: /^Revoke/ })
    .first()
    .click();
  await mine
    .getByRole('button', { name: /^Revoke/ })
    .last()
    .click();
  await page.waitForSelector(`tr[data-id="${id}"][data-state="revoked"]`);
  await owner.close();

  const late = await browser.newContext();
  const latePage = await late.newPage();
  await latePage.goto(link);
  await latePage.waitForSelector('body[data-state="revoked"]');
  await late.close();
});

/** A share made through the API, ready for a state to be put on it. */
async function apiShare(/** @type {Parameters<typeof sealShare>[1]} */ options = {}) {
  const data = randomBytes(1000);
  const name = `state-${randomBytes(6).toString('hex')}.txt`;
  const share = await sealShare([{ name, data }], options);
  rememberShare(share, [{ name, data }], sd.b64Encode);
  return { share, ...(await uploadShare(BASE, share)) };
}

/** Opens `link` in a fresh context, clicks the reveal button if asked, and waits for `state`. */
async function pageState(/** @type {string} */ link, /** @type {string} */ state, click = false) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  if (click) {
    await page.waitForSelector('body[data-state="locked"]');
    await page.click('#reveal');
  }
  await page.waitForSelector(`body[data-state="${state}"]`, { timeout: 30_000 });
  const status = (await page.textContent('#status')) ?? '';
  await context.close();
  assert.ok(status.length > 20, `${state}: "${status}" says what happened`);
  return status;
}

test('every ended or refused state has its own page', async () => {
  const exhausted = await apiShare({ maxDownloads: 1 });
  await downloadShare(BASE, exhausted.id, exhausted.share.ls);
  assert.match(await pageState(exhausted.link, 'exhausted'), /\S/);

  const revoked = await apiShare();
  await callFrom('127.0.0.1', `${BASE}/api/shares/${revoked.id}/revoke`, {
    method: 'POST',
    headers: as(revoked.staff),
  });
  await pageState(revoked.link, 'revoked');

  // The limits hold per address (worker/src/rules/attempts.rs): the wrong tries come from the
  // page's own address, and are forgotten afterwards so that they count against no later test.
  const limited = await apiShare();
  for (let i = 0; i < 10; i++) {
    await callFrom('127.0.0.1', `${BASE}/api/shares/${limited.id}/proof`, {
      method: 'POST',
      headers: { authorization: `Sealdrop-Key ${sd.b64Encode(randomBytes(32))}` },
    });
  }
  assert.match(await pageState(limited.link, 'rate-limited', true), /minute/);
  d1(`DELETE FROM proof_failures WHERE share_id = '${limited.id}'`);

  const locked = await apiShare();
  d1(`UPDATE shares SET locked = 1 WHERE id = '${locked.id}'`);
  assert.match(await pageState(locked.link, 'link-locked', true), /unlock/i);

  const now = Date.now();
  const expired = await apiShare({ expiresAt: now + HOUR });
  setClock(now + 2 * HOUR);
  await pageState(expired.link, 'expired');
  // The purge releases the revoked share's storage: its page then says so.
  const ran = await fetch(`${BASE}/__scheduled?cron=${encodeURIComponent('*/10 * * * *')}`);
  assert.equal(ran.status, 200);
  setClock(null);
  await pageState(revoked.link, 'purged');
  await pageState(expired.link, 'purged');
});

test('a download cancelled half way starts again under the same ticket and counts once', async () => {
  const name = `cancel-${randomBytes(6).toString('hex')}.bin`;
  const data = randomBytes(160 * 1024 * 1024);
  const share = await sealShare([{ name, data }], { maxDownloads: 1 });
  rememberShare(share, [{ name, data }], sd.b64Encode);
  const { id, link } = await uploadShare(BASE, share);
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.addInitScript(NO_PICKER);
  await page.goto(link);
  await page.click('#reveal');
  await page.waitForSelector('body[data-state="ready"]');
  const [first] = await Promise.all([page.waitForEvent('download'), page.click('li[data-j="0"] button')]);
  await page.waitForFunction(() => {
    const bar = /** @type {HTMLProgressElement | null} */ (document.querySelector('li[data-j="0"] progress'));
    return bar !== null && bar.value >= 0.3 * bar.max && bar.value <= 0.8 * bar.max;
  });
  await first.cancel();
  await page.waitForSelector('li[data-j="0"][data-state="idle"]', { timeout: 30_000 });
  assert.notEqual(await first.failure(), null, 'the cancelled download left no file');
  const [second] = await Promise.all([page.waitForEvent('download'), page.click('li[data-j="0"] button')]);
  assert.equal(sha256(readFileSync(await second.path())), sha256(data));
  await page.waitForSelector('li[data-j="0"][data-state="verified"]', { timeout: 60_000 });
  assert.equal(Number(d1(`SELECT downloads FROM shares WHERE id = '${id}'`)[0].downloads), 1);
  assert.equal(Number(d1(`SELECT count(*) AS n FROM tickets WHERE share_id = '${id}'`)[0].n), 1);
  await context.close();
});
