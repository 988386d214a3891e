// /api/openapi.json is the published contract: served as committed, and every documented
// operation is routed (answered by its handler, not by "no such endpoint" or "wrong method")
// while every undocumented method on a documented path is refused with 405. The route table in
// worker/src/http/routes.rs is compared with the same document by a unit test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/stack.mjs';
import { BASE } from '../support/env.mjs';

const committed = JSON.parse(readFileSync(join(ROOT, 'worker/openapi.json'), 'utf8'));
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

test('the served document is the committed OpenAPI 3.1 document', async () => {
  const res = await fetch(`${BASE}/api/openapi.json`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), committed);
  assert.equal(committed.openapi, '3.1.0');
});

test('every documented operation is routed; other methods get 405', async () => {
  const sample = { id: 'AAAAAAAAAAAAAAAAAAAAAA', file: 'AAAAAAAAAAAAAAAAAAAAAA', j: '0', n: '1' };
  for (const [template, item] of Object.entries(committed.paths)) {
    const path = `/api${template.replace(/\{(\w+)\}/g, (_, name) => sample[/** @type {'id'} */ (name)])}`;
    for (const method of METHODS) {
      const res = await fetch(`${BASE}${path}`, { method: method.toUpperCase(), headers: { 'content-length': '0' } });
      const body = res.headers.get('content-type')?.includes('json') ? await res.json() : {};
      assert.ok(res.status < 500, `${method} ${path}: ${res.status}`);
      if (method in item) {
        assert.notEqual(body.error?.code, 'no_route', `${method} ${path} is documented but not routed`);
        assert.notEqual(res.status, 405, `${method} ${path} is documented but refused`);
      } else {
        assert.equal(res.status, 405, `${method} ${path} is routed but not documented`);
      }
    }
  }
});
