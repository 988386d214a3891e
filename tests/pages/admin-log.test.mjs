// The admin console's access log and the owners' activity in real Chromium against the real
// local stack: the overview cards show the API's numbers; the filter bar's rows all match it;
// Older and Newer page by the keyset cursors, newest first, nothing repeated; a row's detail
// shows the event's seq and hash; Verify says "Chain intact"; Export CSV saves exactly the
// filtered rows of every page; a policy change shows at the top of the log. On /mine, a staff
// member sees the activity on their own share. axe-core, light and dark, 1280 and 360 px.
//
// Runs after api/console.test.mjs (which expects an untouched policy table) and before
// api/log.test.mjs (which breaks the chain on purpose).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { launch, freshPage, withSession, axeCheck } from '../support/browser.mjs';
import { BASE, callFrom } from '../support/env.mjs';
import { call, sd, sealShare, uploadShare } from '../support/client.mjs';
import { admin, as, asJson, newStaff } from '../support/accounts.mjs';

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {{ seq: number, action: string, outcome: string }} Row */

const MiB = 1024 * 1024;

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * Waits until the table in section `id` has loaded (ready or empty) and fails on an error,
 * saying the page's sentence.
 * @param {Page} page
 * @param {'access-log' | 'activity'} id
 */
async function settled(page, id) {
  const handle = await page.waitForFunction(
    (sel) => {
      const state = document.querySelector(sel)?.getAttribute('data-state');
      return state && state !== 'loading' ? state : null;
    },
    `#${id}`,
    { timeout: 30_000 },
  );
  const state = await handle.jsonValue();
  const status = id === 'access-log' ? '#log-status' : '#activity-status';
  assert.notEqual(state, 'error', (await page.textContent(status)) ?? '');
  return state;
}

/**
 * The rows the table shows, top to bottom.
 * @param {Page} page
 * @param {string} tbody
 * @returns {Promise<Row[]>}
 */
function rowsOf(page, tbody) {
  return page.$$eval(`${tbody} tr[data-seq]`, (trs) =>
    trs.map((tr) => ({
      seq: Number(tr.getAttribute('data-seq')),
      action: String(tr.getAttribute('data-action')),
      outcome: String(tr.getAttribute('data-outcome')),
    })),
  );
}

/**
 * Every event the API lists for `query`, newest first, across all its pages.
 * @param {import('../support/accounts.mjs').Staff} staff
 * @param {string} path
 * @param {Record<string, string>} query
 */
