// The two other browser engines the suites drive, behind one small interface: Firefox (Debian's
// firefox-esr, headless) through puppeteer-core over WebDriver BiDi, and WebKit (WebKitGTK's
// MiniBrowser, Safari's engine) through selenium-webdriver and WebKitWebDriver under Xvfb.
// Tests call the same methods on either; what a driver cannot do is said where it matters.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { Builder, By, until } from 'selenium-webdriver';

/** @typedef {'firefox' | 'webkit'} EngineName */

/**
 * A page of either engine. Selectors are CSS; `evaluate` runs `fn(arg)` in the page (awaiting a
 * promise) and returns its JSON value.
 * @typedef {{
 *   goto: (url: string) => Promise<void>,
 *   click: (selector: string) => Promise<void>,
 *   fill: (selector: string, value: string) => Promise<void>,
 *   check: (selector: string) => Promise<void>,
 *   waitFor: (selector: string, timeoutMs?: number) => Promise<void>,
 *   attr: (selector: string, name: string) => Promise<string | null>,
 *   text: (selector: string) => Promise<string>,
 *   value: (selector: string) => Promise<string>,
 *   url: () => Promise<string>,
 *   evaluate: <A, R>(fn: (arg: A) => R | Promise<R>, arg?: A) => Promise<Awaited<R>>,
 *   setFiles: (selector: string, paths: string[]) => Promise<void>,
 *   problems: () => Promise<string[]>,
 *   close: () => Promise<void>,
 * }} EnginePage
 */

/**
 * How a page opens. `init` runs before every document's scripts (Firefox only: WebDriver classic
 * has none); `features` turns WebKit features on or off for the page's browser, as MiniBrowser's
 * `--features` does (`-ServiceWorkers`; WebKit only: the way to take an API away there).
 * @typedef {{ init?: () => void, features?: string[], staff?: { cookie: string }, base: string }} OpenOptions
 */

/**
 * @typedef {{
 *   name: EngineName,
 *   downloadDir: string | null,
 *   pid: number | null,
 *   open: (options?: OpenOptions) => Promise<EnginePage>,
 *   close: () => Promise<void>,
 * }} Engine
 */

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const PROBLEM = /Content.Security.Policy|Refused to/i;

/**
 * @param {EngineName} name
 * @returns {Promise<Engine>}
 */
export function launchEngine(name) {
  return name === 'firefox' ? launchFirefox() : launchWebKit();
}

/** @returns {Promise<Engine>} */
async function launchFirefox() {
  const downloadDir = mkdtempSync(join(tmpdir(), 'sealdrop-firefox-downloads-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX,
    headless: true,
    timeout: 60_000,
    extraPrefsFirefox: {
      'browser.download.dir': downloadDir,
      'browser.download.folderList': 2,
      'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false,
      'browser.helperApps.neverAsk.saveToDisk': 'application/octet-stream',
      'browser.download.manager.showWhenStarting': false,
      'browser.download.start_downloads_in_tmp_dir': false,
      // No calls to hosts this machine cannot reach.
      'app.update.enabled': false,
      'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false,
      'browser.safebrowsing.downloads.enabled': false,
      'network.captive-portal-service.enabled': false,
    },
  });
  return {
    name: 'firefox',
    downloadDir,
    pid: browser.process()?.pid ?? null,
    async open({ init, features, staff, base } = { base: '' }) {
      if (features) throw new Error('Firefox pages take no WebKit features: use init');
      const context = await browser.createBrowserContext();
      if (staff) {
        const [cookieName, value] = staff.cookie.split('=');
        await context.setCookie({
          name: cookieName,
          value,
          domain: '127.0.0.1',
          path: '/',
          secure: true,
          httpOnly: true,
          sameSite: 'Strict',
        });
      }
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      if (init) await page.evaluateOnNewDocument(init);
      /** @type {string[]} */
      const problems = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && PROBLEM.test(m.text())) problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('dialog', (d) => {
        problems.push(`a dialog opened: ${d.message()}`);
        d.dismiss().catch(() => {});
      });
      void base;
      return {
        goto: async (url) => void (await page.goto(url)),
        click: async (selector) => {
          await page.waitForSelector(selector, { visible: true });
          await page.click(selector);
        },
        fill: async (selector, value) => {
          await page.waitForSelector(selector, { visible: true });
          await page.locator(selector).fill(value);
        },
        check: async (selector) => {
          await page.waitForSelector(selector, { visible: true });
          if (!(await page.$eval(selector, (e) => /** @type {HTMLInputElement} */ (e).checked))) {
            await page.click(selector);
          }
        },
        waitFor: async (selector, timeoutMs = 30_000) =>
          void (await page.waitForSelector(selector, { timeout: timeoutMs })),
        attr: (selector, attribute) => page.$eval(selector, (e, a) => e.getAttribute(a), attribute),
        text: (selector) => page.$eval(selector, (e) => e.textContent ?? ''),
        value: (selector) => page.$eval(selector, (e) => /** @type {HTMLInputElement} */ (e).value),
        url: async () => page.url(),
        evaluate: (fn, arg) => /** @type {any} */ (page.evaluate(/** @type {any} */ (fn), arg)),
        setFiles: async (selector, paths) => {
          const input = /** @type {import('puppeteer-core').ElementHandle<HTMLInputElement>} */ (
            await page.$(selector)
          );
          await input.uploadFile(...paths);
        },
        problems: async () => problems,
        close: () => context.close(),
      };
    },
    async close() {
      await browser.close();
      rmSync(downloadDir, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on now. */
function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => done(address.port));
    });
  });
}

