// Faults, on a stack of its own (so that its R2 state holds only this suite's uploads and its
// server can be stopped without touching the other suites): a 512 MiB upload through the share
// page goes on across five stops and restarts of the server; a tab closed at 40% resumes in a new
// tab of the same browser; a download goes on across ten seconds without a server, by both
// writers, and counts once; a partner's upload into a file request goes on across a restart.
// Each restart is the same `wrangler dev` on the same state, from the built worker. The time each
// fault cost is printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startStack } from '../support/stack.mjs';
import { d1, setClock } from '../support/env.mjs';
import { launch, freshPage, OPFS_PICKER, NO_PICKER } from '../support/browser.mjs';
import { sd, sealShare, uploadShare, downloadShare } from '../support/client.mjs';
import { admin } from '../support/accounts.mjs';
import { storedState } from '../support/stored.mjs';
import { createRequest, openInbox } from '../support/requests.mjs';

const MiB = 1024 * 1024;
const HOUR = 3600 * 1000;
const WORK = join(ROOT, '.wrangler/test-faults');
// Outside .wrangler/test: the persisted-state scan reads everything there, and this stack's
// first admin file holds a password it looks for.
const stack = await startStack({
  port: 8794,
  stateDir: join(WORK, 'state'),
  logFile: join(WORK, 'wrangler.log'),
});
const BASE = stack.url;
const STATE = stack.stateDir;
const where = { base: BASE, stateDir: STATE };
const FILES = join(WORK, 'files');
mkdirSync(FILES, { recursive: true });
// How long an upload page may take to move on after a fault (to reach the next mark, or to
// finish) before the test calls it stuck: far more than the page's own backoff (at most 15 s
// between tries), a click on Resume, and the rest of the upload at a slow 5 MB/s.
const STUCK_MS = 180_000;
const DOWN_MS = 3000;

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await stack.stop();
  rmSync(FILES, { recursive: true, force: true });
});

const sha256 = (/** @type {Uint8Array} */ b) => createHash('sha256').update(b).digest('hex');
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
const seconds = (/** @type {number} */ ms) => `${(ms / 1000).toFixed(1)} s`;
const mib = (/** @type {number} */ bytes) => `${(bytes / MiB).toFixed(bytes % MiB ? 1 : 0)} MiB`;
const pct = (/** @type {number} */ fraction) => `${(fraction * 100).toFixed(1)}%`;

/**
 * Writes `size` random bytes to a new file under FILES, hashing them on the way.
 * @param {string} stem
 * @param {number} size
 */
function sourceFile(stem, size) {
  const name = `${stem}-${randomBytes(6).toString('hex')}.bin`;
  const path = join(FILES, name);
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  try {
    for (let left = size; left > 0;) {
      const piece = randomBytes(Math.min(left, 16 * MiB));
      hash.update(piece);
      writeSync(fd, piece);
      left -= piece.length;
    }
  } finally {
    closeSync(fd);
  }
  return { name, path, size, sha256: hash.digest('hex') };
}

/**
 * What an upload page shows: its state, its bars' furthest fraction, its status line.
 * @param {import('playwright-core').Page} page
 */
function look(page) {
  return page.evaluate(() => {
    const bars = /** @type {HTMLProgressElement[]} */ ([...document.querySelectorAll('#file-list progress')]);
    return {
      state: document.body.dataset.state ?? '',
      value: Math.max(0, ...bars.map((b) => (b.max > 0 ? b.value / b.max : 0))),
      status: document.querySelector('#status')?.textContent?.trim() ?? '',
    };
  });
}

/** @typedef {Awaited<ReturnType<typeof look>>} Look */

/**
 * Polls an upload page until `until` holds, as a person would: whenever the page has paused
 * after its last try, Resume now is clicked (and counted). A failed page or the deadline ends
 * the test, with what the page said.
 * @param {import('playwright-core').Page} page
 * @param {(seen: Look) => boolean} until
 * @param {{ what: string, timeoutMs: number, counts?: { pauses: number }, explain?: () => string }} options
 * @returns {Promise<Look & { at: number }>}
 */
