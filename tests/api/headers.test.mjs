// Security headers on pages and API answers, over http (the local stack) and over https (a
// second stack with wrangler's self-signed certificate): HSTS only over https.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { request } from 'node:https';
import { ROOT, startStack } from '../support/stack.mjs';
import { BASE } from '../support/env.mjs';

const PATHS = ['/', '/d/AAAAAAAAAAAAAAAAAAAAAA', '/js/pages/share/main.js', '/api/limits', '/api/nothing'];

/** @param {Record<string, string | string[] | undefined>} headers */
function checkCommon(headers) {
  const csp = String(headers['content-security-policy']);
  assert.match(csp, /^default-src 'none'; /);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|https?:|\*/, 'no inline script and no other origin');
  assert.equal(headers['referrer-policy'], 'no-referrer');
  assert.equal(headers['x-content-type-options'], 'nosniff');
}

test('over http: CSP and companions on every answer, no HSTS', async () => {
  for (const path of PATHS) {
    const res = await fetch(`${BASE}${path}`);
    const headers = Object.fromEntries(res.headers);
    checkCommon(headers);
    assert.equal(headers['strict-transport-security'], undefined, path);
  }
});

const secure = await startStack({
  port: 8796,
  stateDir: join(ROOT, '.wrangler/test-https/state'),
  logFile: join(ROOT, '.wrangler/test-https/wrangler.log'),
  https: true,
});
after(() => secure.stop());

test('over https: HSTS as well', async () => {
  for (const path of PATHS) {
    /** @type {import('node:http').IncomingHttpHeaders} */
    const headers = await new Promise((resolve, reject) => {
      request(`${secure.url}${path}`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.headers);
      })
        .on('error', reject)
        .end();
    });
    checkCommon(headers);
    assert.match(String(headers['strict-transport-security']), /^max-age=\d{8,}; includeSubDomains$/, path);
  }
});
