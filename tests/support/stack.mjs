// Starts the real local stack (wrangler dev: workerd with local R2 and D1) on a fresh state
// directory, with the migrations applied, and stops it. Used by tests/run.mjs and the benchmark.
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
 * @param {{ port: number, stateDir: string, logFile: string, https?: boolean, witness?: string }} options
 *   https serves the stack over TLS with wrangler's self-signed certificate; witness is the URL
 *   each checkpoint is also sent to
 * @returns {Promise<{ url: string, stateDir: string, stop: () => Promise<void> }>}
 */
export async function startStack({ port, stateDir, logFile, https = false, witness }) {
  const url = `${https ? 'https' : 'http'}://127.0.0.1:${port}`;
  const taken = await new Promise((done) => {
    const socket = connect(port, '127.0.0.1', () => done(socket.end() && true)).on('error', () => done(false));
  });
  if (taken) {
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
  const log = createWriteStream(logFile);
  const child = spawn(
    WRANGLER,
    [
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
      // Test configuration only: the clock tests may set (worker/src/context.rs), and
      // GET /__scheduled to run the purge.
      '--var',
      'SEALDROP_TEST_CLOCK:d1',
      '--var',
      `SEALDROP_PEPPER:${randomBytes(32).toString('hex')}`,
      '--var',
      `SEALDROP_AUDIT_KEY:${AUDIT_KEY}`,
      ...(witness ? ['--var', `SEALDROP_WITNESS_URL:${witness}`] : []),
      '--test-scheduled',
    ],
    { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited; see ${logFile}`);
    if (await answers(`${url}/api/limits`)) break;
    if (Date.now() > deadline) throw new Error(`wrangler dev did not start; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async () => {
    if (child.exitCode !== null) return;
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
    if (child.exitCode === null) signal('SIGKILL');
    log.end();
  };
  return { url, stateDir, stop };
}
