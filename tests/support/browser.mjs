// Real Chromium (Debian's), driven by playwright-core: launch options that work on this machine.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from './stack.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Without the background-networking flags Chromium keeps calling hosts this machine cannot reach. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** @param {string[]} [extraArgs] */
export function launch(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs], timeout: 60_000 });
}

/**
 * Makes the File System Access writer testable: Playwright cannot answer the save picker, so
 * the page's picker returns a handle in the origin-private file system, a real
 * FileSystemFileHandle with the same createWritable/abort/remove behaviour.
 */
export const OPFS_PICKER = () => {
  // @ts-ignore: replaced for the test
  window.showSaveFilePicker = async (/** @type {{ suggestedName: string }} */ options) =>
    (await navigator.storage.getDirectory()).getFileHandle(options.suggestedName, { create: true });
};

/**
 * Leaves the page only its service-worker stream: no File System Access API, no origin-private
 * file system, and a memory writer that takes no file (js/download/writers/memory.js), so that
 * every file goes to the browser's own download, as a file over the memory cap does in a browser
 * with neither (WebKitGTK 2.50).
 */
export const NO_PICKER = () => {
  // @ts-ignore: removed for the test
  delete window.showSaveFilePicker;
  // StorageManager exists only in secure contexts (not in Firefox's first about:blank).
  // @ts-ignore: removed for the test
  if (typeof StorageManager === 'function') delete StorageManager.prototype.getDirectory;
  /** @type {any} */ (globalThis).__sealdropMemoryCap = -1;
};

/**
 * Leaves the page no File System Access API and no service worker, so that the download page
 * chooses its staged writer (an origin-private file written through a worker's sync access
 * handle, as in Firefox and Safari).
 */
export const STAGED_ONLY = () => {
  // @ts-ignore: removed for the test
  delete window.showSaveFilePicker;
  // @ts-ignore: removed for the test; 'serviceWorker' in navigator is then false
  delete Navigator.prototype.serviceWorker;
};

/**
 * As STAGED_ONLY, and no origin-private file system on the page either (as in WebKitGTK 2.50),
 * so that the download page keeps each file in memory, up to its cap (512 MiB; a test that needs
 * a lower one sets globalThis.__sealdropMemoryCap itself).
 */
export const MEMORY_ONLY = () => {
  // @ts-ignore: removed for the test
  delete window.showSaveFilePicker;
  // @ts-ignore: removed for the test
  delete Navigator.prototype.serviceWorker;
  // @ts-ignore: removed for the test
  delete StorageManager.prototype.getDirectory;
};

/**
 * Gives a browser context the session of `staff` (made through the API), as if they had signed
 * in there: the share page and My shares need no more. Pages that open keys (the inbox) need the
 * sign-in page itself, which these tests drive too.
 * @param {import('playwright-core').BrowserContext} context
 * @param {{ cookie: string }} staff
 */
export async function withSession(context, staff) {
  const [name, value] = staff.cookie.split('=');
  await context.addCookies([
    { name, value, domain: '127.0.0.1', path: '/', secure: true, httpOnly: true, sameSite: 'Strict' },
  ]);
}

/**
 * A fresh context and page that record what must never happen on our pages: a CSP violation, a
 * page error, or a dialog (a script that should not run, such as a name's markup). Signed in as
 * `staff` when given.
 * @param {import('playwright-core').Browser} browser
 * @param {{ init?: () => void, staff?: { cookie: string }, options?: import('playwright-core').BrowserContextOptions }} [setup]
 */
export async function freshPage(browser, { init, staff, options = { acceptDownloads: true } } = {}) {
  const context = await browser.newContext(options);
  if (staff) await withSession(context, staff);
  const page = await context.newPage();
  if (init) await page.addInitScript(init);
  /** @type {string[]} */
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('dialog', (d) => {
    problems.push(`a dialog opened: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  return { context, page, problems };
}

/**
 * Runs axe-core (WCAG 2.x A and AA) on the page and fails on any serious or critical finding; at
 * 360 px or less, also on sideways scrolling. The page's context must bypass CSP, which rightly
 * refuses the injected script.
 * @param {import('playwright-core').Page} page
 * @param {string} where
 */
export async function axeCheck(page, where) {
  await page.addScriptTag({ path: join(ROOT, 'node_modules/axe-core/axe.min.js') });
  const { violations, passes } = await page.evaluate(async () => {
    // @ts-ignore: injected above
    const result = await window.axe.run(document, {
      runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'],
    });
    return {
      violations: result.violations
        .filter((/** @type {{ impact: string }} */ v) => v.impact === 'serious' || v.impact === 'critical')
        .map((/** @type {{ id: string, help: string }} */ v) => `${v.id}: ${v.help}`),
      passes: result.passes.length,
    };
  });
  assert.deepEqual(violations, [], where);
  assert.ok(passes >= 10, `axe ran its rules on the ${where} (${passes} passed)`);
  if ((page.viewportSize()?.width ?? Infinity) <= 360) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${where}: no sideways scrolling at 360 px`);
  }
}

/**
 * Signs in through the sign-in page, typing the emergency kit when `kit` is given (a browser the
 * account has not used), and waits to land on `next`.
 * @param {import('playwright-core').Page} page
 * @param {string} base
 * @param {{ email: string, password: string }} who
 * @param {string | null} kit
 * @param {string} [next]
 */
export async function signInThroughPage(page, base, who, kit, next = '/inbox') {
  await page.goto(`${base}/signin?next=${encodeURIComponent(next)}`);
  await page.waitForSelector('body[data-state="idle"]');
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await page.click('#sign-in');
  if (kit !== null) {
    await page.waitForSelector('body[data-state="kit"]', { timeout: 30_000 });
    await page.fill('#kit', kit);
    await page.click('#sign-in');
  }
  await page.waitForURL(`${base}${next}`, { timeout: 30_000 });
}
