// Real Chromium (Debian's), driven by playwright-core: launch options that work on this machine.
import { chromium } from 'playwright-core';

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

/** Leaves the page no File System Access API, so that it streams through its service worker. */
export const NO_PICKER = () => {
  // @ts-ignore: removed for the test
  delete window.showSaveFilePicker;
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
