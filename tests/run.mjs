// Runs the end-to-end suites against one fresh local stack (wrangler dev on its own state
// directory and port), in order: the persisted-state scan comes last because it checks what
// every suite before it left behind. The suites of the other engines (tests/engines: Firefox and
// WebKit) run on the same stack, after the Chromium page suites.
import { spawn } from 'node:child_process';
import { appendFileSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ROOT, startStack } from './support/stack.mjs';

const SUITES = [
  'api/api.test.mjs',
  'api/accounts.test.mjs',
  'api/account-key.test.mjs',
  'api/api-keys.test.mjs',
  'api/requests.test.mjs',
  'api/authz.test.mjs',
  'api/openapi.test.mjs',
  'api/headers.test.mjs',
  'api/links.test.mjs',
  'api/bursts.test.mjs',
  'cli/cli.test.mjs',
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
// The engines suites: Firefox, then WebKit (one after the other: together they would pass the
// wrong proofs an address may make in an hour, which every page on 127.0.0.1 shares), after the
// Chromium page suites and before the first suite that reads totals of the whole stack (the
// overview's counts and refusals in api/console and pages/admin-log; the chain check and the
// persisted-state scan after them). Not beside the Chromium suites: every suite also writes to the
// stack's D1 from the side (wrangler d1 execute on its sqlite file: the test clock, forgotten
// failures, edited rows), and such a write holds a lock under which another suite's call is
// refused with 503 database_unavailable (seen in a CI run). The earlier API suites count whole
// tables, and the fault suites restart the stack.
const ENGINE_SUITES = ['engines/firefox.test.mjs', 'engines/webkit.test.mjs'];
const ENGINES_BEFORE = 'api/console.test.mjs';
// Suites by path under tests/ ('api/links.test.mjs') or by folder ('pages', 'engines').
const only = process.argv.slice(2);
const chosen = (/** @type {string} */ s) =>
  only.length === 0 || only.some((o) => s === o || s.startsWith(`${o.replace(/\/$/, '')}/`));

/**
 * Runs one suite in its own process.
 * @param {string} suite
 * @returns {Promise<number | null>}
 */
function runSuite(suite) {
  // Not spawnSync: this process must go on answering for the witness while a suite runs.
  const run = spawn(process.execPath, ['--test', '--test-reporter=spec', join(ROOT, 'tests', suite)], {
    stdio: 'inherit',
    env: { ...process.env, SEALDROP_URL: stack.url, SEALDROP_STATE: stack.stateDir },
  });
  return new Promise((done) => run.on('exit', (code) => done(code)));
}

/** The engines suites, each timed; whether one failed. */
async function engineSuites() {
  let failedHere = false;
  for (const suite of ENGINE_SUITES.filter(chosen)) {
    const started = Date.now();
    console.log(`\n== ${suite}`);
    const status = await runSuite(suite);
    console.log(
      `== ${suite}: ${status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
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
let enginesRun = false;
const runEngines = async () => {
  enginesRun = true;
  if (await engineSuites()) failed = true;
};
try {
  for (const suite of SUITES.filter(chosen)) {
    if (!enginesRun && SUITES.indexOf(suite) >= SUITES.indexOf(ENGINES_BEFORE)) await runEngines();
    console.log(`\n== ${suite}`);
    if ((await runSuite(suite)) !== 0) failed = true;
  }
  // Only the engines were chosen, or only suites before them.
  if (!enginesRun) await runEngines();
} finally {
  await stack.stop();
  witness.close();
}
process.exit(failed ? 1 : 0);
