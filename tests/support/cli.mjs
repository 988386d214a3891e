// The native command line (`sealdrop`, crates/cli) for the tests: built once, run in a home of
// its own (SEALDROP_HOME) with the login's passphrase in its environment, as a scheduled job
// runs it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './stack.mjs';

/** The binary the helpers run: the debug build, or the release build for benchmarks. */
let bin = join(ROOT, 'target/debug/sealdrop');

/**
 * Builds the command line (a no-op when it is up to date); `release` for figures, since the
 * debug profile leaves the workspace's own crates (the core's opener among them) unoptimised.
 * @param {{ release?: boolean }} [options]
 */
export function buildCli({ release = false } = {}) {
  const args = ['build', '--locked', '-q', '-p', 'sealdrop-cli', ...(release ? ['--release'] : [])];
  const built = spawnSync('cargo', args, { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`cargo build: ${built.stderr}`);
  bin = join(ROOT, release ? 'target/release/sealdrop' : 'target/debug/sealdrop');
}

/** A fresh home for the command line. */
export function cliHome() {
  return mkdtempSync(join(tmpdir(), 'sealdrop-cli-'));
}

/**
 * Runs `sealdrop args…` to its end.
 * @param {string} home
 * @param {string[]} args
 * @param {{ input?: string, env?: Record<string, string> }} [options]
 */
export function cli(home, args, { input = '', env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(bin, args, {
      env: { ...process.env, SEALDROP_HOME: home, SEALDROP_PASSPHRASE: 'test passphrase of this job', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

/**
 * Starts `sealdrop args…` and returns the process, to kill it mid-way.
 * @param {string} home
 * @param {string[]} args
 * @param {{ input?: string }} [options]
 */
export function cliStart(home, args, { input = '' } = {}) {
  const child = spawn(bin, args, {
    env: { ...process.env, SEALDROP_HOME: home, SEALDROP_PASSPHRASE: 'test passphrase of this job' },
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.stdin.end(input);
  return child;
}
