// @ts-check
/**
 * Tiny static file server for the browser benchmark (node:http only).
 *
 * Serves bench/ (including bench/pkg/, the wasm-bindgen output) at "/", and
 * the libsodium dist files at /node_modules/... read-only. Binds to
 * 127.0.0.1, which browsers treat as a secure context, so crypto.subtle exists.
 *
 * Run it alone to poke at the bench by hand: `node bench/server.mjs [port]`.
 */
import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../node_modules/', import.meta.url));

/**
 * URL prefix -> directory. Only libsodium's dist folders are exposed from
 * node_modules: nothing else there is needed by the page.
 * @type {Array<[string, string]>}
 */
const MOUNTS = [
  ['/node_modules/libsodium-wrappers/dist/', path.join(NODE_MODULES, 'libsodium-wrappers/dist')],
  ['/node_modules/libsodium/dist/', path.join(NODE_MODULES, 'libsodium/dist')],
  ['/', BENCH_DIR],
];

/**
 * libsodium-wrappers' ESM build does `import … from "libsodium"`, a bare
 * specifier a worker cannot resolve (there is no import map in workers), so
 * this one file is served with the specifier pointing at libsodium's ESM build.
 * @type {Record<string, { from: RegExp, to: string }>}
 */
const REWRITES = {
  '/node_modules/libsodium-wrappers/dist/modules-esm/libsodium-wrappers.mjs': {
    from: /\bfrom\s*(["'])libsodium\1/g,
    to: 'from"/node_modules/libsodium/dist/modules-esm/libsodium.mjs"',
  },
};

/** @type {Record<string, string>} */
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/**
 * The product's CSP, minus nothing: wasm needs 'wasm-unsafe-eval' (sealdrop's
 * module and libsodium's, which it instantiates from bytes embedded in its JS);
 * no 'unsafe-eval' and no inline script. Module workers take the CSP of their
 * own script response, which is why every response carries it.
 */
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'",
  'X-Content-Type-Options': 'nosniff',
  // The developer rebuilds bench/pkg between runs; never let a stale copy be used.
  'Cache-Control': 'no-store',
};

/**
 * Map a URL path to a file inside one of the mounts, or null if it escapes.
 * @param {string} urlPath decoded, starting with "/"
 */
function resolveFile(urlPath) {
  for (const [prefix, dir] of MOUNTS) {
    if (!urlPath.startsWith(prefix)) continue;
    const rel = urlPath.slice(prefix.length) || 'index.html';
    const file = path.resolve(dir, rel);
    if (file !== dir && !file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep)) return null;
    return file;
  }
  return null;
}

/**
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {string} text
 */
function sendText(res, status, text) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/**
 * @param {http.IncomingMessage} req
 * @param {http.ServerResponse} res
 */
async function handle(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'read-only\n');
  let urlPath;
  try {
    urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    return sendText(res, 400, 'bad path\n');
  }
  // Browsers ask for it unprompted; answer without a 404 in the console.
  if (urlPath === '/favicon.ico') return void res.writeHead(204, SECURITY_HEADERS).end();

  const file = resolveFile(urlPath);
  if (!file) return sendText(res, 403, 'forbidden\n');
  try {
    if (!(await stat(file)).isFile()) return sendText(res, 404, 'not found\n');
    let body = await readFile(file);
    const rewrite = REWRITES[urlPath];
    if (rewrite) {
      const src = body.toString('utf8');
      const out = src.replace(rewrite.from, rewrite.to);
      // A libsodium release that changes its import would otherwise fail in an obscure way.
      if (out === src) return sendText(res, 500, `bench server: expected import not found in ${urlPath}\n`);
      body = Buffer.from(out, 'utf8');
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (err) {
    const code = /** @type {NodeJS.ErrnoException} */ (err).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return sendText(res, 404, 'not found\n');
    sendText(res, 500, `bench server: ${String(err)}\n`);
  }
}

/**
 * Start the server on 127.0.0.1.
 * @param {{ port?: number }} [opts] port 0 (the default) picks a free one
 * @returns {Promise<{ origin: string, close: () => Promise<void> }>}
 */
export async function startServer({ port = 0 } = {}) {
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendText(res, 500, String(err));
      else res.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(undefined));
  });
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    origin: `http://127.0.0.1:${addr.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { origin } = await startServer({ port: Number(process.argv[2] ?? 0) });
  console.log(`bench server on ${origin}/  (Ctrl-C to stop)`);
}
