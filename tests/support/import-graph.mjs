// The graph of a folder's ES modules, from their source text: the static imports between them
// (import ... from, import '...', export ... from), the cycles among those, and every
// relative reference that points at no file (static imports, JSDoc import() types and
// new URL(..., import.meta.url), which is how workers and the wasm binary are found).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const STATIC = /(?:^|[;\s])(?:import|export)\s+(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g;
const TYPE_IMPORT = /import\(\s*['"]([^'"]+)['"]\s*\)/g;
const URL_REF = /new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g;

/** @param {string} dir @returns {string[]} */
function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? jsFiles(join(dir, d.name)) : d.name.endsWith('.js') ? [join(dir, d.name)] : [],
  );
}

/** @param {string} text @param {RegExp} re */
function matches(text, re) {
  return Array.from(text.matchAll(re), (m) => m[1]);
}

/**
 * @param {string} dir the folder whose .js files make the graph
 * @returns {{ edges: Map<string, string[]>, cycles: string[][], unresolved: string[] }} paths
 *   relative to `dir`
 */
export function importGraph(dir) {
  const root = resolve(dir);
  const name = (/** @type {string} */ p) => relative(root, p);
  /** @type {Map<string, string[]>} */
  const edges = new Map();
  /** @type {string[]} */
  const unresolved = [];
  for (const file of jsFiles(root)) {
    // Comments may quote imports without meaning them; JSDoc types are kept for import().
    const text = readFileSync(file, 'utf8');
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    /** @param {string} spec */
    const target = (spec) => resolve(dirname(file), spec);
    const imports = matches(code, STATIC).filter((s) => s.startsWith('.'));
    edges.set(
      name(file),
      imports.map((s) => name(target(s))).filter((t) => t.endsWith('.js') && !t.startsWith('..')),
    );
    for (const spec of [...imports, ...matches(text, TYPE_IMPORT), ...matches(code, URL_REF)]) {
      if (spec.startsWith('.') && !existsSync(target(spec))) unresolved.push(`${name(file)} -> ${spec}`);
    }
  }
  return { edges, cycles: cyclesOf(edges), unresolved };
}

/**
 * Every cycle, each once, as the modules along it (depth-first, from each module in turn).
 * @param {Map<string, string[]>} edges
 * @returns {string[][]}
 */
export function cyclesOf(edges) {
  /** @type {string[][]} */
  const cycles = [];
  const seen = new Set();
  /** @type {Map<string, 'open' | 'done'>} */
  const mark = new Map();
  /** @type {string[]} */
  const stack = [];
  /** @param {string} node */
  const visit = (node) => {
    mark.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (mark.get(next) === 'open') {
        const cycle = stack.slice(stack.indexOf(next));
        const key = [...cycle].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, next]);
        }
      } else if (!mark.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    mark.set(node, 'done');
  };
  for (const node of edges.keys()) if (!mark.has(node)) visit(node);
  return cycles;
}
