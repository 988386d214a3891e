// The server never sees plaintext, file names, passwords or keys that decrypt: everything the
// local stack persisted (R2 objects, the D1 database, wrangler's log) is scanned for every
// secret and plaintext sample the suites before recorded in secrets.jsonl (link, share, file and
// request secrets, passwords, stretched passwords, login, vault, private and account secret keys,
// kit codes, tokens).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { SECRETS_FILE, STATE_DIR, filesUnder } from '../support/env.mjs';
import { adminFileOf } from '../support/stack.mjs';

test('nothing persisted holds a plaintext, a file name, a password or a key that decrypts', () => {
  assert.ok(existsSync(SECRETS_FILE), 'the suites recorded what to look for');
  /** @type {{ what: string, hex: string, control: boolean }[]} */
  const needles = readFileSync(SECRETS_FILE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  assert.ok(needles.length >= 10, `${needles.length} needles`);
  // The tests' own notes (what to look for, the first admin's password) are not the stack's.
  const files = filesUnder(dirname(STATE_DIR)).filter((f) => f !== SECRETS_FILE && f !== adminFileOf(STATE_DIR));
  const r2Objects = files.filter((f) => f.includes('/r2/'));
  assert.ok(r2Objects.length > 0, 'the R2 state was found');
  assert.ok(
    files.some((f) => f.endsWith('.sqlite')),
    'the D1 database was found',
  );
  let scanned = 0;
  const controlsFound = new Set();
  for (const file of files) {
    const bytes = readFileSync(file);
    scanned += bytes.length;
    for (const needle of needles) {
      const found = bytes.indexOf(Buffer.from(needle.hex, 'hex'));
      if (needle.control) {
        if (found >= 0) controlsFound.add(needle.what);
      } else {
        assert.equal(found, -1, `${needle.what} found in ${file} at ${found}`);
      }
    }
  }
  const controls = needles.filter((n) => n.control).map((n) => n.what);
  assert.ok(controls.length > 0, 'some controls were recorded');
  assert.deepEqual([...controlsFound].sort(), [...new Set(controls)].sort(), 'every control value was found');
  console.log(`scanned ${files.length} files, ${(scanned / 1e6).toFixed(1)} MB, for ${needles.length} needles`);
});
