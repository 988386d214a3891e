// The account pages in real Chromium against the real local stack: an admin invites through the
// admin page, the invited person creates their account and must save the emergency kit, signs
// in on a new device with password and kit, changes the password; an admin disables the account
// and its open session stops at once. Keyboard, axe-core and 360 px checks on every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { launch, withSession, freshPage, axeCheck, signInThroughPage } from '../support/browser.mjs';
import { BASE, d1, remember } from '../support/env.mjs';
import { gzipSync } from 'node:zlib';
import { call, sd, sealShare, uploadShare } from '../support/client.mjs';
import { createRequest, sendFiles } from '../support/requests.mjs';
import { admin, as, makeV1, newStaff, signIn } from '../support/accounts.mjs';

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('invite, join with the emergency kit, sign in on a new device, change the password, be disabled', async () => {
  const boss = await admin();
  const email = `joiner-${randomBytes(4).toString('hex')}@example.org`;
  const password = `first ${randomBytes(6).toString('hex')}`;
  const newPassword = `second ${randomBytes(6).toString('hex')}`;
  remember('a password typed in a page', password);
  remember('a new password typed in a page', newPassword);

  // The admin invites through the admin page.
  const adminPage = await freshPage(browser, { staff: boss });
  await adminPage.page.goto(`${BASE}/admin`);
  await adminPage.page.waitForSelector('body[data-state="ready"]');
  await adminPage.page.fill('#invite-email', email);
  await adminPage.page.selectOption('#invite-role', 'staff');
  await adminPage.page.click('#invite-button');
  await adminPage.page.waitForSelector('#invite-link:visible');
  const invite = await adminPage.page.inputValue('#invite-link');
  assert.match(invite, new RegExp(`^${BASE}/join#[A-Za-z0-9_-]{43}$`));
  remember('an invite token', invite.split('#')[1]);

  // The invited person creates the account and cannot go on without saving the kit.
  const joiner = await freshPage(browser);
  await joiner.page.goto(invite);
  await joiner.page.waitForSelector('body[data-state="idle"]');
  assert.equal(await joiner.page.inputValue('#email'), email);
  await joiner.page.fill('#name', 'Jo Joiner');
  await joiner.page.fill('#password', password);
  await joiner.page.fill('#password-confirm', password);
  await joiner.page.click('#create-account');
  await joiner.page.waitForSelector('body[data-state="kit"]', { timeout: 60_000 });
  const kit = ((await joiner.page.textContent('#kit-code')) ?? '').trim();
  assert.match(kit, /^[A-Z2-7]{4}(-[A-Z2-7]{4}){5}-[A-Z2-7]{2}$/);
  remember('an emergency kit code', kit);
  assert.match((await joiner.page.textContent('#kit')) ?? '', /los(e|ing)[^.]*password[^.]*kit|kit[^.]*password/i);
  await joiner.page.click('#kit-continue');
  assert.equal(await joiner.page.getAttribute('body', 'data-state'), 'kit', 'not without saving the kit');
  const [download] = await Promise.all([joiner.page.waitForEvent('download'), joiner.page.click('#kit-save')]);
  const kitFile = readFileSync(/** @type {string} */ (await download.path()), 'utf8');
  assert.ok(kitFile.includes(kit) && kitFile.includes(email), 'the saved kit holds the code and the email');
  await joiner.page.check('#kit-saved');
  await joiner.page.click('#kit-continue');
  await joiner.page.waitForURL(`${BASE}/inbox`, { timeout: 30_000 });
  const account = d1(`SELECT id, role, name FROM accounts WHERE email = '${email}'`)[0];
  assert.deepEqual([account.role, account.name], ['staff', 'Jo Joiner']);
  assert.deepEqual(joiner.problems, []);

  // A new device: the password signs in, the kit opens the keys; a wrong kit is refused.
  const device = await freshPage(browser);
  await device.page.goto(`${BASE}/signin?next=%2Finbox`);
  await device.page.waitForSelector('body[data-state="idle"]');
  await device.page.fill('#email', email);
  await device.page.fill('#password', 'not the password at all');
  await device.page.click('#sign-in');
  await device.page.waitForSelector('body[data-state="error"]', { timeout: 30_000 });
  assert.match((await device.page.textContent('#status')) ?? '', /Wrong email or password\./);
  await device.page.fill('#password', password);
  await device.page.click('#sign-in');
  await device.page.waitForSelector('body[data-state="kit"]', { timeout: 30_000 });
  await device.page.fill('#kit', 'AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AA');
  await device.page.click('#sign-in');
  await device.page.waitForFunction(
    () => /does not open/.test(document.querySelector('#status')?.textContent ?? ''),
    null,
    {
      timeout: 30_000,
    },
  );
  await device.page.fill('#kit', kit.toLowerCase().replace(/-/g, ' '));
  await device.page.click('#sign-in');
  await device.page.waitForURL(`${BASE}/inbox`, { timeout: 30_000 });
  assert.deepEqual(device.problems, []);

  // The password changes on the account page; the old one stops working, the new one works.
  await device.page.goto(`${BASE}/account`);
  await device.page.waitForSelector('body[data-state="idle"]');
  await device.page.fill('#current-password', password);
  await device.page.fill('#new-password', newPassword);
  await device.page.fill('#new-password-confirm', newPassword);
  await device.page.click('#change-password');
  await device.page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
  await assert.rejects(signIn({ email, password, sk128: new Uint8Array(16) }), /401/);
  const renewed = await freshPage(browser);
  await signInThroughPage(renewed.page, BASE, { email, password: newPassword }, kit);
  await renewed.context.close();

  // The admin disables the account: the session open on the device stops at once.
  await adminPage.page.reload();
  await adminPage.page.waitForSelector('body[data-state="ready"]');
  const row = adminPage.page.locator(`tr[data-account-id="${account.id}"]`);
  await row.locator('button.disable').click();
  await row.locator('button.disable').click();
  await adminPage.page.waitForSelector(`tr[data-account-id="${account.id}"][data-state="disabled"]`);
  await device.page.goto(`${BASE}/inbox`);
  await device.page.waitForURL(/\/signin\?next=/, { timeout: 30_000 });
  assert.deepEqual(adminPage.problems, []);
  await Promise.all([adminPage.context.close(), joiner.context.close(), device.context.close()]);
});

