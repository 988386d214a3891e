// Starts the real local stack (wrangler dev: workerd with local R2 and D1) on a fresh state
// directory, with the migrations applied, and stops it. Used by tests/run.mjs and the benchmark.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler');
const ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  NO_UPDATE_NOTIFIER: '1',
};

/**
 * @param {{ port: number, stateDir: string, logFile: string }} options
 * @returns {Promise<{ url: string, stateDir: string, stop: () => Promise<void> }>}
 */
export async function startStack({ port, stateDir, logFile }) {
  const url = `http://127.0.0.1:${port}`;
  if (
    await fetch(url).then(
      () => true,
      () => false,
    )
  ) {
    throw new Error(`something already listens on ${url}; stop it first`);
  }
  rmSync(stateDir, { recursive: true, force: true });
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
    ],
    { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited; see ${logFile}`);
    try {
      const response = await fetch(`${url}/api/limits`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
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
