// Starts the real local stack (wrangler dev: workerd with local R2 and D1) on a fresh state
// directory, with the migrations applied, stops it, and restarts it on the same state (the fault
// tests). Used by tests/run.mjs and the benchmark.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { connect } from 'node:net';

export const ROOT = resolve(import.meta.dirname, '../..');
const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler');
const ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  NO_UPDATE_NOTIFIER: '1',
};

/** The test stacks' window of refusal summaries, in ms (worker/src/services/sequencer.rs). */
export const REFUSAL_WINDOW_MS = 5000;

/**
 * The access log's checkpoint key of every test stack (a test key: it signs nothing real), so that
 * tests can verify exports against its public key.
 */
export const AUDIT_KEY = '5e'.repeat(32);

/**
 * Where tests/support/accounts.mjs keeps the first admin's credentials for the stack whose state
 * is `stateDir`: beside it, not in it, since the tests, not the stack, wrote them.
 * @param {string} stateDir
 */
export const adminFileOf = (stateDir) => join(stateDir, '..', 'admin.json');

/**
 * Whether `url` answers 200, accepting wrangler's self-signed certificate for https.
 * @param {string} url
 * @returns {Promise<boolean>}
 */
function answers(url) {
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  return new Promise((done) => {
    get(url, { rejectUnauthorized: false }, (res) => {
      res.resume();
      done(res.statusCode === 200);
    }).on('error', () => done(false));
  });
}

/**
 * Whether something listens on `port` of the loopback address.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function listening(port) {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1', () => done(socket.end() && true)).on('error', () => done(false));
  });
}

/**
 * A stack as tests hold it. `stop` ends wrangler dev; `restart` (stopping it first if it runs)
 * starts it again on the same port, state directory and variables (the pepper included), from the
 * same built worker: no migrations, no wipe, no build.
 * @typedef {{ url: string, stateDir: string, stop: () => Promise<void>, restart: () => Promise<void> }} Stack
 */

/**
 * @param {{ port: number, stateDir: string, logFile: string, https?: boolean, witness?: string,
 *   testing?: boolean }} options
 *   https serves the stack over TLS with wrangler's self-signed certificate; witness is the URL
 *   each checkpoint is also sent to; testing (the default) turns on the test clock and the fault
 *   switch, which a benchmark leaves off so that it measures what a deployment runs
 * @returns {Promise<Stack>}
 */
export async function startStack({ port, stateDir, logFile, https = false, witness, testing = true }) {
  const url = `${https ? 'https' : 'http'}://127.0.0.1:${port}`;
  if (await listening(port)) {
    throw new Error(`something already listens on ${url}; stop it first`);
  }
  rmSync(stateDir, { recursive: true, force: true });
  // The first admin's credentials belong to the state they were made in.
  rmSync(adminFileOf(stateDir), { force: true });
  mkdirSync(stateDir, { recursive: true });
  execFileSync(WRANGLER, ['d1', 'migrations', 'apply', 'sealdrop', '--local', '--persist-to', stateDir], {
    cwd: ROOT,
    env: ENV,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // Drawn once per stack: a restart keeps it, as it keeps the state it peppered.
  const pepper = randomBytes(32).toString('hex');
  const args = [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--persist-to',
    stateDir,
    '--show-interactive-dev-session=false',
    '--log-level',
    'log',
    '--local-protocol',
    https ? 'https' : 'http',
    // Test configuration only: the clock tests may set (worker/src/services/context.rs) and the fault
    // switch (worker/src/services/sequencer.rs), the access log's refusal summaries every 5 s instead of
    // every minute, and GET /__scheduled to run the purge.
    ...(testing ? ['--var', 'SEALDROP_TEST_CLOCK:d1'] : []),
    '--var',
    `SEALDROP_REFUSAL_WINDOW_MS:${REFUSAL_WINDOW_MS}`,
    '--var',
    `SEALDROP_PEPPER:${pepper}`,
    '--var',
    `SEALDROP_AUDIT_KEY:${AUDIT_KEY}`,
    ...(witness ? ['--var', `SEALDROP_WITNESS_URL:${witness}`] : []),
    '--test-scheduled',
  ];
  let running = await runDev(args, url, logFile, 'w');

  const stop = async () => {
    const { child, log } = running;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      const signal = (/** @type {NodeJS.Signals} */ name) => {
        try {
          process.kill(-(/** @type {number} */ (child.pid)), name);
        } catch {
          // the group is gone already
        }
      };
      signal('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) {
        signal('SIGKILL');
        await exited;
      }
    }
    log.end();
  };
  const restart = async () => {
    await stop();
    // workerd may hold the port a moment longer than wrangler lives.
    const deadline = Date.now() + 15_000;
    while (await listening(port)) {
      if (Date.now() > deadline) throw new Error(`${url} is still taken after the stop`);
      await new Promise((r) => setTimeout(r, 100));
    }
    running = await runDev(args, url, logFile, 'a');
  };
  return { url, stateDir, stop, restart };
}

/**
 * Spawns `wrangler dev` with `args` (in a process group of its own, so that a stop reaches
 * workerd too) and waits until it answers.
 * @param {string[]} args
 * @param {string} url
 * @param {string} logFile
 * @param {'w' | 'a'} flags a restart appends to the first run's log
 */
async function runDev(args, url, logFile, flags) {
  const log = createWriteStream(logFile, { flags });
  const child = spawn(WRANGLER, args, { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited; see ${logFile}`);
    if (await answers(`${url}/api/limits`)) break;
    if (Date.now() > deadline) throw new Error(`wrangler dev did not start; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, log };
}

/**
 * Whether an answer is wrangler dev's own, for a request its proxy lost on the way to the worker:
 * the proxy's keep-alive connection to workerd closes after 5 s idle, and a request sent on it as
 * it closes never reaches the worker (workers-sdk issue 14641; the proxy says the worker
 * restarted, which it did not). Such a request is sent again, once per loss; any answer of the
 * worker itself is JSON and is never taken for this.
 * @param {number} status
 * @param {unknown} body the answer's bytes or text, when it was not JSON
 */
export function droppedByDevProxy(status, body) {
  if (status !== 503) return false;
  const text = body instanceof Uint8Array ? new TextDecoder().decode(body) : String(body);
  return text.startsWith('Your worker restarted mid-request.');
}
