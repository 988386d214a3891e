// Prints the one-time setup link that creates the first admin, when the local database has no
// account yet (there are no default passwords). The link holds a 32-byte token in its fragment;
// D1 keeps only the token's BLAKE3. Each run replaces any unused setup link; the link is valid
// for 24 hours and only while no account exists.
//
//   node scripts/setup-link.mjs --base http://127.0.0.1:8787 [--persist-to DIR]
//   node scripts/setup-link.mjs --base https://files.example.org --remote   (a deployment's D1)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as sd from '../web/pkg/sealdrop_wasm.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * @param {string} sql
 * @param {string | undefined} persistTo the local state directory, or 'remote' for the deployed D1
 * @returns {Record<string, unknown>[]}
 */
function d1(sql, persistTo) {
  const where = persistTo === 'remote' ? ['--remote'] : ['--local'];
  const args = ['d1', 'execute', 'sealdrop', ...where, '--json', '--command', sql];
  if (persistTo && persistTo !== 'remote') args.push('--persist-to', persistTo);
  const out = execFileSync(join(ROOT, 'node_modules/.bin/wrangler'), args, {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    encoding: 'utf8',
  });
  return JSON.parse(out)[0].results;
}

/** @param {number} n */
const b64 = (n) => randomBytes(n).toString('base64url');

/**
 * Creates a setup invite if no account exists; returns its token, or null when accounts exist.
 * `wrangler d1 execute` takes no bound parameters: every value below is base64url, hex or a
 * number that this function made itself, so nothing outside it reaches the SQL text.
 * @param {{ persistTo?: string, now?: number }} [options]
 * @returns {string | null}
 */
export function createSetupInvite({ persistTo, now = Date.now() } = {}) {
  sd.initSync({ module: readFileSync(join(ROOT, 'web/pkg/sealdrop_wasm_bg.wasm')) });
  const [{ n }] = /** @type {{ n: number }[]} */ (d1('SELECT COUNT(*) AS n FROM accounts', persistTo));
  if (n > 0) return null;
  const token = randomBytes(32);
  const hash = Buffer.from(sd.blake3(token)).toString('hex');
  d1(
    `DELETE FROM invites WHERE setup = 1 AND used_at IS NULL;
     INSERT INTO invites (id, token_hash, email, role, setup, account_id, salt, created_at, expires_at)
     VALUES ('${b64(16)}', '${hash}', NULL, 'admin', 1, '${b64(16)}', '${b64(16)}', ${now}, ${now + DAY_MS});`,
    persistTo,
  );
  return token.toString('base64url');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { base: { type: 'string' }, 'persist-to': { type: 'string' }, remote: { type: 'boolean' } },
  });
  const token = createSetupInvite({ persistTo: values.remote ? 'remote' : values['persist-to'] });
  if (token) {
    console.log(`\n  No account exists yet. Create the first admin (this link works once, for 24 hours):`);
    console.log(`  ${values.base ?? 'http://127.0.0.1:8787'}/setup#${token}\n`);
  }
}