/**
 * Listens in the page for what must never happen: page errors, unhandled rejections and CSP
 * violations. WebDriver classic has no init script and no event stream, so this is installed after
 * each navigation and sees only what happens from then on (an error in the page's first script
 * run is not seen here; Chromium's and Firefox's suites see those).
 */
const LISTEN = () => {
  const w = /** @type {any} */ (window);
  if (w.__problems) return;
  w.__problems = [];
  window.addEventListener('error', (e) => w.__problems.push(`error: ${e.message}`));
  window.addEventListener('unhandledrejection', (e) => w.__problems.push(`unhandled: ${String(e.reason)}`));
  document.addEventListener('securitypolicyviolation', (e) =>
    w.__problems.push(`CSP: ${e.violatedDirective} ${e.blockedURI}`),
  );
  window.alert = window.confirm = /** @type {any} */ (
    (/** @type {unknown} */ m) => w.__problems.push(`a dialog opened: ${String(m)}`)
  );
};

/** @returns {Promise<Engine>} */
async function launchWebKit() {
  const port = await freePort();
  // xvfb-run gives MiniBrowser (which has no headless mode) a display of its own; the driver and
  // the display are one process group, ended at close or when this process exits.
  // WebKitGTK saves downloads (the service-worker stream's) in the XDG download folder, else in
  // $HOME: a folder of its own here, named in the user-dirs.dirs of a config home of its own.
  const downloadDir = mkdtempSync(join(tmpdir(), 'sealdrop-webkit-downloads-'));
  const configHome = mkdtempSync(join(tmpdir(), 'sealdrop-webkit-config-'));
  mkdirSync(configHome, { recursive: true });
  writeFileSync(join(configHome, 'user-dirs.dirs'), `XDG_DOWNLOAD_DIR="${downloadDir}"\n`);
  const child = spawn('xvfb-run', ['-a', 'WebKitWebDriver', `--port=${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
    env: { ...process.env, XDG_CONFIG_HOME: configHome },
  });
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  const kill = () => {
    try {
      process.kill(-(/** @type {number} */ (child.pid)), 'SIGKILL');
    } catch {
      // gone already
    }
  };
  process.once('exit', kill);
  const server = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited: ${log}`);
    try {
      if ((await fetch(`${server}/status`)).ok) break;
    } catch {
      // not yet listening
    }
    if (Date.now() > deadline) {
      kill();
      throw new Error(`WebKitWebDriver did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  /** @type {Set<import('selenium-webdriver').WebDriver>} */
  const sessions = new Set();
  return {
    name: 'webkit',
    downloadDir,
    pid: null,
    async open({ init, features = [], staff, base } = { base: '' }) {
      if (init) throw new Error('WebKit pages take no init script (WebDriver classic has none): use features');
      // One session per page (WebKitWebDriver holds one at a time): fresh storage every time. A
      // page a failed test left open is ended first.
      for (const old of sessions) await old.quit().catch(() => {});
      sessions.clear();
      const driver = await new Builder()
        .usingServer(server)
        .withCapabilities({
          browserName: 'MiniBrowser',
          // The https stack of the WebKit suite has wrangler's self-signed certificate, on loopback.
          acceptInsecureCerts: true,
          'webkitgtk:browserOptions': {
            binary: MINIBROWSER,
            args: ['--automation', ...(features.length ? [`--features=${features.join(',')}`] : [])],
          },
        })
        .build();
      sessions.add(driver);
      await driver.manage().setTimeouts({ script: 180_000, pageLoad: 60_000 });
      if (staff) {
        // A cookie is set on the page's origin: open it first.
        await driver.get(`${base}/robots.txt`);
        const [cookieName, value] = staff.cookie.split('=');
        await driver
          .manage()
          .addCookie({ name: cookieName, value, path: '/', secure: true, httpOnly: true, sameSite: 'Strict' });
        // WebKitGTK keeps no Secure cookie for http://127.0.0.1 (Chromium and Firefox take loopback
        // for a secure origin): fail here rather than on a signed-out page.
        const kept = await driver
          .manage()
          .getCookie(cookieName)
          .catch(() => null);
        if (!kept) {
          throw new Error(`WebKit kept no Secure cookie for ${base}`);
        }
      }
      const listen = () => driver.executeScript(LISTEN);
      /** @type {string[]} */
      const seen = [];
      const collect = async () => {
        try {
          seen.push(.../** @type {string[]} */ (await driver.executeScript('return window.__problems || []')));
          await driver.executeScript('if (window.__problems) window.__problems.length = 0');
        } catch {
          // the page is navigating
        }
      };
      const find = (/** @type {string} */ selector) =>
        driver.wait(until.elementLocated(By.css(selector)), 30_000, `no ${selector}`);
      return {
        goto: async (url) => {
          await collect();
          await driver.get(url);
          await listen();
        },
        click: async (selector) => {
          const el = await find(selector);
          await driver.wait(until.elementIsVisible(el), 30_000, `${selector} is not visible`);
          await el.click();
        },
        fill: async (selector, value) => {
          const el = await find(selector);
          await el.clear();
          await el.sendKeys(value);
        },
        check: async (selector) => {
          const el = await find(selector);
          if (!(await el.isSelected())) await el.click();
        },
        waitFor: async (selector, timeoutMs = 30_000) => {
          await driver.wait(until.elementLocated(By.css(selector)), timeoutMs, `no ${selector} within ${timeoutMs} ms`);
          await listen();
        },
        attr: async (selector, attribute) => (await find(selector)).getAttribute(attribute),
        text: async (selector) =>
          /** @type {string} */ (await driver.executeScript('return arguments[0].textContent', await find(selector))),
        value: async (selector) =>
          /** @type {string} */ (await driver.executeScript('return arguments[0].value', await find(selector))),
        url: () => driver.getCurrentUrl(),
        evaluate: async (fn, arg) => {
          const json = /** @type {string | undefined} */ (
            await driver.executeScript(
              `return Promise.resolve((${fn.toString()})(arguments[0])).then((v) => JSON.stringify(v))`,
              arg,
            )
          );
          return json === undefined ? undefined : JSON.parse(json);
        },
        setFiles: async (selector, paths) => {
          // A local path per line; the input is hidden, which file inputs allow (no strict
          // interactability).
          await (await driver.findElement(By.css(selector))).sendKeys(paths.join('\n'));
        },
        problems: async () => {
          await collect();
          return seen;
        },
        close: async () => {
          sessions.delete(driver);
          await driver.quit();
        },
      };
    },
    async close() {
      for (const driver of sessions) await driver.quit().catch(() => {});
      kill();
      process.off('exit', kill);
      rmSync(downloadDir, { recursive: true, force: true });
      rmSync(configHome, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until a download named `name` has finished in `dir` (Firefox writes `name.part` until
 * then) and returns its path.
 * @param {string} dir
 * @param {string} name
 * @param {number} [size] the size it must reach
 * @param {number} [timeoutMs]
 */
export async function downloaded(dir, name, size, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = readdirSync(dir);
    // Firefox makes an empty placeholder under the final name at the start.
    const done =
      names.includes(name) &&
      !names.some((n) => n.startsWith(name) && n.endsWith('.part')) &&
      (size === undefined || statSync(join(dir, name)).size === size);
    if (done) return join(dir, name);
    if (Date.now() > deadline) throw new Error(`${name} did not finish downloading (${names.join(', ')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
