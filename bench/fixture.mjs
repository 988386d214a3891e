// What the transfer benchmarks start from: a file of random bytes, and a fresh local stack of
// their own (port 8798, state in .wrangler/bench).
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, ROOT } from '../tests/support/stack.mjs';

/**
 * Writes `bytes` random bytes to `dir/bench-<MiB>MiB.bin`; returns its path.
 * @param {string} dir
 * @param {number} bytes
 */
export function randomFile(dir, bytes) {
  const file = join(dir, `bench-${Math.round(bytes / 1048576)}MiB.bin`);
  const fd = openSync(file, 'w');
  for (let left = bytes; left > 0; left -= 64 * 1024 * 1024)
    writeSync(fd, randomBytes(Math.min(left, 64 * 1024 * 1024)));
  closeSync(fd);
  return file;
}

/** The benchmarks' stack. */
export function benchStack() {
  return startStack({
    port: 8798,
    stateDir: join(ROOT, '.wrangler/bench/state'),
    logFile: join(ROOT, '.wrangler/bench/wrangler.log'),
  });
}
