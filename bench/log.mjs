// The access-log benchmark on a fresh local stack (wrangler dev, its own state in a temporary
// directory, port 8789): what one append costs (GET /api/audit/checkpoint appends one log.viewed
// event; GET /api/limits, which appends nothing, is the baseline) at 1, 16 and 64 writers; a flood
// of 2,000 refused anonymous calls from 8 addresses and what it adds to the log, with the latency
// of legitimate calls meanwhile; then, with --events (default 100,000) valid events seeded straight
// into the local D1 behind the chain's head, the table's pages and filters, the console's
// verification, the whole export and the native verifier on it. Prints figures; asserts nothing
// about time. The worker must already be built (worker/build); the native CLI is built here.
//
//   node bench/log.mjs [--events 100000] [--appends 500] [--reps 20]
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REFUSAL_WINDOW_MS, ROOT, startStack } from '../tests/support/stack.mjs';
import { call, hex } from '../tests/support/client.mjs';
import { STAFF, chainHash, eventText, fromHex, newId } from './log-events.mjs';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    appends: { type: 'string', default: '500' },
    reps: { type: 'string', default: '20' },
  },
});
const EVENTS = Number(values.events);
const APPENDS = Number(values.appends);
const REPS = Number(values.reps);
const PORT = 8789;
/** The numbers of concurrent writers the appends are measured at. */
const WRITERS = [1, 16, 64];
/** Rows per INSERT statement while seeding: D1 takes statements up to 100 kB, sqlite3 any. */
const ROWS_PER_INSERT = { sqlite3: 2_000, wrangler: 100 };

const dir = mkdtempSync(join(tmpdir(), 'sealdrop-bench-log-'));
const stateDir = join(dir, 'state');
// The test helpers keep the secrets they make beside the state they are told of (env.mjs): here,
// in the temporary directory, not beside the suite's stack.
process.env.SEALDROP_URL = `http://127.0.0.1:${PORT}`;
process.env.SEALDROP_STATE = stateDir;
const { admin, as } = await import('../tests/support/accounts.mjs');
const { callFrom, d1, filesUnder } = await import('../tests/support/env.mjs');

// ---------------------------------------------------------------------------------------------
// Figures

/**
 * The nearest-rank percentile `p` (0..100) of `xs`.
 * @param {number[]} xs
 * @param {number} p
 */
function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}
const mean = (/** @type {number[]} */ xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const ms = (/** @type {number} */ x) => x.toFixed(1);
const grouped = (/** @type {number} */ n) => n.toLocaleString('en-US');

/**
 * Prints a table: the first column left-aligned, the others right-aligned.
 * @param {string[]} head
 * @param {string[][]} rows
 */
function printTable(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [head, widths.map((w) => '-'.repeat(w)), ...rows]) {
    console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  }
}

/** Everything the API did that it should not have: printed at the end, never hidden. */
const problems = /** @type {string[]} */ ([]);
/**
 * @param {string} what
 * @param {{ status: number, body: any }} res
 */
function problem(what, res) {
  const body = res.body instanceof Uint8Array ? Buffer.from(res.body).toString('utf8') : JSON.stringify(res.body);
  problems.push(`${what}: HTTP ${res.status} ${body.slice(0, 300)}`);
}

/**
 * One timed GET; a non-200 answer is recorded as a problem.
 * @param {string} what
 * @param {string} url
 * @param {Record<string, string>} headers
 */
async function timedGet(what, url, headers) {
  const t0 = performance.now();
  const res = await call(url, { headers });
  const took = performance.now() - t0;
  if (res.status !== 200) problem(what, res);
  return { took, res };
}

/**
 * Runs `count` GETs of `url` with `concurrency` in flight; returns each one's latency (ms), the
 * wall time and the statuses seen.
 * @param {string} what
 * @param {string} url
 * @param {Record<string, string>} headers
 * @param {number} count
 * @param {number} concurrency
 */
async function load(what, url, headers, count, concurrency) {
  const times = /** @type {number[]} */ ([]);
  const statuses = /** @type {Record<string, number>} */ ({});
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        const { took, res } = await timedGet(what, url, headers);
        times.push(took);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  return { times, wall: performance.now() - t0, statuses };
}

// ---------------------------------------------------------------------------------------------
// The local D1