test('a v1 account adopts its vault key at its first sign-in here; its first password change rotates K', async () => {
  const staff = await newStaff('staff', 'Adopting Person');
  const request = await createRequest(staff, { label: 'Before the account key' });
  await sendFiles(request, [{ name: 'kept.txt', data: randomBytes(1200) }]);
  makeV1(staff);
  const kit = sd.kitEncode(staff.sk128);
  const device = await freshPage(browser);
  await signInThroughPage(device.page, BASE, staff, kit);
  const adopted = d1(`SELECT key_generation FROM accounts WHERE id = '${staff.accountId}'`)[0];
  assert.equal(adopted.key_generation, 0, 'the first unlock adopted the vault key');
  assert.equal(d1(`SELECT count(*) AS n FROM account_factors WHERE account_id = '${staff.accountId}'`)[0].n, 1);
  // The inbox opens with the adopted K: the request's files are listed by name.
  await device.page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
  await device.page.locator(`[data-request-id="${request.id}"] button.open`).click();
  await device.page.locator('li[data-file-id] .name', { hasText: 'kept.txt' }).waitFor({ timeout: 30_000 });

  const newPassword = `after adoption ${randomBytes(6).toString('hex')}`;
  remember('a new password typed in a page', newPassword);
  await device.page.goto(`${BASE}/account`);
  await device.page.waitForSelector('body[data-state="idle"]');
  await device.page.fill('#current-password', staff.password);
  await device.page.fill('#new-password', newPassword);
  await device.page.fill('#new-password-confirm', newPassword);
  await device.page.click('#change-password');
  await device.page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
  const rotated = d1(`SELECT key_generation FROM accounts WHERE id = '${staff.accountId}'`)[0];
  assert.equal(rotated.key_generation, 1, 'the first change of an adopted account rotated K');
  const renewed = await signIn({ ...staff, password: newPassword });
  assert.notDeepEqual(renewed.accountKey, staff.accountKey);
  await device.page.goto(`${BASE}/inbox`);
  await device.page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
  await device.page.locator(`[data-request-id="${request.id}"] button.open`).click();
  await device.page.locator('li[data-file-id] .name', { hasText: 'kept.txt' }).waitFor({ timeout: 30_000 });
  assert.deepEqual(device.problems, []);
  await device.context.close();
});

