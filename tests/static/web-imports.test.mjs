// The pages' modules (web/js) import one another without a cycle, and every relative
// reference in them (imports, JSDoc import() types, new URL(..., import.meta.url) of workers and
// of the wasm binary) points at a file that exists. Needs no stack: node --test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { cyclesOf, importGraph } from '../support/import-graph.mjs';

const WEB_JS = resolve(import.meta.dirname, '../../web/js');

test('no import cycle among the modules of web/js', () => {
  const { edges, cycles } = importGraph(WEB_JS);
  assert.ok(edges.size > 40, `found only ${edges.size} modules`);
  assert.deepEqual(
    cycles.map((c) => c.join(' -> ')),
    [],
  );
});

test('every relative reference of web/js resolves to a file', () => {
  assert.deepEqual(importGraph(WEB_JS).unresolved, []);
});

test('the cycle finder finds a cycle', () => {
  const edges = new Map([
    ['a.js', ['b.js']],
    ['b.js', ['c.js']],
    ['c.js', ['a.js']],
    ['d.js', ['a.js']],
  ]);
  assert.deepEqual(cyclesOf(edges), [['a.js', 'b.js', 'c.js', 'a.js']]);
});
