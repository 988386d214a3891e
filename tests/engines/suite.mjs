// The pages end to end in Firefox and in WebKit (tests/support/engines.mjs), against the same
// stack as the Chromium suites, with the same byte-level checks: the download page (0 B, 1 B and
// 64 MiB in one share, a password, a tampered chunk, every refusal page) through each engine's own
// writer (staged in Firefox, memory in WebKitGTK 2.50) and through the service-worker stream that
// takes files over the memory cap; the partner's request page (several files, the receipt); the
// share page (with options, signed in by cookie) and sign-in on a new device with the kit. One
// place per rule: firefox.test.mjs and webkit.test.mjs each run this file's tests for their engine.
//
// The suite shares its stack with the other suites (tests/run.mjs), so it moves no clock, runs no
// purge, and forgets the wrong proofs it makes (the 30 an hour per address hold for every page on
// 127.0.0.1 at once).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchEngine, downloaded } from '../support/engines.mjs';
import { KEEP_BLOBS, BLOB_DIGEST, STAGED_NAMES } from '../support/blobs.mjs';
import { NO_PICKER } from '../support/browser.mjs';
import { admin, as, newStaff } from '../support/accounts.mjs';
import { BASE, STATE_DIR, callFrom, d1, remember, rememberShare } from '../support/env.mjs';
import { flipStoredByte, storedState } from '../support/stored.mjs';
import { sd, sealShare, uploadShare, downloadShare } from '../support/client.mjs';
import { createRequest, openInbox } from '../support/requests.mjs';

const MiB = 1024 * 1024;
const XSS = '<img src=x onerror=alert(1)>';
const sha256 = (/** @type {Uint8Array} */ b) => createHash('sha256').update(b).digest('hex');

/**
 * Writes `files` (name and size) as random bytes into `dir`.
 * @param {string} dir
 * @param {[string, number][]} specs
 */
function makeFiles(dir, specs) {
  return specs.map(([stem, size]) => {
    const name = stem.includes('<') ? stem : `${stem}-${randomBytes(6).toString('hex')}.bin`;
    const data = randomBytes(size);
    const path = join(dir, name);
    writeFileSync(path, data);
    return { name, path, data };
  });
}

/** The wrong proofs made on `id` from this host are forgotten: they must count against no other suite. */
const forgetFailures = (/** @type {string} */ id) => d1(`DELETE FROM proof_failures WHERE share_id = '${id}'`);

/**
 * Runs every test of this suite in `name`. The pages that need a session (the share page, sign-in)
 * run against `sessions`, a stack of their own where the engine keeps no Secure cookie on the
 * suite's http://127.0.0.1 (WebKitGTK: Chromium and Firefox take loopback for a secure origin).
 * @param {import('../support/engines.mjs').EngineName} name
 * @param {{ sessions?: { base: string, stateDir: string } }} [options]
 */