test('API keys: made on the account page and shown once, used, revoked there; admins see and revoke them', async () => {
  const boss = await admin();
  const staff = await newStaff('staff', 'Key Page Person');
  const { page, context, problems } = await freshPage(browser, { staff });
  await page.goto(`${BASE}/account`);
  await page.waitForSelector('body[data-state="idle"]');
  await page.waitForSelector('#keys-section:not([hidden])');
  assert.equal(await page.isVisible('#keys-empty'), true);
  await page.click('#create-key');
  assert.match((await page.textContent('#key-name-error')) ?? '', /name/i, 'a key needs a name');
  await page.fill('#key-name', 'page job <b>x</b>');
  await page.check('#key-scope-inbox');
  await page.selectOption('#key-expiry', '7');
  await page.click('#create-key');
  await page.waitForSelector('#key-made:not([hidden])');
  const key = await page.inputValue('#key-made-value');
  remember('an API key made in a page', key);
  assert.equal(sd.b64Decode(key).length, 32);
  assert.equal(await page.textContent('#key-made-name'), 'page job <b>x</b>', 'the name is text');
  const row = page.locator('#key-rows tr[data-state="active"]', { hasText: 'page job' });
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /Share files, Read the inbox/);
  assert.match((await row.textContent()) ?? '', /Never/);
  const who = await call(`${BASE}/api/account`, { headers: { authorization: `Sealdrop-ApiKey ${key}` } });
  assert.equal(who.body.api_key.name, 'page job <b>x</b>');
  await page.reload();
  await page.waitForSelector('#key-rows tr[data-state="active"]');
  assert.equal(await page.isVisible('#key-made'), false, 'the key is not shown again');
  assert.doesNotMatch((await page.textContent('#key-rows')) ?? '', /Never/, 'its use shows');

  // An admin sees it with its owner; the owner revokes it after a confirmation in the row.
  const console = await freshPage(browser, { staff: boss });
  await console.page.goto(`${BASE}/admin`);
  await console.page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
  const adminRow = console.page.locator('#admin-key-rows tr', { hasText: 'page job' });
  assert.match((await adminRow.textContent()) ?? '', new RegExp(staff.email.replace(/[.]/g, '\\.')));
  await page.locator('#key-rows tr button.revoke').click();
  await page.locator('#key-rows tr button.keep').waitFor();
  await page.locator('#key-rows tr button.revoke').click();
  await page.waitForSelector('#key-rows tr[data-state="revoked"]');
  const refused = await call(`${BASE}/api/account`, { headers: { authorization: `Sealdrop-ApiKey ${key}` } });
  assert.equal(refused.status, 401);
  assert.deepEqual([...problems, ...console.problems], []);
  await Promise.all([context.close(), console.context.close()]);
});

test('the staff pages need a session; sign-out ends it', async () => {
  const staff = await newStaff('staff', 'Signing Out');
  const anonymous = await freshPage(browser);
  for (const path of ['/', '/mine', '/inbox', '/account', '/admin']) {
    await anonymous.page.goto(`${BASE}${path}`);
    await anonymous.page.waitForURL(new RegExp(`/signin\\?next=${encodeURIComponent(path)}`), { timeout: 30_000 });
  }
  await anonymous.context.close();
  const signedIn = await freshPage(browser, { staff });
  await signedIn.page.goto(`${BASE}/`);
  await signedIn.page.waitForSelector('body[data-state="idle"]');
  assert.equal(await signedIn.page.locator('#staff-nav a[href="/admin"]').count(), 0, 'no admin link for staff');
  await signedIn.page.click('#sign-out');
  await signedIn.page.waitForURL(/\/signin/, { timeout: 30_000 });
  const after = await call(`${BASE}/api/session`, { headers: as(staff) });
  assert.equal(after.status, 401);
  await signedIn.context.close();
});

