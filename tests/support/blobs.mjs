// Reading the bytes behind a page's save link (a blob: URL) in every engine the suites drive. The
// pages' CSP (connect-src 'self') rightly allows no fetch of a blob: URL, so the page keeps every
// Blob it makes a URL for, and the test reads that Blob.

/**
 * Keeps every Blob the page makes a URL for. Installed before the page makes the link: as an init
 * script (Playwright, puppeteer) or evaluated in the page (WebDriver classic has no init script).
 */
export const KEEP_BLOBS = () => {
  const w = /** @type {any} */ (window);
  if (w.__blobs) return;
  w.__blobs = new Map();
  const make = URL.createObjectURL;
  URL.createObjectURL = (/** @type {Blob} */ blob) => {
    const url = make(blob);
    w.__blobs.set(url, blob);
    return url;
  };
};

/**
 * In the page: the SHA-256 (hex) of the Blob behind the save link `selector`, kept by KEEP_BLOBS.
 * @param {string} selector
 */
export const BLOB_DIGEST = async (selector) => {
  const a = /** @type {HTMLAnchorElement} */ (document.querySelector(selector));
  const blob = /** @type {Blob | undefined} */ (/** @type {any} */ (window).__blobs?.get(a.href));
  if (!blob) throw new Error(`no Blob was kept for ${a.href}`);
  const hash = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, '0')).join('');
};

/**
 * In the page: the names of the files the staged writer keeps in the origin-private file system
 * (js/download/stage-protocol.js STAGED_DIR), so that a test sees what is staged, verified or not.
 * @returns {Promise<string[]>}
 */
export const STAGED_NAMES = async () => {
  const names = [];
  const root = await navigator.storage.getDirectory();
  // @ts-ignore: async iteration of a directory handle
  for await (const name of root.keys()) {
    if (name !== 'sealdrop-staged') continue;
    // @ts-ignore: async iteration of a directory handle
    for await (const staged of (await root.getDirectoryHandle(name)).keys()) names.push(staged);
  }
  return names;
};
