// What tests/run.mjs hands to every test file: the stack's URL and state, and a D1 query helper.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, droppedByDevProxy } from './stack.mjs';

export const BASE = process.env.SEALDROP_URL ?? 'http://127.0.0.1:8787';
export const STATE_DIR = process.env.SEALDROP_STATE ?? join(ROOT, '.wrangler/state');
/** Where tests record the secrets and plaintexts that the persisted-state scan must not find. */
export const SECRETS_FILE = join(STATE_DIR, '..', 'secrets.jsonl');

/**
 * Runs SQL on the local D1 of the stack under test (or of the stack at `stateDir`); returns the
 * rows of its last statement.
 * @param {string} sql
 * @param {string} [stateDir]
 * @returns {Record<string, unknown>[]}
 */
export function d1(sql, stateDir = STATE_DIR) {
  // This runs beside the stack, on the same SQLite file: while the stack writes (the log's
  // sequencer appends in the background, its alarm included), the file may be locked for a
  // moment. Such a query is run again; any other failure is thrown.
  for (let attempt = 1; ; attempt++) {
    try {
      const out = execFileSync(
        join(ROOT, 'node_modules/.bin/wrangler'),
        ['d1', 'execute', 'sealdrop', '--local', '--persist-to', stateDir, '--json', '--command', sql],
        { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, encoding: 'utf8' },
      );
      return JSON.parse(out).at(-1).results;
    } catch (err) {
      const said = String(/** @type {{ stdout?: string }} */ (err).stdout ?? '');
      if (attempt >= 5 || !said.includes('SQLITE_BUSY')) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200 * attempt);
    }
  }
}

/**
 * Records bytes that must never appear in anything the stack persists.
 * @param {string} what
 * @param {Uint8Array | string} value
 * @param {boolean} [control] true for a value that the stack must have persisted: the scan
 *   checks that it finds these, so that it cannot pass by reading the wrong files
 */
export function remember(what, value, control = false) {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  if (bytes.length < 8) throw new Error(`${what}: too short to look for`);
  appendFileSync(SECRETS_FILE, JSON.stringify({ what, hex: bytes.toString('hex'), control }) + '\n');
}

/**
 * Records a share's link secret, share secret, auth key (raw and base64url), its files' names
 * and samples of their plaintexts.
 * @param {{ ls: Uint8Array, ss: Uint8Array, authKey: Uint8Array }} share
 * @param {{ name: string, data: Uint8Array }[]} files
 * @param {(bytes: Uint8Array) => string} b64
 */
export function rememberShare(share, files, b64) {
  for (const [what, key] of Object.entries({
    'link secret': share.ls,
    'share secret': share.ss,
    'auth key': share.authKey,
  })) {
    remember(what, key);
    remember(`${what} (base64url)`, b64(key));
    remember(`${what} (hex)`, Buffer.from(key).toString('hex'));
  }
  for (const file of files) {
    remember('a file name', file.name);
    for (const at of [0, Math.floor(file.data.length / 2), file.data.length - 32]) {
      if (file.data.length >= 32 && at >= 0)
        remember(`plaintext of ${file.name} at ${at}`, file.data.subarray(at, at + 32));
    }
  }
}

/**
 * Every file under `dir`, recursively.
 * @param {string} dir
 * @returns {string[]}
 */
export function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * Sets the clock of the stack under test, or of the stack at `stateDir` (null: the real time).
 * @param {number | null} ms
 * @param {string} [stateDir]
 */
export function setClock(ms, stateDir = STATE_DIR) {
  const set = `DELETE FROM test_clock; INSERT INTO test_clock (now_ms) VALUES (${Math.round(ms ?? 0)})`;
  d1(ms === null ? 'DELETE FROM test_clock' : set, stateDir);
}

/**
 * An HTTP request from a given loopback source address (127.0.0.x), so that suites and tests
 * that count failures per client address do not trip each other's limits.
 * @param {string} source
 * @param {string} url
 * @param {{ method?: string, headers?: Record<string, string>, body?: string }} [init]
 * @returns {Promise<{ status: number, headers: import('node:http').IncomingHttpHeaders, body: any }>}
 */
export function callFrom(source, url, init = {}) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? 'GET', headers: init.headers, localAddress: source, agent: false },
      (res) => {
        const chunks = /** @type {Buffer[]} */ ([]);
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body;
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
          if (droppedByDevProxy(res.statusCode ?? 0, body)) resolve(callFrom(source, url, init));
          else resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The number of rows in a table of the stack under test. */
export const count = (/** @type {string} */ table) => Number(d1(`SELECT count(*) AS n FROM ${table}`)[0].n);

/**
 * Asserts a refusal: its status, its stable code, and a sentence for people.
 * @param {{ status: number, body: any }} res
 * @param {number} status
 * @param {string} code
 */
export function refusedWith(res, status, code) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error.code, code, JSON.stringify(res.body));
  assert.match(res.body.error.message, /\w.*\.$/, 'a sentence for people');
}