async function everyEvent(staff, path, query) {
  /** @type {any[]} */
  const all = [];
  /** @type {number | null} */
  let older = null;
  do {
    const q = new URLSearchParams({ ...query, limit: '200' });
    if (older !== null) q.set('before', String(older));
    const res = await call(`${BASE}${path}?${q}`, { headers: as(staff) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    all.push(...res.body.events);
    older = res.body.older;
  } while (older !== null);
  return all;
}

/**
 * RFC 4180 rows (quoted cells may hold commas, quotes and line breaks).
 * @param {string} text
 * @returns {string[][]}
 */
function parseCsv(text) {
  /** @type {string[][]} */
  const rows = [];
  /** @type {string[]} */
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length) rows.push([...row, cell]);
  return rows;
}

/**
 * Sets the admin filter bar and applies it.
 * @param {Page} page
 * @param {{ action?: string, outcome?: string, limit?: string }} filters
 */
async function applyFilters(page, { action = '', outcome = '', limit = '50' }) {
  await page.selectOption('#log-action', action);
  await page.selectOption('#log-outcome', outcome);
  await page.selectOption('#log-limit', limit);
  await page.click('#log-apply');
  return settled(page, 'access-log');
}

test('the admin console: overview, filters, paging, detail, verify, export and a policy change', async () => {
  const boss = await admin();
  // What the filters will find, however few suites ran before: two shares (share.created and
  // share.completed, ok) and a wrong key (a refusal); and views of the checkpoint (log.viewed),
  // enough for several pages of 25.
  const made = [];
  for (let i = 0; i < 2; i++) {
    const sealed = await sealShare([{ name: `log-page-${i}.txt`, data: randomBytes(64) }]);
    made.push(await uploadShare(BASE, sealed, { staff: boss }));
  }
  const wrong = await callFrom('127.0.9.31', `${BASE}/api/shares/${made[0].id}/proof`, {
    method: 'POST',
    headers: { authorization: `Sealdrop-Key ${sd.b64Encode(randomBytes(32))}` },
  });
  assert.equal(wrong.status, 403);
  for (let i = 0; i < 60; i++) await call(`${BASE}/api/audit/checkpoint`, { headers: as(boss) });

  const { context, page, problems } = await freshPage(browser, { staff: boss });
  // Refusals of earlier suites that named nothing are summed per window and appended when it
  // closes, so their count may grow while the page loads: it must lie between these two.
  const refusalsBefore = (await call(`${BASE}/api/admin/overview`, { headers: as(boss) })).body.refusals_24h;
  await page.goto(`${BASE}/admin`);
  await page.waitForSelector('body[data-state="ready"]');
  await settled(page, 'access-log');

  // The overview cards hold the API's numbers.
  await page.waitForSelector('#overview[data-state="ready"]', { timeout: 30_000 });
  const overview = await call(`${BASE}/api/admin/overview`, { headers: as(boss) });
  assert.equal(overview.status, 200, JSON.stringify(overview.body));
  for (const key of ['active_shares', 'active_requests', 'storage_bytes', 'refusals_24h']) {
    const value = await page.getAttribute(`#overview [data-card="${key}"]`, 'data-value');
    assert.match(String(value), /^\d+$/, `${key} is a number`);
    if (key === 'refusals_24h') {
      assert.ok(Number(value) >= refusalsBefore && Number(value) <= overview.body[key], `${key}: ${value}`);
    } else {
      assert.equal(Number(value), overview.body[key], key);
    }
    const shown = (await page.textContent(`#overview [data-card="${key}"] .card-value`)) ?? '';
    assert.match(shown, key === 'storage_bytes' ? /^\d+ bytes?$|^\d+\.\d (KB|MB|GB|TB)$/ : /^[\d,]+$/, shown);
  }

  // Filters: every row shown matches them.
  assert.notEqual(await applyFilters(page, { action: 'share.', outcome: 'ok' }), 'empty');
  const shares = await rowsOf(page, '#log-rows');
  assert.ok(shares.length >= 4, `${shares.length} share rows`);
  for (const row of shares) {
    assert.ok(row.action.startsWith('share.'), JSON.stringify(row));
    assert.equal(row.outcome, 'ok', JSON.stringify(row));
  }
  assert.notEqual(await applyFilters(page, { outcome: 'refused' }), 'empty');
  for (const row of await rowsOf(page, '#log-rows')) assert.match(row.outcome, /^refused:\w+$/, JSON.stringify(row));
  assert.ok((await page.locator('#log-rows .outcome-refused').count()) > 0, 'refusals are marked');

  // Paging: Older twice, then Newer twice; newest first, nothing repeated, the same pages back.
  await applyFilters(page, { limit: '25' });
  /** @type {Row[][]} */
  const pages = [await rowsOf(page, '#log-rows')];
  assert.equal(pages[0].length, 25);
  assert.equal(await page.isDisabled('#log-newer'), true, 'nothing is newer than the newest page');
  for (let i = 0; i < 2; i++) {
    await page.click('#log-older');
    await settled(page, 'access-log');
    pages.push(await rowsOf(page, '#log-rows'));
  }
  const seqs = pages.flat().map((r) => r.seq);
  assert.equal(new Set(seqs).size, seqs.length, 'no seq repeats');
  seqs.forEach((s, i) => i === 0 || assert.ok(s < seqs[i - 1], `newest first: ${seqs[i - 1]} then ${s}`));
  assert.match((await page.textContent('#log-status')) ?? '', /^Showing seq [\d,]+ to [\d,]+/);
  for (const want of [pages[1], pages[0]]) {
    await page.click('#log-newer');
    await settled(page, 'access-log');
    assert.deepEqual(
      (await rowsOf(page, '#log-rows')).map((r) => r.seq),
      want.map((r) => r.seq),
    );
  }

  // A row's detail, opened from the keyboard: the seq and hash are the API's.
  const firstSeq = pages[0][0].seq;
  await page.focus(`#log-rows tr[data-seq="${firstSeq}"] .log-open`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`#log-detail[data-seq="${firstSeq}"]:not([hidden])`);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'log-detail-heading');
  const one = await call(`${BASE}/api/audit/events?before=${firstSeq + 1}&limit=1`, { headers: as(boss) });
  assert.equal(one.status, 200, JSON.stringify(one.body));
  const event = one.body.events[0];
  assert.equal(event.seq, firstSeq);
  assert.equal((await page.textContent('#log-detail [data-field="seq"]'))?.trim(), String(event.seq));
  assert.equal((await page.textContent('#log-detail [data-field="hash"]'))?.trim(), event.hash);
  assert.equal((await page.textContent('#log-detail [data-field="prev"]'))?.trim(), event.prev);
  if (event.user_agent) {
    assert.equal((await page.textContent('#log-detail [data-field="user_agent"]'))?.trim(), event.user_agent);
  }
  await page.keyboard.press('Escape');
  await page.waitForSelector('#log-detail', { state: 'hidden' });
  assert.equal(
    await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-seq')),
    String(firstSeq),
    'focus is back on the row',
  );

  // Verify.
  await page.click('#log-verify');
  await page.waitForSelector('#verify-result:is([data-state="intact"], [data-state="broken"], [data-state="error"])', {
    timeout: 120_000,
  });
  const summary = ((await page.textContent('#verify-result .verify-summary')) ?? '').trim();
  assert.equal(await page.getAttribute('#verify-result', 'data-state'), 'intact', summary);
  assert.match(summary, /^Chain intact/);

  // Export CSV of a filter: the header row, and exactly the rows of every page of the filter.
  const query = { action: 'share.', outcome: 'ok' };
  await applyFilters(page, { ...query, limit: '25' });
  const expected = await everyEvent(boss, '/api/audit/events', query);
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  assert.match(csvDownload.suggestedFilename(), /\.csv$/);
  const csv = parseCsv(readFileSync(/** @type {string} */ (await csvDownload.path()), 'utf8'));
  const header = csv[0];
  assert.deepEqual(header.slice(0, 1), ['seq']);
  for (const column of ['action', 'outcome', 'hash', 'prev']) assert.ok(header.includes(column), header.join(','));
  const body = csv.slice(1).filter((r) => !(r.length === 1 && r[0] === ''));
  assert.equal(body.length, expected.length, 'the CSV holds the rows the filter shows, across pages');
  assert.deepEqual(
    body.map((r) => Number(r[0])).sort((a, b) => a - b),
    expected.map((e) => e.seq).sort((a, b) => a - b),
  );
  const actionAt = header.indexOf('action');
  const outcomeAt = header.indexOf('outcome');
  assert.ok(body.every((r) => r[actionAt].startsWith('share.') && r[outcomeAt] === 'ok'));
  await page.waitForSelector('#export-status[data-kind="success"]');

  // Export JSON Lines: its header names the same filter.
  const [jsonlDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-jsonl')]);
  const lines = readFileSync(/** @type {string} */ (await jsonlDownload.path()), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(lines[0].export.filter, query);
  assert.equal(lines.filter((l) => 'seq' in l).length, expected.length);

  // A policy change (the largest file) shows at the top of the log.
  const shown = await call(`${BASE}/api/admin/policy`, { headers: as(boss) });
  assert.equal(shown.status, 200, JSON.stringify(shown.body));
  const original = shown.body.policy;
  const ceiling = shown.body.ceiling;
  assert.ok(ceiling.max_file_bytes >= 4 * MiB, 'room to choose a smaller largest file');
  const mb = Math.floor(ceiling.max_file_bytes / 2 / MiB);
  const head = Number(await page.getAttribute('#log-rows tr[data-seq]', 'data-seq'));
  await page.waitForSelector('#policy-form[data-state="ready"]');
  try {
    await page.selectOption('#policy-file-unit', String(MiB));
    await page.fill('#policy-file', String(mb));
    await page.click('#policy-save');
    await page.waitForSelector('#policy-status[data-kind="success"]', { timeout: 30_000 });
    assert.match((await page.textContent('#policy-status')) ?? '', /^Saved\. The largest file is now/);
    const now = await call(`${BASE}/api/admin/policy`, { headers: as(boss) });
    assert.equal(now.body.policy.max_file_bytes, mb * MiB);
    assert.equal(now.body.policy.retention_days, original.retention_days, 'only the changed field was sent');

    await page.click('#log-clear');
    await settled(page, 'access-log');
    const top = (await rowsOf(page, '#log-rows')).filter((r) => !r.action.startsWith('log.'));
    assert.equal(top[0]?.action, 'policy.changed', JSON.stringify(top.slice(0, 3)));
    assert.equal(top[0].outcome, 'ok');
    assert.ok(top[0].seq > head, 'a new event');
  } finally {
    const back = await call(`${BASE}/api/admin/policy`, {
      method: 'PUT',
      headers: asJson(boss),
      body: JSON.stringify({ max_file_bytes: original.max_file_bytes }),
    });
    assert.equal(back.status, 200, JSON.stringify(back.body));
  }
  assert.equal(await page.locator('#access-log img').count(), 0, 'event fields are text, never markup');
  assert.deepEqual(problems, []);
  await context.close();
});

test('My shares: a staff member sees the activity on their own share, filtered, with its detail', async () => {
  const staff = await newStaff('staff', 'Activity Owner');
  const sealed = await sealShare([{ name: 'activity-page.txt', data: randomBytes(64) }]);
  const share = await uploadShare(BASE, sealed, { staff });
  const wrong = await callFrom('127.0.9.32', `${BASE}/api/shares/${share.id}/proof`, {
    method: 'POST',
    headers: { authorization: `Sealdrop-Key ${sd.b64Encode(randomBytes(32))}` },
  });
  assert.equal(wrong.status, 403);
  const expected = await everyEvent(staff, '/api/activity', {});

  const { context, page, problems } = await freshPage(browser, { staff });
  await page.goto(`${BASE}/mine`);
  await page.waitForSelector('body[data-state="ready"]');
  assert.equal(await settled(page, 'activity'), 'ready');
  const rows = await rowsOf(page, '#activity-rows');
  assert.deepEqual(
    rows.map((r) => r.seq),
    expected.slice(0, rows.length).map((e) => e.seq),
    'the newest of the API’s activity, newest first',
  );

  await page.selectOption('#activity-outcome', 'refused');
  await page.click('#activity-apply');
  assert.equal(await settled(page, 'activity'), 'ready');
  const refused = await rowsOf(page, '#activity-rows');
  assert.ok(refused.length >= 1);
  for (const row of refused) assert.match(row.outcome, /^refused:/, JSON.stringify(row));

  await page.selectOption('#activity-outcome', '');
  await page.selectOption('#activity-action', 'share.');
  await page.click('#activity-apply');
  assert.equal(await settled(page, 'activity'), 'ready');
  const ofShares = await rowsOf(page, '#activity-rows');
  for (const row of ofShares) assert.ok(row.action.startsWith('share.'), JSON.stringify(row));
  await page.click(`#activity-rows tr[data-seq="${ofShares[0].seq}"] .log-open`);
  await page.waitForSelector(`#activity-detail[data-seq="${ofShares[0].seq}"]:not([hidden])`);
  assert.ok(((await page.textContent('#activity-detail [data-field="object"]')) ?? '').includes(share.id));
  assert.deepEqual(problems, []);
  await context.close();
});

test('axe-core, light and dark, 1280 and 360 px on /admin and /mine', async () => {
  const boss = await admin();
  const context = await browser.newContext({ bypassCSP: true });
  await withSession(context, boss);
  const page = await context.newPage();
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 800 });
    for (const scheme of /** @type {const} */ (['light', 'dark'])) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${BASE}/admin`);
      await page.waitForSelector('body[data-state="ready"]');
      await settled(page, 'access-log');
      await page.waitForSelector('#overview[data-state="ready"]');
      await page.waitForSelector('#policy-form[data-state="ready"]');
      await page.waitForSelector('#checkpoint:not([data-state="loading"])');
      await page.click('#log-rows tr[data-seq] .log-open');
      await page.waitForSelector('#log-detail:not([hidden])');
      await axeCheck(page, `/admin with the log, ${scheme}, ${width} px`);
      await page.goto(`${BASE}/mine`);
      await page.waitForSelector('body[data-state="ready"], body[data-state="empty"]');
      await settled(page, 'activity');
      await axeCheck(page, `/mine with the activity, ${scheme}, ${width} px`);
    }
  }
  await context.close();
});