async function watch(page, until, { what, timeoutMs, counts, explain }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await look(page);
    if (until(seen)) return { ...seen, at: Date.now() };
    if (seen.state === 'error') assert.fail(`${what}: the page failed: "${seen.status}"`);
    if (seen.state === 'paused') {
      if (counts) counts.pauses++;
      await page.click('#resume-now');
      // Counted once per pause: the next look comes after the page has left it (or paused again).
      await page
        .waitForFunction(() => document.body.dataset.state !== 'paused', null, { timeout: 10_000 })
        .catch(() => {});
      continue;
    }
    if (Date.now() > deadline) {
      const more = explain ? `; ${explain()}` : '';
      assert.fail(
        `${what}: not within ${seconds(timeoutMs)} (page ${seen.state} at ${pct(seen.value)}: "${seen.status}"; ${counts?.pauses ?? 0} pause(s) resumed meanwhile)${more}`,
      );
    }
    await sleep(50);
  }
}

const { r2, shareFile, requestFile, unconfirmedClaims, assertStoredOnce, orphanBlobs, shareIds } = storedState(STATE);

const purge = async () => {
  const res = await fetch(`${BASE}/__scheduled?cron=${encodeURIComponent('*/10 * * * *')}`);
  assert.equal(res.status, 200, await res.text());
};

/** @param {string} link */
const partsOfLink = (link) => ({
  id: new URL(link).pathname.split('/')[2],
  ls: sd.b64Decode(new URL(link).hash.slice(1)),
});

/**
 * The upload worker's figure {type: 'resume-checked', ms, bytes} from a console message, however
 * it was logged (the object itself, or a line naming it); null for any other message.
 * @param {import('playwright-core').ConsoleMessage} message
 * @returns {Promise<{ ms: number, bytes: number } | null>}
 */
async function resumeFigure(message) {
  const named = message.text().includes('resume-checked');
  for (const arg of message.args()) {
    const value = await arg.jsonValue().catch(() => null);
    if (
      value &&
      typeof value === 'object' &&
      (named || value.type === 'resume-checked') &&
      typeof value.ms === 'number' &&
      typeof value.bytes === 'number'
    ) {
      return { ms: value.ms, bytes: value.bytes };
    }
  }
  const ms = /\bms"?\s*[:=]\s*([\d.]+)/.exec(message.text());
  const bytes = /\bbytes"?\s*[:=]\s*(\d+)/.exec(message.text());
  return named && ms && bytes ? { ms: Number(ms[1]), bytes: Number(bytes[1]) } : null;
}

/**
 * Keeps every {type: 'resume-checked'} message of the page's workers in window.__resumeChecked,
 * whether or not the page logs it (an init script: the page's code is not changed).
 */
const KEEP_RESUME_FIGURES = () => {
  const Native = window.Worker;
  /** @type {{ ms: number, bytes: number }[]} */
  const kept = [];
  // @ts-ignore: read by the test
  window.__resumeChecked = kept;
  window.Worker = class extends Native {
    /**
     * @param {string | URL} url
     * @param {WorkerOptions} [options]
     */
    constructor(url, options) {
      super(url, options);
      this.addEventListener('message', (e) => {
        if (e.data?.type === 'resume-checked') kept.push({ ms: e.data.ms, bytes: e.data.bytes });
      });
    }
  };
};

/**
 * Records on `problems` what must never happen on our pages, as freshPage does for its own page.
 * @param {import('playwright-core').Page} page
 * @param {string[]} problems
 */