/** The stack's D1 sqlite file: the one under the state's d1 folder that holds the log. */
function d1File() {
  const files = filesUnder(join(stateDir, 'v3', 'd1')).filter((f) => f.endsWith('.sqlite'));
  const found = files.find((f) => sqlite(f, "SELECT name FROM sqlite_master WHERE name = 'audit_events'").length);
  if (!found) throw new Error(`no D1 file with audit_events among ${files.join(', ')}`);
  return found;
}

const HAVE_SQLITE3 = spawnSync('sh', ['-c', 'command -v sqlite3'], { encoding: 'utf8' }).status === 0;

/**
 * Runs SQL on the local D1: with the sqlite3 CLI straight on its file when there is one, else as
 * the tests do, through `wrangler d1 execute --local` (tests/support/env.mjs).
 * @param {string | null} file the sqlite file (with sqlite3 only)
 * @param {string} sql
 * @returns {Record<string, unknown>[]}
 */
function sqlite(file, sql) {
  if (!HAVE_SQLITE3 || !file) return d1(sql, stateDir);
  const out = execFileSync('sqlite3', ['-json', '-cmd', '.timeout 10000', file], {
    input: sql,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return out.trim() ? JSON.parse(out) : [];
}

/**
 * Runs a long script of statements on the local D1 (seeding): sqlite3 in one transaction, or
 * `wrangler d1 execute --file` (which runs the file as one batch; D1 takes no BEGIN).
 * @param {string | null} file
 * @param {string[]} statements
 */
function runScript(file, statements) {
  if (HAVE_SQLITE3 && file) {
    execFileSync('sqlite3', ['-bail', '-cmd', '.timeout 10000', file], {
      input: ['BEGIN IMMEDIATE;', ...statements, 'COMMIT;'].join('\n'),
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    return;
  }
  const script = join(dir, 'seed.sql');
  writeFileSync(script, statements.join('\n'));
  execFileSync(
    join(ROOT, 'node_modules/.bin/wrangler'),
    ['d1', 'execute', 'sealdrop', '--local', '--persist-to', stateDir, '--file', script, '--yes'],
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  rmSync(script);
}

// ---------------------------------------------------------------------------------------------
// Seeding

const quote = (/** @type {string | null} */ s) => (s === null ? 'NULL' : `'${s.replace(/'/g, "''")}'`);

/**
 * Appends `count` events behind the head stored in D1, their times rising from just after the
 * head's up to now (so that, as in the worker's log, time never goes back along the chain).
 * Returns what the filters below look for.
 * @param {string | null} file
 * @param {number} count
 */
function seed(file, count) {
  const [head] = /** @type {{ seq: number, hash: string, at: number }[]} */ (
    sqlite(file, 'SELECT seq, hash, at FROM audit_events ORDER BY seq DESC LIMIT 1')
  );
  const from = Number(head.at) + 1;
  const step = Math.max(1, (Date.now() - from) / count);
  let prev = /** @type {Uint8Array} */ (fromHex(head.hash));
  const statements = [];
  let rows = [];
  const tally = /** @type {Record<'actions' | 'actors' | 'objects', Record<string, number>>} */ ({
    actions: {},
    actors: {},
    objects: {},
  });
  const times = /** @type {number[]} */ ([]);
  for (let i = 1; i <= count; i++) {
    const seq = Number(head.seq) + i;
    const at = Math.floor(from + (i - 1) * step);
    const { text, stored } = eventText(at);
    const hash = chainHash(seq, prev, text);
    rows.push(
      `(${seq},'${hex(prev)}','${hex(hash)}',${quote(text)},${at},${quote(stored.actor)},${quote(stored.action)},${quote(stored.object)},${quote(stored.outcome)})`,
    );
    prev = hash;
    times.push(at);
    for (const [key, value] of /** @type {[keyof typeof tally, string | null][]} */ ([
      ['actions', stored.action],
      ['actors', stored.actor],
      ['objects', stored.object],
    ])) {
      if (value !== null) tally[key][value] = (tally[key][value] ?? 0) + 1;
    }
    if (rows.length === ROWS_PER_INSERT[file ? 'sqlite3' : 'wrangler'] || i === count) {
      statements.push(
        `INSERT INTO audit_events (seq, prev, hash, event, at, actor, action, object, outcome) VALUES ${rows.join(',')};`,
      );
      rows = [];
    }
  }
  runScript(file, statements);
  return { first: Number(head.seq) + 1, last: Number(head.seq) + count, times, tally };
}

// ---------------------------------------------------------------------------------------------
// The run

const stack = await startStack({ port: PORT, stateDir, logFile: join(dir, 'wrangler.log'), testing: false });
const where = { base: stack.url, stateDir };
try {
  const boss = await admin(where);
  const headers = as(boss);
  const base = stack.url;
  const summary = /** @type {string[]} */ ([]);

  // 1. Appends.
  console.log(`\nAccess log on the local stack (wrangler dev, ${base}), state in ${dir}\n`);
  const headOf = async () => {
    const res = await call(`${base}/api/audit/checkpoint`, { headers });
    if (res.status !== 200) problem('GET /api/audit/checkpoint', res);
    return /** @type {number} */ (res.body?.head?.seq);
  };
  // Warm both paths first (the first requests compile, open D1, ...).
  for (let i = 0; i < 20; i++) {
    await call(`${base}/api/limits`);
    await call(`${base}/api/audit/checkpoint`, { headers });
  }
  const appendRows = /** @type {string[][]} */ ([]);
  /** p99 by [path, in flight] */
  const p99 = /** @type {Record<string, number>} */ ({});
  for (const concurrency of WRITERS) {
    // Both signed in: calls without any credential are rate-limited per address.
    for (const [label, path, auth, appends] of /** @type {const} */ ([
      ['GET /api/limits (no append)', '/api/limits', true, false],
      ['GET /api/audit/checkpoint (1 append)', '/api/audit/checkpoint', true, true],
    ])) {
      const before = appends ? await headOf() : 0;
      const run = await load(label, `${base}${path}`, auth ? headers : {}, APPENDS, concurrency);
      // The answer's head is read before its own append: the next call's head counts it too.
      const after = appends ? await headOf() : 0;
      p99[`${path} ${concurrency}`] = percentile(run.times, 99);
      appendRows.push([
        label,
        String(concurrency),
        ms(percentile(run.times, 50)),
        ms(percentile(run.times, 99)),
        ms(mean(run.times)),
        (APPENDS / (run.wall / 1000)).toFixed(0),
        Object.entries(run.statuses)
          .map(([s, n]) => `${n}x${s}`)
          .join(' '),
        appends ? `${grouped(after - before - 1)} / ${APPENDS}` : '-',
      ]);
      if (appends && run.statuses[503])
        problems.push(`${run.statuses[503]} appending calls answered 503 at ${concurrency} in flight`);
    }
  }
  console.log(`Appends: ${APPENDS} requests each, at ${WRITERS.join(', ')} in flight (latency in ms)\n`);
  printTable(['request', 'in flight', 'median', 'p99', 'mean', 'req/s', 'statuses', 'events appended'], appendRows);
  const most = WRITERS[WRITERS.length - 1];
  const ratio = p99[`/api/audit/checkpoint ${most}`] / p99[`/api/limits ${most}`];
  console.log(
    `\nAt ${most} in flight the appending call's p99 is ${ratio.toFixed(2)} x that of GET /api/limits (target: at most 1.5 x).`,
  );
  summary.push(`append p99 at ${most} in flight: ${ratio.toFixed(2)} x the p99 of GET /api/limits`);

  // 1b. A flood of refusals that name nothing, from several addresses, while a legitimate
  // appending call goes on; the sequencer sums them per address and window.
  const FLOOD = 2000;
  const FLOOD_IN_FLIGHT = 32;
  const SOURCES = Array.from({ length: 8 }, (_, i) => `127.0.90.${i + 1}`);
  const legit = () => load('GET /api/audit/checkpoint (legitimate)', `${base}/api/audit/checkpoint`, headers, 200, 4);
  const idle = await legit();
  const eventsBefore = Number(d1('SELECT COUNT(*) AS n FROM audit_events', stateDir)[0].n);
  const floodStart = Date.now();
  let sent = 0;
  const floodStatuses = /** @type {Record<string, number>} */ ({});
  const flood = Promise.all(
    Array.from({ length: FLOOD_IN_FLIGHT }, async (_, lane) => {
      while (sent < FLOOD) {
        sent++;
        const source = SOURCES[lane % SOURCES.length];
        const res = await callFrom(source, `${base}/api/shares/${newId()}`);
        floodStatuses[res.status] = (floodStatuses[res.status] ?? 0) + 1;
      }
    }),
  );
  const during = await legit();
  await flood;
  const floodMs = Date.now() - floodStart;
  // Every window the flood touched has closed and been summed a little after it ends.
  await new Promise((r) => setTimeout(r, REFUSAL_WINDOW_MS + 3000));
  const added = d1(
    `SELECT action, COUNT(*) AS n FROM audit_events WHERE at >= ${floodStart - 1000} AND json_extract(event, '$.client') LIKE '127.0.90.%' GROUP BY action`,
    stateDir,
  );
  const summaries = Number(added.find((r) => r.action === 'refusals.summary')?.n ?? 0);
  const others = added.filter((r) => r.action !== 'refusals.summary').reduce((n, r) => n + Number(r.n), 0);
  const windows = Math.ceil(floodMs / REFUSAL_WINDOW_MS) + 1;
  const eventsAfter = Number(d1('SELECT COUNT(*) AS n FROM audit_events', stateDir)[0].n);
  console.log(
    `\nFlood: ${grouped(FLOOD)} anonymous calls for shares that do not exist, from ${SOURCES.length} addresses, ` +
      `${FLOOD_IN_FLIGHT} in flight, in ${(floodMs / 1000).toFixed(1)} s (${Object.entries(floodStatuses)
        .map(([s, n]) => `${n}x${s}`)
        .join(' ')}); summary window ${REFUSAL_WINDOW_MS / 1000} s on this stack (60 s deployed).`,
  );
  console.log(
    `  events from the flooding addresses: ${summaries} summaries, ${others} others ` +
      `(at most ${SOURCES.length} x ${windows} windows = ${SOURCES.length * windows}); the log grew by ` +
      `${grouped(eventsAfter - eventsBefore)} events in all, ${grouped(2 * 200)} of them the legitimate calls' own.`,
  );
  printTable(
    ['legitimate GET /api/audit/checkpoint, 4 in flight', 'median', 'p99', 'statuses'],
    [idle, during].map((run, i) => [
      i === 0 ? 'idle' : 'during the flood',
      ms(percentile(run.times, 50)),
      ms(percentile(run.times, 99)),
      Object.entries(run.statuses)
        .map(([s, n]) => `${n}x${s}`)
        .join(' '),
    ]),
  );
  if (others > 0 || summaries > SOURCES.length * windows) {
    problems.push(`the flood added ${summaries} summaries and ${others} other events`);
  }
  summary.push(
    `flood of ${FLOOD}: ${summaries} summary events; legitimate p99 ${ms(percentile(during.times, 99))} ms (idle ${ms(percentile(idle.times, 99))} ms)`,
  );

  // 2. Seeding.
  const file = HAVE_SQLITE3 ? d1File() : null;
  const seedStart = performance.now();
  const seeded = seed(file, EVENTS);
  const seedMs = performance.now() - seedStart;
  const scheduled = await call(`${base}/__scheduled?cron=*/10+*+*+*+*`);
  if (scheduled.status !== 200) problem('GET /__scheduled', scheduled);
  const info = await call(`${base}/api/audit/checkpoint`, { headers });
  if (info.status !== 200) problem('GET /api/audit/checkpoint', info);
  const key = /** @type {string} */ (info.body.public_key);
  console.log(
    `\nSeeded ${grouped(EVENTS)} events (seq ${grouped(seeded.first)} to ${grouped(seeded.last)}) in ` +
      `${(seedMs / 1000).toFixed(1)} s with ${file ? 'sqlite3 straight on the D1 file' : 'wrangler d1 execute --file'}` +
      `; head now ${grouped(info.body.head?.seq)}, newest checkpoint at seq ${grouped(info.body.checkpoint?.seq)}.`,
  );
  if (info.body.checkpoint?.seq < seeded.last) {
    problems.push(`the scheduled run did not sign a checkpoint over the seeded head: ${JSON.stringify(info.body)}`);
  }

  // 3. The table.
  const events = `${base}/api/audit/events`;
  /**
   * Checks an answer's shape and returns its events.
   * @param {string} what
   * @param {{ status: number, body: any }} res
   */
  const page = (what, res) => {
    const b = res.body;
    const ok =
      res.status === 200 &&
      Array.isArray(b?.events) &&
      typeof b.head === 'number' &&
      (b.older === null || typeof b.older === 'number') &&
      (b.newer === null || typeof b.newer === 'number') &&
      b.events.every(
        (/** @type {any} */ e, /** @type {number} */ i) =>
          typeof e.seq === 'number' &&
          /^[0-9a-f]{64}$/.test(e.hash) &&
          /^[0-9a-f]{64}$/.test(e.prev) &&
          typeof e.action === 'string' &&
          (i === 0 || e.seq < b.events[i - 1].seq),
      );
    if (!ok && res.status === 200) problems.push(`${what}: unexpected shape ${JSON.stringify(b).slice(0, 300)}`);
    return ok ? /** @type {any[]} */ (b.events) : [];
  };
  const rare = 'policy.changed';
  const staffActor = `staff:${STAFF[3]}`;
  // An id that recurs, but not the most frequent one.
  const objects = Object.entries(seeded.tally.objects).sort((a, b) => b[1] - a[1]);
  const [object, objectCount] = objects[Math.min(40, objects.length - 1)];
  const mid = Math.floor(seeded.times.length / 2);
  const span = Math.max(1, Math.floor(seeded.times.length / 200));
  const since = seeded.times[mid - span];
  const until = seeded.times[mid + span];
  const inRange = seeded.times.filter((t) => t >= since && t < until).length;
  const head = /** @type {number} */ (info.body.head.seq);
  const refusals = Number(
    sqlite(file, "SELECT count(*) AS n FROM audit_events WHERE outcome >= 'refused:' AND outcome < 'refused;'")[0].n,
  );
  const deep = head - Math.min(80_000, Math.floor(EVENTS * 0.8));
  const queries = /** @type {[string, Record<string, string | number>, string][]} */ ([
    ['first page', { limit: 50 }, `${grouped(head)} events`],
    [`deep page (before ${grouped(deep)})`, { limit: 50, before: deep }, ''],
    [`action=${rare} (rare)`, { action: rare }, `${grouped(seeded.tally.actions[rare] ?? 0)} seeded`],
    ['action=share. (prefix)', { action: 'share.' }, ''],
    ['outcome=refused', { outcome: 'refused' }, `${grouped(refusals)} in the log`],
    [`actor=${staffActor}`, { actor: staffActor }, `${grouped(seeded.tally.actors[staffActor] ?? 0)} seeded`],
    [`object=${object}`, { object }, `${grouped(objectCount)} seeded`],
    ['since..until (middle 1%)', { since, until }, `${grouped(inRange)} seeded`],
  ]);
  const tableRows = [];
  for (const [label, query, matches] of queries) {
    const url = `${events}?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`;
    for (let i = 0; i < 2; i++) await call(url, { headers }); // warm
    const times = [];
    let got = /** @type {any[]} */ ([]);
    for (let i = 0; i < REPS; i++) {
      const { took, res } = await timedGet(`GET /api/audit/events ${label}`, url, headers);
      times.push(took);
      got = page(label, res);
    }
    tableRows.push([
      label,
      ms(percentile(times, 50)),
      ms(percentile(times, 99)),
      String(got.length),
      got.length ? `${got[0].seq}..${got.at(-1).seq}` : '-',
      matches,
    ]);
  }
  // Paging: the first page, then `older` 20 times.
  const pageTimes = [];
  const walks = [];
  let deepest = 0;
  for (let r = 0; r < REPS; r++) {
    const first = await call(`${events}?limit=50`, { headers });
    let older = first.body?.older;
    const t0 = performance.now();
    for (let p = 0; p < 20 && typeof older === 'number'; p++) {
      const { took, res } = await timedGet(
        'GET /api/audit/events paging',
        `${events}?limit=50&before=${older}`,
        headers,
      );
      pageTimes.push(took);
      const got = page('paging', res);
      older = res.body?.older;
      deepest = got.at(-1)?.seq ?? deepest;
    }
    walks.push(performance.now() - t0);
  }
  tableRows.push([
    '20 pages older, following older',
    ms(percentile(pageTimes, 50)),
    ms(percentile(pageTimes, 99)),
    '50 each',
    `down to ${deepest}`,
    `walk: median ${ms(percentile(walks, 50))} ms`,
  ]);
  console.log(`\nGET /api/audit/events as the admin, limit 50 unless said, each ${REPS} times (ms)`);
  console.log(`(p99 is the nearest rank: of ${REPS} runs, the slowest; every call also appends a log.viewed event)\n`);
  printTable(['query', 'median', 'p99', 'rows', 'seqs', 'matches'], tableRows);

  // 4. Verification in the worker.
  const verifyRows = [];
  for (let i = 0; i < 3; i++) {
    const { took, res } = await timedGet('GET /api/audit/verify', `${base}/api/audit/verify`, headers);
    verifyRows.push([
      `run ${i + 1}`,
      ms(took),
      String(res.body?.intact),
      String(res.body?.head),
      String(res.body?.summary ?? JSON.stringify(res.body)),
    ]);
    if (res.status === 200 && res.body.intact !== true) problems.push(`verify: ${JSON.stringify(res.body)}`);
  }
  console.log('\nGET /api/audit/verify (the stored chain, in the worker)\n');
  printTable(['', 'ms', 'intact', 'head', 'summary'], verifyRows);

  // 5. The export and the native verifier.
  // Three times, each to the last byte. The body is written with one write per chunk as it
  // arrives: piping it through Readable.fromWeb into a file stream took Node 20 up to 7 s of the
  // same 0.8 s export at times, which measured Node, not the worker.
  const exportFile = join(dir, 'export.jsonl');
  const exportRuns = [];
  let bytes = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/audit/export`, { headers });
    if (res.status !== 200 || !res.body) {
      problem('GET /api/audit/export', { status: res.status, body: await res.text() });
      break;
    }
    const fd = openSync(exportFile, 'w');
    bytes = 0;
    for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (res.body))) {
      writeSync(fd, chunk);
      bytes += chunk.length;
    }
    closeSync(fd);
    exportRuns.push(performance.now() - t0);
  }
  const exportMs = exportRuns.length ? percentile(exportRuns, 50) : NaN;
  const lines = bytes ? readFileSync(exportFile, 'utf8').trimEnd().split('\n') : [];
  const exported = lines.filter((l) => l.startsWith('{"seq"')).length;
  const checkpoints = lines.filter((l) => l.startsWith('{"checkpoint"')).length;
  summary.push(
    `GET /api/audit/export (whole log, 3 runs): ${exportRuns.map((r) => ms(r)).join(' / ')} ms; ` +
      `${grouped(exported)} events and ${checkpoints} checkpoint(s), ${(bytes / 1e6).toFixed(1)} MB; median ` +
      `${(exportMs / 1000).toFixed(2)} s = ${(bytes / 1e6 / (exportMs / 1000)).toFixed(1)} MB/s ` +
      `(${grouped(Math.round(exported / (exportMs / 1000)))} events/s)`,
  );
  // The native verifier: `cargo run --release -q -p sealdrop-cli -- audit verify` once (it builds
  // the CLI if need be), then its executable three times, without cargo's own start-up.
  const viaCargo = performance.now();
  const cargoRun = spawnSync(
    'cargo',
    ['run', '--release', '--locked', '-q', '-p', 'sealdrop-cli', '--', 'audit', 'verify', exportFile, '--key', key],
    { cwd: ROOT, encoding: 'utf8' },
  );
  const viaCargoMs = performance.now() - viaCargo;
  if (cargoRun.status !== 0) problems.push(`cargo run ... audit verify exited ${cargoRun.status}: ${cargoRun.stderr}`);
  const build = execFileSync(
    'cargo',
    ['build', '--release', '--locked', '-q', '-p', 'sealdrop-cli', '--message-format=json'],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 },
  );
  const cli = build
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .find((m) => m.reason === 'compiler-artifact' && m.target?.name === 'sealdrop' && m.executable)?.executable;
  if (!cli) throw new Error('cargo built no sealdrop executable');
  const runs = [];
  let out = '';
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    const run = spawnSync(cli, ['audit', 'verify', exportFile, '--key', key], { encoding: 'utf8' });
    runs.push(performance.now() - start);
    out = `${run.stdout}${run.stderr}`.trim();
    if (run.status !== 0) problems.push(`sealdrop audit verify exited ${run.status}: ${out}`);
  }
  const best = Math.min(...runs);
  summary.push(
    `sealdrop audit verify (native, whole process): ${runs.map((r) => ms(r)).join(' / ')} ms, best ` +
      `${grouped(Math.round(exported / (best / 1000)))} events/s, ${(bytes / 1e6 / (best / 1000)).toFixed(0)} MB/s`,
    `  it said: ${out.replace(/\n/g, ' | ')}`,
    `  (through cargo run, cargo's start-up included: ${ms(viaCargoMs)} ms)`,
  );
  console.log('\nExport and native verification\n');
  for (const line of summary) console.log(line);
} finally {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(problems.length ? `\nThe API misbehaved ${problems.length} time(s):` : '\nNo errors or malformed answers.');
for (const p of problems.slice(0, 40)) console.log(`  ${p}`);
if (problems.length > 40) console.log(`  ... and ${problems.length - 40} more`);
