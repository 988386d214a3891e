// Runs the end-to-end suites against one fresh local stack (wrangler dev on its own state
// directory and port), in order: the persisted-state scan comes last because it checks what
// every suite before it left behind. The suites of the other engines (tests/engines: Firefox and
// WebKit) run in a lane of their own beside the Chromium page suites, on the same stack.
import { spawn } from 'node:child_process';
import { appendFileSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, startStack } from './support/stack.mjs';

const SUITES = [
  'api/api.test.mjs',
  'api/accounts.test.mjs',
  'api/requests.test.mjs',
  'api/authz.test.mjs',
  'api/openapi.test.mjs',
  'api/headers.test.mjs',
  'api/links.test.mjs',
  'api/bursts.test.mjs',
  'faults/atomic.test.mjs',
  'faults/purge.test.mjs',
  'faults/faults.test.mjs',
  'pages/shares.test.mjs',
  'pages/writers.test.mjs',
  'pages/links.test.mjs',
  'pages/accounts.test.mjs',
  'pages/requests.test.mjs',
  'api/console.test.mjs',
  'pages/admin-log.test.mjs',
  'api/log.test.mjs',
  'api/persisted.test.mjs',
];
// The engines lane: Firefox, then WebKit (one after the other: together they would pass the wrong
// proofs an address may make in an hour, which every page on 127.0.0.1 shares). It overlaps the
// Chromium page suites and no other: it starts once the last suite that restarts the stack or
// injects faults (faults/faults) has ended, so that the stack stays up under it, and it ends before
// the first suite that reads totals of the whole stack (the overview's counts and refusals in
// api/console and pages/admin-log; the chain check and the persisted-state scan after them). The
// earlier API suites count whole tables too (accounts, invites, shares, requests before and after
// a refused call), which the lane's new accounts and shares would change under them. The page
// suites it overlaps count only their own rows; it moves no clock and runs no purge.
const ENGINE_SUITES = ['engines/firefox.test.mjs', 'engines/webkit.test.mjs'];
const LANE_AFTER = 'faults/faults.test.mjs';
const LANE_BEFORE = 'api/console.test.mjs';
// Suites by path under tests/ ('api/links.test.mjs') or by folder ('pages', 'engines').
const only = process.argv.slice(2);
const chosen = (/** @type {string} */ s) =>
  only.length === 0 || only.some((o) => s === o || s.startsWith(`${o.replace(/\/$/, '')}/`));

/**
 * Runs one suite in its own process; with `prefix`, its output goes line by line under that
 * prefix (the lane runs beside the main suites, whose output is not prefixed).
 * @param {string} suite
 * @param {string} [prefix]
 * @returns {Promise<number | null>}
 */
function runSuite(suite, prefix) {
  // Not spawnSync: this process must go on answering for the witness while a suite runs.
  const run = spawn(process.execPath, ['--test', '--test-reporter=spec', join(ROOT, 'tests', suite)], {
    stdio: prefix ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    env: { ...process.env, SEALDROP_URL: stack.url, SEALDROP_STATE: stack.stateDir },
  });
  if (prefix) {
    for (const [from, to] of /** @type {const} */ ([
      [run.stdout, process.stdout],
      [run.stderr, process.stderr],
    ])) {
      createInterface({ input: /** @type {import('node:stream').Readable} */ (from) }).on('line', (line) =>
        to.write(`${prefix} ${line}\n`),
      );
    }
  }
  return new Promise((done) => run.on('exit', (code) => done(code)));
}

/** The engines lane, each suite timed. */
async function engineLane() {
  let failedHere = false;
  for (const suite of ENGINE_SUITES.filter(chosen)) {
    const prefix = `[${suite.replace(/^engines\/|\.test\.mjs$/g, '')}]`;
    const started = Date.now();
    console.log(`\n${prefix} == ${suite} (beside the Chromium suites)`);
    const status = await runSuite(suite, prefix);
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log(`${prefix} == ${suite}: ${status === 0 ? 'passed' : 'FAILED'} in ${seconds} s`);
    if (status !== 0) failedHere = true;
  }
  return failedHere;
}
const workDir = join(ROOT, '.wrangler/test');
rmSync(workDir, { recursive: true, force: true });
mkdirSync(workDir, { recursive: true });
// The checkpoint witness of the test stack: it keeps every checkpoint the worker sends it.
const witness = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    appendFileSync(join(workDir, 'witness.jsonl'), body.replace(/\n/g, ' ') + '\n');
    res.writeHead(204).end();
  });
});
await new Promise((done) => witness.listen(8793, '127.0.0.1', () => done(undefined)));
const stack = await startStack({
  port: 8797,
  stateDir: join(workDir, 'state'),
  logFile: join(workDir, 'wrangler.log'),
  witness: 'http://127.0.0.1:8793/checkpoints',
});
let failed = false;
/** @type {Promise<boolean> | null} */
let lane = null;
let laneStart = 0;
let awaited = false;
const startLane = () => {
  laneStart = Date.now();
  return engineLane();
};
try {
  for (const suite of SUITES.filter(chosen)) {
    const at = SUITES.indexOf(suite);
    if (lane === null && at > SUITES.indexOf(LANE_AFTER) && at < SUITES.indexOf(LANE_BEFORE)) lane = startLane();
    if (lane !== null && !awaited && at >= SUITES.indexOf(LANE_BEFORE)) {
      console.log(`\n== waiting for the engines lane before ${suite}`);
      if (await lane) failed = true;
      console.log(`== the engines lane has ended (${((Date.now() - laneStart) / 1000).toFixed(0)} s)`);
      awaited = true;
    }
    console.log(`\n== ${suite}`);
    if ((await runSuite(suite)) !== 0) failed = true;
  }
  // Only the lane was chosen, or only suites before it.
  if (lane === null) lane = startLane();
  if (!awaited && (await lane)) failed = true;
} finally {
  await stack.stop();
  witness.close();
}
process.exit(failed ? 1 : 0);