function recordProblems(page, problems) {
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('dialog', (d) => {
    problems.push(`a dialog opened: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
}

test(
  'a 512 MiB upload through the share page outlives five restarts of the server',
  { timeout: 60 * 60_000 },
  async () => {
    const staff = await admin(where);
    const source = sourceFile('half-gib', 512 * MiB);
    const earlier = new Set(shareIds());
    const { context, page, problems } = await freshPage(browser, { staff });
    /** @type {Map<number, number>} part number -> PUTs the page sent for it */
    const puts = new Map();
    context.on('request', (r) => {
      const part = /\/api\/shares\/[^/]+\/files\/\d+\/parts\/(\d+)$/.exec(new URL(r.url()).pathname);
      if (part && r.method() === 'PUT') puts.set(Number(part[1]), (puts.get(Number(part[1])) ?? 0) + 1);
    });
    await page.goto(`${BASE}/`);
    await page.waitForSelector('body[data-state="idle"]');
    await page.setInputFiles('#file-input', source.path);
    const started = Date.now();
    await page.click('#share-button');
    console.log('\n== fault figures: 512 MiB through the share page, five stops and restarts of the server');

    /** @type {{ n: number, at: number, down: number, answering: number, lost: number, counts: { pauses: number } }[]} */
    const restarts = [];
    // Pauses are counted against the restart before them (none are expected before the first).
    let counts = { pauses: 0 };
    for (const [i, mark] of [0.15, 0.3, 0.45, 0.6, 0.75].entries()) {
      const n = i + 1;
      const reached = await watch(page, (s) => s.value >= mark || s.state === 'done', {
        what: `before restart ${n}, ${pct(mark)} sent`,
        timeoutMs: STUCK_MS,
        counts,
        explain: unconfirmedClaims,
      });
      assert.notEqual(reached.state, 'done', `the upload ended before restart ${n} (at ${pct(mark)})`);
      await stack.stop();
      const downAt = Date.now();
      await sleep(DOWN_MS);
      const before = await look(page);
      assert.notEqual(before.state, 'done', `restart ${n}: the page cannot finish without a server`);
      const restartAt = Date.now();
      await stack.restart();
      const backAt = Date.now();
      counts = { pauses: 0 };
      const moved = await watch(page, (s) => s.value > before.value || s.state === 'done', {
        what: `after restart ${n}, progress beyond ${pct(before.value)}`,
        timeoutMs: STUCK_MS,
        counts,
        explain: unconfirmedClaims,
      });
      restarts.push({
        n,
        at: reached.value,
        down: restartAt - downAt,
        answering: backAt - restartAt,
        lost: moved.at - backAt,
        counts,
      });
      // Printed as they come, so that a run stuck later still shows them.
      console.log(
        `restart ${n} at ${pct(reached.value)} sent: down ${seconds(restartAt - downAt)}, server answering ${seconds(backAt - restartAt)} after the restart, progress resumed after ${seconds(moved.at - backAt)}`,
      );
    }
    const finished = await watch(page, (s) => s.state === 'done', {
      what: 'the upload after five restarts',
      timeoutMs: STUCK_MS,
      counts,
      explain: unconfirmedClaims,
    });
    const lines = restarts.map(
      (r) =>
        `restart ${r.n} at ${pct(r.at)} sent: down ${seconds(r.down)}, server answering ${seconds(r.answering)} after the restart, progress resumed after ${seconds(r.lost)}; ${r.counts.pauses ? `the page paused ${r.counts.pauses} time(s) before the next mark, resumed with Resume now` : 'no pause'}`,
    );
    const lost = restarts.map((r) => r.lost);
    const link = await page.inputValue('#share-link');
    assert.deepEqual(problems, []);
    await context.close();

    const { id, ls } = partsOfLink(link);
    assert.deepEqual(
      shareIds().filter((s) => !earlier.has(s)),
      [id],
      'the upload went on in the share it began; none was started again',
    );
    const downloadStarted = Date.now();
    const down = await downloadShare(BASE, id, ls);
    assert.equal(down.files.length, 1);
    assert.equal(down.files[0].data.length, source.size);
    assert.equal(sha256(down.files[0].data), source.sha256, 'the downloaded bytes are the source file');
    const downloaded = Date.now() - downloadStarted;
    const stored = assertStoredOnce(shareFile(id));
    const resent = [...puts.values()].filter((c) => c > 1).length;
    const blobs = orphanBlobs();

    // The purge a day later: nothing of this upload may stay open in R2.
    setClock(Date.now() + 25 * HOUR, STATE);
    try {
      await purge();
    } finally {
      setClock(null, STATE);
    }
    const pending = r2('SELECT upload_id, key FROM _mf_multipart_uploads WHERE state = 0');
    assert.deepEqual(pending, [], 'no incomplete multipart upload remains after the purge');
    // The completed share is never taken for an abandoned upload (a download limit the page
    // set may have ended it by now, which is the purge's right).
    const [share] = d1(`SELECT state, ended_as FROM shares WHERE id = '${id}'`, STATE);
    assert.notEqual(
      share.ended_as,
      'abandoned',
      `the completed share is not purged as abandoned: ${JSON.stringify(share)}`,
    );

    console.log(
      [
        '',
        '== fault figures, summary: 512 MiB through the share page, five restarts',
        ...lines,
        `time lost to each restart: ${lost.map(seconds).join(', ')} (mean ${seconds(lost.reduce((a, b) => a + b, 0) / lost.length)})`,
        `upload: ${mib(source.size)} in ${seconds(finished.at - started)}, five restarts included`,
        `download (node client): ${seconds(downloaded)}, SHA-256 identical`,
        `parts: ${stored.partCount} stored once each (D1 upload_parts ${stored.partCount} of ${stored.partCount}; R2 object of ${stored.partCount} parts, ${stored.payloadSize} bytes; ${stored.multipartUploads} multipart upload(s) for its key)`,
        puts.size > 0
          ? `PUTs seen: ${[...puts.values()].reduce((a, b) => a + b, 0)} for ${puts.size} parts (${resent} part(s) sent more than once)`
          : 'PUTs seen: none reported by the browser context (the worker’s requests)',
        `R2 blob files: ${blobs.blobs}, of which ${blobs.orphans} unreferenced (${mib(blobs.bytes)}, left by cut-off parts)`,
        'purge a day later: no incomplete multipart upload left in R2',
        '',
      ].join('\n'),
    );
    rmSync(source.path, { force: true });
  },
);

test('a tab closed at 40% of an upload resumes in a new tab and completes', { timeout: 20 * 60_000 }, async () => {
  const staff = await admin(where);
  const source = sourceFile('closed-tab', 64 * MiB);
  const earlier = new Set(shareIds());
  const { context, page, problems } = await freshPage(browser, { staff });
  await context.addInitScript(KEEP_RESUME_FIGURES);
  /** @type {{ ms: number, bytes: number }[]} the figures the console showed */
  const checks = [];
  /** @type {Promise<void>[]} */
  const reading = [];
  context.on('console', (m) => {
    reading.push(
      resumeFigure(m).then((figure) => {
        if (figure) checks.push(figure);
      }),
    );
  });
  await page.goto(`${BASE}/`);
  await page.waitForSelector('body[data-state="idle"]');
  await page.setInputFiles('#file-input', source.path);
  await page.click('#share-button');
  await page.waitForFunction(
    () => {
      const bar = /** @type {HTMLProgressElement | null} */ (document.querySelector('#file-list progress'));
      return (bar !== null && bar.value >= 0.4 * bar.max) || document.body.dataset.state === 'done';
    },
    null,
    { timeout: 120_000, polling: 10 },
  );
  const atClose = await look(page);
  assert.notEqual(atClose.state, 'done', 'the upload was still going when the tab closed');
  await page.close({ runBeforeUnload: false });
  const interrupted = shareIds('uploading').filter((s) => !earlier.has(s));
  assert.equal(interrupted.length, 1, 'the closed tab left one unfinished share');

  const again = await context.newPage();
  recordProblems(again, problems);
  const reopened = Date.now();
  await again.goto(`${BASE}/`);
  // The offer (js/ui/upload-offer.js): the interrupted batch, this file listed in it.
  await again.waitForSelector(`#resume[data-state="offer"] li[data-file="${source.name}"]`, { timeout: 30_000 });
  const offered = Date.now();
  const resumeState = await again.getAttribute('#resume', 'data-state');
  assert.ok(resumeState, '#resume says its state');
  await again.setInputFiles('#resume-input', source.path);
  const resumedAt = Date.now();
  const counts = { pauses: 0 };
  const finished = await watch(again, (s) => s.state === 'done', {
    what: 'the resumed upload',
    timeoutMs: STUCK_MS,
    counts,
    explain: unconfirmedClaims,
  });
  const link = await again.inputValue('#share-link');
  /** @type {{ ms: number, bytes: number }[]} */
  // @ts-ignore: kept by KEEP_RESUME_FIGURES
  const posted = await again.evaluate(() => window.__resumeChecked ?? []);
  await Promise.all(reading);
  assert.deepEqual(problems, []);
  await context.close();

  const { id, ls } = partsOfLink(link);
  assert.equal(id, interrupted[0], 'the upload resumed into the share it began');
  const down = await downloadShare(BASE, id, ls);
  assert.equal(sha256(down.files[0].data), source.sha256, 'the downloaded bytes are the source file');
  const stored = assertStoredOnce(shareFile(id));
  const check = posted.at(-1) ?? checks.at(-1);
  assert.ok(check, 'the resumed worker checked the parts sent before ({type: "resume-checked"})');
  assert.ok(
    check.bytes >= Math.floor(atClose.value * stored.payloadSize),
    `the check re-sealed at least what was stored before the tab closed (${check.bytes} bytes)`,
  );
  console.log(
    [
      '',
      '== fault figures: a tab closed at 40% of a 64 MiB upload, resumed in a new tab',
      `closed at ${pct(atClose.value)} sent; the new tab offered the resume (#resume data-state="${resumeState}") ${seconds(offered - reopened)} after it opened`,
      `resume check: ${mib(check.bytes)} re-sealed and matched in ${seconds(check.ms)}`,
      `resumed upload to the link: ${seconds(finished.at - resumedAt)}${counts.pauses ? `, ${counts.pauses} pause(s)` : ''}`,
      `parts: ${stored.partCount} stored once each; download SHA-256 identical`,
      '',
    ].join('\n'),
  );
  rmSync(source.path, { force: true });
});

for (const writer of /** @type {const} */ (['service worker', 'File System Access'])) {
  test(
    `ten seconds without a server in the middle of a download (${writer} writer): it resumes, completes and counts once`,
    { timeout: 20 * 60_000 },
    async () => {
      const staff = await admin(where);
      const name = `offline-${randomBytes(6).toString('hex')}.bin`;
      const data = randomBytes(96 * MiB);
      const share = await sealShare([{ name, data }], { maxDownloads: 1 });
      const { id, link } = await uploadShare(BASE, share, { staff });
      const fsa = writer === 'File System Access';
      const { context, page, problems } = await freshPage(browser, { init: fsa ? OPFS_PICKER : NO_PICKER });
      await page.goto(link);
      await page.click('#reveal');
      await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
      const bar = () =>
        page.evaluate(() => {
          const el = /** @type {HTMLProgressElement | null} */ (document.querySelector('li[data-j="0"] progress'));
          return {
            value: el && el.max > 0 ? el.value / el.max : 0,
            state: document.querySelector('li[data-j="0"]')?.getAttribute('data-state') ?? '',
          };
        });
      const started = Date.now();
      /** @type {Promise<import('playwright-core').Download> | null} */
      const download = fsa ? null : page.waitForEvent('download', { timeout: 60_000 });
      // Awaited after the outage; a failure before then is reported there, not as unhandled.
      download?.catch(() => {});
      await page.click('li[data-j="0"] button');
      await page.waitForFunction(
        () => {
          const el = /** @type {HTMLProgressElement | null} */ (document.querySelector('li[data-j="0"] progress'));
          const state = document.querySelector('li[data-j="0"]')?.getAttribute('data-state');
          const middle = state === 'downloading' && el !== null && el.value >= 0.25 * el.max;
          return middle || state === 'verified' || state === 'tampered' || state === 'failed';
        },
        null,
        { timeout: 120_000, polling: 10 },
      );
      const atStop = await bar();
      assert.equal(
        atStop.state,
        'downloading',
        `the download was still going when the server stopped (${pct(atStop.value)})`,
      );
      await stack.stop();
      await sleep(10_000);
      const during = await bar();
      assert.equal(during.state, 'downloading', 'the row waits for the connection, it does not fail');
      const restartAt = Date.now();
      await stack.restart();
      const backAt = Date.now();
      await page.waitForFunction(
        (before) => {
          const el = /** @type {HTMLProgressElement | null} */ (document.querySelector('li[data-j="0"] progress'));
          const state = document.querySelector('li[data-j="0"]')?.getAttribute('data-state');
          return state === 'verified' || (el !== null && el.value > before);
        },
        during.value,
        { timeout: STUCK_MS, polling: 50 },
      );
      const movedAt = Date.now();
      let digest;
      if (download) {
        const got = await download;
        const path = await got.path();
        assert.equal(await got.failure(), null, 'the browser download did not fail');
        digest = sha256(readFileSync(path));
      }
      await page.waitForSelector('li[data-j="0"][data-state="verified"]', { timeout: 10 * 60_000 });
      const done = Date.now();
      if (fsa) {
        digest = await page.evaluate(async (n) => {
          const file = await (await (await navigator.storage.getDirectory()).getFileHandle(n)).getFile();
          const hash = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
          return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, '0')).join('');
        }, name);
      }
      assert.equal(digest, sha256(data), 'the saved file is the sent one');
      assert.deepEqual(problems, []);
      await context.close();
      const [row] = d1(
        `SELECT downloads, (SELECT count(*) FROM tickets WHERE share_id = '${id}') AS tickets FROM shares WHERE id = '${id}'`,
        STATE,
      );
      assert.equal(Number(row.downloads), 1, 'one download counted');
      assert.equal(Number(row.tickets), 1, 'under one ticket');
      console.log(
        [
          '',
          `== fault figures: 96 MiB download, ${writer} writer, server stopped for 10 s`,
          `stopped at ${pct(atStop.value)} received; server answering ${seconds(backAt - restartAt)} after the restart; progress resumed ${seconds(movedAt - backAt)} after that`,
          `download verified ${seconds(done - started)} after the click; SHA-256 identical; downloads 1, tickets 1`,
          '',
        ].join('\n'),
      );
    },
  );
}

