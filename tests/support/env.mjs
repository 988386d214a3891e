// What tests/run.mjs hands to every test file: the stack's URL and state, and a D1 query helper.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './stack.mjs';

export const BASE = process.env.SEALDROP_URL ?? 'http://127.0.0.1:8787';
export const STATE_DIR = process.env.SEALDROP_STATE ?? join(ROOT, '.wrangler/state');
/** Where tests record the secrets and plaintexts that the persisted-state scan must not find. */
export const SECRETS_FILE = join(STATE_DIR, '..', 'secrets.jsonl');

/**
 * Runs one SQL query on the local D1 of the stack under test.
 * @param {string} sql
 * @returns {Record<string, unknown>[]}
 */
export function d1(sql) {
  const out = execFileSync(
    join(ROOT, 'node_modules/.bin/wrangler'),
    ['d1', 'execute', 'sealdrop', '--local', '--persist-to', STATE_DIR, '--json', '--command', sql],
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, encoding: 'utf8' },
  );
  return JSON.parse(out)[0].results;
}