export function engineSuite(name, { sessions = { base: BASE, stateDir: STATE_DIR } } = {}) {
  /** @type {import('../support/engines.mjs').Engine} */
  let engine;
  const dir = mkdtempSync(join(tmpdir(), `sealdrop-${name}-`));
  const started = Date.now();
  const open = (/** @type {Partial<import('../support/engines.mjs').OpenOptions>} */ options = {}) =>
    engine.open({ base: BASE, ...options });

  before(async () => {
    engine = await launchEngine(name);
  });
  after(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
    console.log(`# ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  /**
   * The SHA-256 of file `j` as the page saved it, after it is verified. With the staged or memory
   * writer (each engine's own, and every file that fits) the bytes are those behind the row's save
   * link (a blob: URL, read in the page); through the service-worker stream (`streamed`) they are
   * the real download in the engine's download folder.
   * @param {import('../support/engines.mjs').EnginePage} page
   * @param {number} j
   * @param {string} fileName
   * @param {number} bytes its size
   * @param {boolean} [streamed]
   */
  async function savedDigest(page, j, fileName, bytes, streamed = false) {
    await page.waitFor(`li[data-j="${j}"][data-state="verified"]`, 120_000);
    if (streamed) {
      assert.equal(await page.evaluate(() => document.querySelectorAll('a.save-file').length), 0, 'nothing to offer');
      return sha256(readFileSync(await downloaded(/** @type {string} */ (engine.downloadDir), fileName, bytes)));
    }
    const link = `li[data-j="${j}"] a.save-file[download]`;
    await page.waitFor(link);
    assert.match((await page.attr(link, 'href')) ?? '', /^blob:/);
    assert.equal(await page.attr(link, 'download'), fileName);
    assert.match(await page.text('#save-how'), /\w/, 'the page says how this browser saves');
    return page.evaluate(BLOB_DIGEST, link);
  }

  /** A share made through the API, with its link. */
  async function apiShare(
    /** @type {{ name: string, data: Uint8Array }[]} */ files,
    /** @type {Parameters<typeof sealShare>[1]} */ options = {},
  ) {
    const share = await sealShare(files, options);
    rememberShare(share, files, sd.b64Encode);
    return { share, ...(await uploadShare(BASE, share)) };
  }

  test(`${name}: the share page uploads several files with options; the link opens byte for byte`, async () => {
    const files = makeFiles(dir, [
      ['empty', 0],
      ['one-byte', 1],
      ['seven-hundred-kib', 700 * 1024],
      ['five-mib-plus-one', 5 * MiB + 1],
      ['sixty-four-mib', 64 * MiB],
    ]);
    const page = await open({ base: sessions.base, staff: await admin(sessions) });
    await page.goto(`${sessions.base}/`);
    await page.waitFor('body[data-state="idle"]');
    await page.setFiles(
      '#file-input',
      files.map((f) => f.path),
    );
    await page.click('#options summary');
    await page.check('input[name=expiry][value="86400"]');
    await page.fill('#download-limit', '3');
    await page.click('#share-button');
    await page.waitFor('body[data-state="done"]', 180_000);
    const link = await page.value('#share-link');
    assert.match(link, new RegExp(`^${sessions.base}/d/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{43}$`));
    assert.match(await page.text('#share-limit'), /3 downloads/);
    assert.match(await page.text('#share-expires'), /1 day|24 hours/);
    assert.deepEqual(await page.problems(), []);
    await page.close();
    const id = new URL(link).pathname.split('/')[2];
    const ls = sd.b64Decode(link.split('#')[1]);
    const ss = sd.shareSecretFromLink(ls);
    rememberShare({ ls, ss, authKey: sd.shareAuthKey(ss) }, files, sd.b64Encode);
    const row = d1(
      `SELECT max_downloads, expires_at - created_at AS lifetime FROM shares WHERE id = '${id}'`,
      sessions.stateDir,
    )[0];
    assert.equal(row.max_downloads, 3);
    assert.ok(Math.abs(Number(row.lifetime) - 24 * 3600 * 1000) < 5 * 60 * 1000, `lifetime ${row.lifetime}`);
    const got = await downloadShare(sessions.base, id, ls);
    assert.equal(got.files.length, files.length);
    for (const f of files) {
      const back = got.files.find((g) => g.name === f.name);
      assert.ok(back, `${f.name} is in the share`);
      assert.equal(sha256(back.data), sha256(f.data), `${f.name} byte for byte`);
    }
  });

  // The person reloads the tab mid-way and says yes to leaving (the page's guard is told the
  // upload is over, as the browser's "Leave" does): the share page offers the interrupted batch,
  // takes the same file again, checks what was sent and completes the same share.
  test(`${name}: a 64 MiB upload on the share page resumes after a reload`, async () => {
    const [file] = makeFiles(dir, [['reloaded', 64 * MiB]]);
    const { shareIds } = storedState(sessions.stateDir);
    const before = new Set(shareIds('uploading'));
    const page = await open({ base: sessions.base, staff: await admin(sessions) });
    try {
      await page.goto(`${sessions.base}/`);
      await page.waitFor('body[data-state="idle"]');
      await page.setFiles('#file-input', [file.path]);
      await page.click('#share-button');
      const sentAtReload = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const poll = setInterval(() => {
              const bar = /** @type {HTMLProgressElement | null} */ (document.querySelector('#file-list progress'));
              if (document.body.dataset.state === 'done') resolve(1);
              if (!bar || bar.value < 0.3 * bar.max) return;
              clearInterval(poll);
              resolve(bar.value / bar.max);
              document.body.dataset.state = 'idle';
              setTimeout(() => location.reload(), 0);
            }, 5);
          }),
      );
      assert.ok(sentAtReload < 1, 'the upload was still going at the reload');
      await page.waitFor(`#resume[data-state="offer"] li[data-file="${file.name}"]`, 60_000);
      const interrupted = shareIds('uploading').filter((id) => !before.has(id));
      assert.equal(interrupted.length, 1, 'the reload left one unfinished share');
      await page.setFiles('#resume-input', [file.path]);
      await page.waitFor('body[data-state="done"]', 180_000);
      const link = await page.value('#share-link');
      const id = new URL(link).pathname.split('/')[2];
      assert.equal(id, interrupted[0], 'the upload resumed into the share it began');
      assert.deepEqual(await page.problems(), []);
      const got = await downloadShare(sessions.base, id, sd.b64Decode(link.split('#')[1]));
      assert.equal(sha256(got.files[0].data), sha256(file.data), 'byte for byte');
    } finally {
      await page.close();
    }
  });

  test(`${name}: the download page saves 0 B, 1 B and 64 MiB files of one share, verified`, async () => {
    const files = makeFiles(dir, [
      ['empty', 0],
      ['one-byte', 1],
      ['sixty-four-mib', 64 * MiB],
    ]);
    const { link } = await apiShare(files);
    const page = await open();
    await page.goto(link);
    await page.waitFor('body[data-state="locked"]');
    await page.click('#reveal');
    await page.waitFor('body[data-state="ready"]');
    await page.evaluate(KEEP_BLOBS);
    const listed = await page.text('#file-list');
    for (const f of files) assert.ok(listed.includes(f.name), `${f.name} is listed`);
    for (let j = 0; j < files.length; j++) {
      await page.click(`li[data-j="${j}"] button`);
      assert.equal(
        await savedDigest(page, j, files[j].name, files[j].data.length),
        sha256(files[j].data),
        `${files[j].name} byte for byte`,
      );
    }
    assert.deepEqual(await page.problems(), []);
    await page.close();
  });

  test(`${name}: a password share opens with the password only, and saves byte for byte`, async () => {
    const [file] = makeFiles(dir, [['password', 300 * 1024]]);
    const password = `pass ${randomBytes(4).toString('hex')}`;
    remember('a share password', password);
    const { id, link } = await apiShare([file], { password });
    const page = await open();
    try {
      await page.goto(link);
      await page.waitFor('body[data-state="locked"]');
      await page.fill('#password', 'not the password');
      await page.click('#reveal');
      await page.waitFor('body[data-state="error"]');
      assert.match(await page.text('#status'), /Wrong password or damaged link\. 9 tries left\./);
      await page.fill('#password', password);
      await page.click('#reveal');
      await page.waitFor('body[data-state="ready"]');
      await page.evaluate(KEEP_BLOBS);
      await page.click('li[data-j="0"] button');
      assert.equal(await savedDigest(page, 0, file.name, file.data.length), sha256(file.data));
      assert.deepEqual(await page.problems(), []);
    } finally {
      forgetFailures(id);
      await page.close();
    }
  });

  /** What the engine's download folder holds of `fileName`, with sizes. */
  const inDownloads = (/** @type {string} */ fileName) =>
    readdirSync(/** @type {string} */ (engine.downloadDir))
      .filter((n) => n.startsWith(fileName))
      .map((n) => ({ n, size: statSync(join(/** @type {string} */ (engine.downloadDir), n)).size }));

  // Each engine's own writer: staged in Firefox (its origin-private file system), memory in
  // WebKitGTK 2.50 (which has none). Neither offers or writes anything before the file verified.
  test(`${name}: a tampered chunk ends in a clear error and nothing is kept`, async () => {
    const name0 = `tampered-${randomBytes(6).toString('hex')}.bin`;
    const data = randomBytes(12 * MiB);
    const { share, link } = await apiShare([{ name: name0, data }]);
    flipStoredByte(STATE_DIR, share.files[0].payload, 20 * (524288 + 16) + 100); // chunk 20 of 25
    const page = await open();
    try {
      await page.goto(link);
      await page.waitFor(`body[data-writer="${name === 'firefox' ? 'staged' : 'memory'}"]`);
      const staged = name === 'firefox' ? async () => (await page.evaluate(STAGED_NAMES)).sort() : async () => [];
      const before = await staged();
      await page.click('#reveal');
      await page.waitFor('body[data-state="ready"]');
      await page.click('li[data-j="0"] button');
      await page.waitFor('li[data-j="0"][data-state="tampered"]', 60_000);
      assert.match(await page.text('li[data-j="0"]'), /changed after it was sent\. Nothing was saved\./);
      assert.equal(await page.evaluate(() => document.querySelectorAll('a.save-file').length), 0, 'no save link');
      assert.deepEqual(await staged(), before, 'nothing of the file is staged');
      assert.deepEqual(inDownloads(name0), [], 'nothing of the file is in Downloads');
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.close();
    }
  });

  // A file over the memory writer's cap, where the engine has neither File System Access nor an
  // origin-private file system (WebKitGTK 2.50), goes to the browser's own download through the
  // service worker. The cap is lowered so that every file does: by an init script in Firefox
  // (which loses its file system too), by a script after load in WebKit (WebDriver classic has no
  // init script; the cap is read at each download).
  test(`${name}: files over the memory cap stream to Downloads byte for byte; a tampered one says what may be left`, async () => {
    const files = makeFiles(dir, [
      ['streamed-empty', 0],
      ['streamed-five-mib-plus-one', 5 * MiB + 1],
    ]);
    const { link } = await apiShare(files);
    const tamperedName = `streamed-tampered-${randomBytes(6).toString('hex')}.bin`;
    const bad = await apiShare([{ name: tamperedName, data: randomBytes(12 * MiB) }]);
    flipStoredByte(STATE_DIR, bad.share.files[0].payload, 20 * (524288 + 16) + 100); // chunk 20 of 25
    const streamOnly = name === 'firefox' ? { init: NO_PICKER } : {};
    /** Opens `url` with every file over the memory cap. */
    const openStreaming = async (/** @type {string} */ url) => {
      const page = await open(streamOnly);
      await page.goto(url);
      await page.waitFor('body[data-writer="memory"]');
      await page.evaluate(() => {
        /** @type {any} */ (globalThis).__sealdropMemoryCap = -1;
      });
      await page.click('#reveal');
      await page.waitFor('body[data-state="ready"]');
      return page;
    };
    // A page of its own for each share: Firefox does not finish a navigation of a page whose
    // stream downloads it saved.
    let page = await openStreaming(link);
    try {
      assert.match(await page.text('#save-how'), /saves a larger file to your Downloads folder as it arrives/);
      for (let j = 0; j < files.length; j++) {
        await page.click(`li[data-j="${j}"] button`);
        assert.equal(
          await savedDigest(page, j, files[j].name, files[j].data.length, true),
          sha256(files[j].data),
          `${files[j].name} byte for byte in Downloads`,
        );
      }
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.close();
    }
    page = await openStreaming(bad.link);
    try {
      await page.click('li[data-j="0"] button');
      await page.waitFor('li[data-j="0"][data-state="tampered"]', 60_000);
      assert.match(
        await page.text('li[data-j="0"]'),
        /changed after it was sent\. Your browser may have kept the part it saved before the change: delete it from your Downloads folder\./,
      );
      // Firefox leaves the empty placeholder of the failed download; WebKitGTK keeps the part it
      // wrote, under the file's name, as if it were done: what the sentence warns of. Never the whole file.
      await new Promise((r) => setTimeout(r, 2000));
      for (const left of inDownloads(tamperedName)) {
        assert.ok(left.size < 20 * (524288 + 16), `${left.n} holds only what came before the changed chunk`);
        if (name === 'firefox') assert.equal(left.size, 0, `${left.n} is Firefox's empty placeholder`);
      }
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.close();
    }
  });

  test(`${name}: wrong links and every ended or refused share get their own page`, async () => {
    const page = await open();
    /**
     * @param {string} link
     * @param {string} state
     * @param {boolean} [click]
     */
    const stateOf = async (link, state, click = false) => {
      await page.goto(link);
      if (click) {
        await page.waitFor('body[data-state="locked"]');
        await page.click('#reveal');
      }
      await page.waitFor(`body[data-state="${state}"]`);
      const status = await page.text('#status');
      assert.ok(status.length > 20, `${state}: "${status}" says what happened`);
      return status;
    };
    const one = () => [{ name: `state-${randomBytes(6).toString('hex')}.txt`, data: randomBytes(1000) }];

    const known = await apiShare(one());
    assert.match(
      await stateOf(`${BASE}/d/${sd.b64Encode(randomBytes(16))}#${sd.b64Encode(randomBytes(32))}`, 'not-found'),
      /No share with this link exists/,
    );
    await page.goto(`${BASE}/d/${known.id}`);
    await page.waitFor('body[data-state="bad-link"]');
    await page.goto(`${BASE}/d/not-an-id#${sd.b64Encode(randomBytes(32))}`);
    await page.waitFor('body[data-state="bad-link"]');
    const wrong = sd.b64Encode(randomBytes(32));
    remember('a wrong link secret', wrong);
    try {
      assert.match(await stateOf(`${BASE}/d/${known.id}#${wrong}`, 'error', true), /Wrong password or damaged link/);
    } finally {
      forgetFailures(known.id);
    }
    assert.equal(Number(d1(`SELECT downloads FROM shares WHERE id = '${known.id}'`)[0].downloads), 0);

    const exhausted = await apiShare(one(), { maxDownloads: 1 });
    await downloadShare(BASE, exhausted.id, exhausted.share.ls);
    await stateOf(exhausted.link, 'exhausted');

    const revoked = await apiShare(one());
    const res = await callFrom('127.0.0.1', `${BASE}/api/shares/${revoked.id}/revoke`, {
      method: 'POST',
      headers: as(revoked.staff),
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await stateOf(revoked.link, 'revoked');

    // Ten wrong proofs from the page's own address, forgotten right after.
    const limited = await apiShare(one());
    try {
      for (let i = 0; i < 10; i++) {
        await callFrom('127.0.0.1', `${BASE}/api/shares/${limited.id}/proof`, {
          method: 'POST',
          headers: { authorization: `Sealdrop-Key ${sd.b64Encode(randomBytes(32))}` },
        });
      }
      assert.match(await stateOf(limited.link, 'rate-limited', true), /minute/);
    } finally {
      forgetFailures(limited.id);
    }

    const locked = await apiShare(one());
    d1(`UPDATE shares SET locked = 1 WHERE id = '${locked.id}'`);
    assert.match(await stateOf(locked.link, 'link-locked', true), /unlock/i);

    // Expired by its row, not by the test clock, which the Chromium suites running meanwhile use.
    // (The purged page needs the purge, which would reach their shares too: Chromium checks it.)
    const expired = await apiShare(one());
    d1(`UPDATE shares SET expires_at = ${Date.now() - 60_000} WHERE id = '${expired.id}'`);
    await stateOf(expired.link, 'expired');
    assert.deepEqual(await page.problems(), []);
    await page.close();
  });

  test(`${name}: a partner sends several files through the request page and keeps a receipt`, async () => {
    const staff = await newStaff('staff', `Engine ${name}`);
    const request = await createRequest(staff, { message: `Please send the files from ${name}.` });
    const fingerprint = sd.fingerprint(request.pk);
    const sent = makeFiles(dir, [
      [XSS, 3000],
      ['sixty-four-mib', 64 * MiB + 7],
      ['empty', 0],
    ]);
    for (const f of sent) remember('a file name sent through a page', f.name);
    const page = await open();
    await page.goto(request.link);
    await page.waitFor('body[data-state="idle"]');
    assert.ok((await page.text('#fingerprint')).includes(fingerprint));
    const body = await page.text('body');
    assert.ok(body.includes(`Engine ${name}`) && body.includes(`Please send the files from ${name}.`));
    await page.setFiles(
      '#file-input',
      sent.map((f) => f.path),
    );
    if (await page.evaluate(() => !!document.querySelector('#upload-button:not([disabled])'))) {
      await page.click('#upload-button');
    }
    await page.waitFor('body[data-state="done"]', 120_000);
    const receipt = await page.evaluate(() =>
      [...document.querySelectorAll('#receipt li')].map((li) => ({
        name: li.getAttribute('data-name'),
        id: li.getAttribute('data-content-id'),
      })),
    );
    assert.equal(receipt.length, sent.length);
    for (const f of sent) {
      const line = receipt.find((r) => r.name === f.name);
      assert.ok(line, `${f.name} is on the receipt`);
      assert.match(String(line.id), /^[0-9a-f]{64}$/);
    }
    // The receipt is offered as a file: what the page hands over is read in the page, and the
    // saved file in the engine's download folder.
    await page.evaluate(KEEP_BLOBS);
    await page.evaluate(() => {
      const w = /** @type {any} */ (window);
      const click = HTMLAnchorElement.prototype.click;
      HTMLAnchorElement.prototype.click = function () {
        w.__saved = w.__blobs
          .get(this.href)
          .text()
          .then((/** @type {string} */ text) => ({ name: this.download, text }));
        return click.call(this);
      };
    });
    await page.click('#save-receipt');
    const offered = /** @type {{ name: string, text: string }} */ (
      await page.evaluate(() => /** @type {any} */ (window).__saved)
    );
    assert.ok(offered.name.length > 0, 'the receipt is offered with a file name');
    for (const r of receipt) assert.ok(offered.text.includes(String(r.name)) && offered.text.includes(String(r.id)));
    if (engine.downloadDir !== null) {
      assert.equal(
        readFileSync(await downloaded(engine.downloadDir, offered.name, Buffer.byteLength(offered.text)), 'utf8'),
        offered.text,
      );
    }
    assert.equal(await page.evaluate(() => document.querySelectorAll('img').length), 0, 'names are text');
    assert.deepEqual(await page.problems(), []);
    await page.close();

    // The inbox side, as the inbox opens them (tests/pages/requests.test.mjs drives the inbox page).
    const inbox = await openInbox(staff, request.id);
    assert.equal(inbox.files.length, sent.length);
    for (const f of sent) {
      const got = inbox.files.find((g) => g.name === f.name);
      assert.ok(got && !got.planted, `${f.name} arrived`);
      assert.equal(sha256(/** @type {Uint8Array} */ (got.data)), sha256(f.data), `${f.name} byte for byte`);
      assert.equal(got.contentId, receipt.find((r) => r.name === f.name)?.id, 'the receipt names what arrived');
    }
  });

  test(`${name}: a staff member signs in on a new device with password and kit`, async () => {
    const staff = await newStaff('staff', `Kit ${name}`, sessions);
    const page = await open({ base: sessions.base });
    await page.goto(`${sessions.base}/signin?next=${encodeURIComponent('/inbox')}`);
    await page.waitFor('body[data-state="idle"]');
    await page.fill('#email', staff.email);
    await page.fill('#password', staff.password);
    await page.click('#sign-in');
    await page.waitFor('body[data-state="kit"]');
    await page.fill('#kit', sd.kitEncode(staff.sk128));
    await page.click('#sign-in');
    const deadline = Date.now() + 30_000;
    while ((await page.url()) !== `${sessions.base}/inbox` && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    assert.equal(await page.url(), `${sessions.base}/inbox`);
    // The inbox opens the keys the kit unlocked: it is ready, and names the account.
    await page.waitFor('body[data-state="ready"]');
    assert.deepEqual(await page.problems(), []);
    await page.close();
  });
}