test(
  'a partner’s 32 MiB upload into a file request outlives a restart of the server',
  { timeout: 20 * 60_000 },
  async () => {
    const staff = await admin(where);
    const request = await createRequest(staff, { base: BASE });
    const source = sourceFile('partner', 32 * MiB);
    const { context, page, problems } = await freshPage(browser);
    await page.goto(request.link);
    await page.waitForSelector('body[data-state="idle"]', { timeout: 30_000 });
    await page.setInputFiles('#file-input', source.path);
    if (await page.isVisible('#upload-button')) await page.click('#upload-button');
    await page.waitForFunction(
      () => {
        const bar = /** @type {HTMLProgressElement | null} */ (document.querySelector('#file-list progress'));
        return (bar !== null && bar.value >= 0.2 * bar.max) || document.body.dataset.state !== 'working';
      },
      null,
      { timeout: 120_000, polling: 10 },
    );
    await stack.stop();
    const before = await look(page);
    assert.equal(
      before.state,
      'working',
      `the upload was still going when the server stopped (${pct(before.value)}: "${before.status}")`,
    );
    await sleep(DOWN_MS);
    await stack.restart();
    const backAt = Date.now();
    const counts = { pauses: 0 };
    const moved = await watch(page, (s) => s.value > before.value || s.state === 'done', {
      what: 'the partner upload after the restart',
      timeoutMs: STUCK_MS,
      counts,
      explain: unconfirmedClaims,
    });
    const finished = await watch(page, (s) => s.state === 'done', {
      what: 'the partner upload',
      timeoutMs: STUCK_MS,
      counts,
      explain: unconfirmedClaims,
    });
    assert.deepEqual(problems, []);
    await context.close();
    const inbox = await openInbox(staff, request.id, { base: BASE });
    const received = inbox.files.filter((f) => !f.planted);
    assert.equal(received.length, 1, 'one file arrived');
    assert.equal(received[0].name, source.name);
    assert.equal(
      sha256(/** @type {Uint8Array} */ (received[0].data)),
      source.sha256,
      'the staff member opens the sent bytes',
    );
    const stored = assertStoredOnce(requestFile(request.id));
    console.log(
      [
        '',
        '== fault figures: a partner’s 32 MiB upload into a file request, one restart',
        `stopped at ${pct(before.value)} sent; progress resumed ${seconds(moved.at - backAt)} after the server answered${counts.pauses ? `; ${counts.pauses} pause(s) resumed with Resume now` : ''}; done ${seconds(finished.at - backAt)} after it`,
        `parts: ${stored.partCount} stored once each; the inbox opens the same bytes (SHA-256)`,
        '',
      ].join('\n'),
    );
    rmSync(source.path, { force: true });
  },
);