test('axe-core, the keyboard and 360 px on the account pages', async () => {
  const boss = await admin();
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  const check = (/** @type {string} */ where) => axeCheck(page, where);
  const invite = await call(`${BASE}/api/invites`, {
    method: 'POST',
    headers: { ...as(boss), 'content-type': 'application/json' },
    body: JSON.stringify({ email: `axe-${randomBytes(4).toString('hex')}@example.org`, role: 'staff', valid_hours: 1 }),
  });
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 800 });
    for (const scheme of /** @type {const} */ (['light', 'dark'])) {
      await page.emulateMedia({ colorScheme: scheme });
      await context.clearCookies();
      await page.goto(`${BASE}/signin`);
      await page.waitForSelector('body[data-state="idle"]');
      await check(`sign-in page, ${scheme}, ${width} px`);
      await page.goto(`${BASE}/join#${invite.body.token}`);
      await page.waitForSelector('body[data-state="idle"]');
      await check(`join page, ${scheme}, ${width} px`);
      await withSession(context, boss);
      for (const [path, state] of [
        ['/account', 'idle'],
        ['/admin', 'ready'],
      ]) {
        await page.goto(`${BASE}${path}`);
        await page.waitForSelector(`body[data-state="${state}"]`);
        await check(`${path}, ${scheme}, ${width} px`);
      }
    }
  }
  // The sign-in form works from the keyboard alone.
  await context.clearCookies();
  await page.goto(`${BASE}/signin`);
  await page.waitForSelector('body[data-state="idle"]');
  await page.focus('#email');
  await page.keyboard.type(boss.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(boss.password);
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-state="kit"], body[data-state="done"]', { timeout: 30_000 });
  await context.close();
});

test('the first load of every page is at most 350 KB compressed (ux.md)', async () => {
  const boss = await admin();
  const share = await uploadShare(BASE, await sealShare([{ name: 'weight-check.txt', data: randomBytes(100) }]), {
    staff: boss,
  });
  const request = await createRequest(boss);
  const { context, page } = await freshPage(browser, { staff: boss });
  /** @type {Map<string, number>} */
  const sizes = new Map();
  page.on('response', async (res) => {
    if (!res.url().startsWith(BASE) || res.url().includes('/api/')) return;
    const body = await res.body().catch(() => Buffer.alloc(0));
    sizes.set(res.url(), gzipSync(body).length);
  });
  const pages = [
    ['/', 'idle'],
    ['/mine', 'ready'],
    ['/inbox', 'locked'],
    ['/account', 'idle'],
    ['/admin', 'ready'],
    [new URL(share.link).pathname + new URL(share.link).hash, 'locked'],
    [new URL(request.link).pathname + new URL(request.link).hash, 'idle'],
  ];
  const invite = await call(`${BASE}/api/invites`, {
    method: 'POST',
    headers: { ...as(boss), 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `weight-${randomBytes(4).toString('hex')}@example.org`,
      role: 'staff',
      valid_hours: 1,
    }),
  });
  /** @type {string[]} */
  const report = [];
  for (const [path, state] of [
    ...pages,
    ['signed out', ''],
    ['/signin', 'idle'],
    [`/join#${invite.body.token}`, 'idle'],
  ]) {
    if (path === 'signed out') {
      await context.clearCookies();
      continue;
    }
    sizes.clear();
    await page.goto(`${BASE}${path}`);
    await page.waitForSelector(`body[data-state="${state}"]`, { timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    const total = [...sizes.values()].reduce((a, b) => a + b, 0);
    report.push(`${path.split('#')[0]} ${(total / 1000).toFixed(0)} KB`);
    assert.ok(total <= 350_000, `${path}: ${total} bytes compressed`);
    assert.ok(total > 20_000, `${path}: the page's scripts and styles were counted (${total} bytes)`);
  }
  console.log(`first loads, gzip: ${report.join(', ')}`);
  await context.close();
});
