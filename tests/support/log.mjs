// The access log from a test's side: the scheduled work (purge, checkpoint, retention), exports
// as the admin, and the native verifier, `sealdrop audit verify`, run on them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from './client.mjs';
import { BASE, STATE_DIR, d1 } from './env.mjs';
import { REFUSAL_WINDOW_MS, ROOT } from './stack.mjs';
import { admin, as } from './accounts.mjs';

const WORK = join(STATE_DIR, '..');

/** Runs the scheduled work: the purge, a checkpoint over the head, the log's retention. */
export async function runScheduled() {
  const res = await call(`${BASE}/__scheduled?cron=${encodeURIComponent('*/10 * * * *')}`);
  assert.equal(res.status, 200);
}

/** The public key that verifies the stack's checkpoints, as the console shows it. */
export async function checkpointKey() {
  const info = await call(`${BASE}/api/audit/checkpoint`, { headers: as(await admin()) });
  assert.equal(info.status, 200, JSON.stringify(info.body));
  return /** @type {string} */ (info.body.public_key);
}

/**
 * Exports the log as the admin (`query` as for GET /api/audit/export) into `<name>.<format>`
 * beside the test state; returns the file's path and text.
 * @param {string} name
 * @param {Record<string, string>} [query]
 */
export async function exportLog(name, query = {}) {
  const res = await fetch(`${BASE}/api/audit/export?${new URLSearchParams(query)}`, { headers: as(await admin()) });
  assert.equal(res.status, 200);
  const text = await res.text();
  const file = join(WORK, `${name}.${query.format ?? 'jsonl'}`);
  writeFileSync(file, text);
  return { file, text, headers: res.headers };
}

/**
 * Runs `sealdrop audit verify <file> --key <key>` and returns its exit status and output.
 * @param {string} file
 * @param {string} key
 * @param {string[]} [more] further arguments
 */
export function cliVerify(file, key, more = []) {
  const run = spawnSync(
    'cargo',
    ['run', '--locked', '-q', '-p', 'sealdrop-cli', '--', 'audit', 'verify', file, '--key', key, ...more],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return { status: run.status, out: `${run.stdout}${run.stderr}`.trim() };
}

/** Exports the whole log and verifies it with the native verifier. */
export async function exportAndVerify(/** @type {string} */ name) {
  const key = await checkpointKey();
  const { file } = await exportLog(name);
  return { ...cliVerify(file, key), file, key };
}

/** The console's verification of the stored log (GET /api/audit/verify). */
export async function consoleVerify() {
  const res = await call(`${BASE}/api/audit/verify`, { headers: as(await admin()) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return /** @type {{ intact: boolean, summary: string, first_bad_seq: number | null, head: number }} */ (res.body);
}

/**
 * The refusals the log summed for `client` (refusals that name nothing existing are summed per
 * address and window, worker/src/services/sequencer.rs), by action, once every window up to now has
 * closed and been appended: waits for that, a few windows at most.
 * @param {string} client
 * @param {number} [since] only summaries of windows that ended after this wall-clock time (ms)
 * @param {number} [until] the time of the last refusal to wait for (by default now)
 * @returns {Promise<Record<string, number>>}
 */
export async function summedRefusals(client, since = 0, until = Date.now()) {
  const deadline = until + 4 * REFUSAL_WINDOW_MS + 5000;
  for (;;) {
    const rows = d1(
      `SELECT event FROM audit_events WHERE action = 'refusals.summary' AND json_extract(event, '$.client') = '${client}'
         AND json_extract(event, '$.detail.window.start_ms') + json_extract(event, '$.detail.window.length_ms') > ${since}`,
    );
    const details = rows.map((r) => JSON.parse(String(r.event)).detail);
    const closed = details.some((d) => d.window.start_ms + d.window.length_ms > until);
    if (closed || Date.now() > deadline) {
      /** @type {Record<string, number>} */
      const sums = {};
      for (const d of details)
        for (const [action, n] of Object.entries(d.actions)) sums[action] = (sums[action] ?? 0) + n;
      return sums;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
