// Runs the end-to-end suites against one fresh local stack (wrangler dev on its own state
// directory and port), in order: the persisted-state scan comes last because it checks what
// every suite before it left behind.
import { spawn } from 'node:child_process';
import { appendFileSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ROOT, startStack } from './support/stack.mjs';

const SUITES = [
  'api/api.test.mjs',
  'api/accounts.test.mjs',
  'api/requests.test.mjs',
  'api/authz.test.mjs',
  'api/openapi.test.mjs',
  'api/headers.test.mjs',
  'api/links.test.mjs',
  'api/bursts.test.mjs',
  'faults/atomic.test.mjs',
  'faults/purge.test.mjs',
  'faults/faults.test.mjs',
  'pages/shares.test.mjs',
  'pages/links.test.mjs',
  'pages/accounts.test.mjs',
  'pages/requests.test.mjs',
  'api/console.test.mjs',
  'pages/admin-log.test.mjs',
  'api/log.test.mjs',
  'api/persisted.test.mjs',
];
// Suites by path under tests/ ('api/links.test.mjs') or by folder ('pages').
const only = process.argv.slice(2);
const workDir = join(ROOT, '.wrangler/test');
rmSync(workDir, { recursive: true, force: true });
mkdirSync(workDir, { recursive: true });
// The checkpoint witness of the test stack: it keeps every checkpoint the worker sends it.
const witness = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    appendFileSync(join(workDir, 'witness.jsonl'), body.replace(/\n/g, ' ') + '\n');
    res.writeHead(204).end();
  });
});
await new Promise((done) => witness.listen(8793, '127.0.0.1', () => done(undefined)));
const stack = await startStack({
  port: 8797,
  stateDir: join(workDir, 'state'),
  logFile: join(workDir, 'wrangler.log'),
  witness: 'http://127.0.0.1:8793/checkpoints',
});
let failed = false;
try {
  for (const suite of SUITES.filter(
    (s) => only.length === 0 || only.some((o) => s === o || s.startsWith(`${o.replace(/\/$/, '')}/`)),
  )) {
    console.log(`\n== ${suite}`);
    // Not spawnSync: this process must go on answering for the witness while a suite runs.
    const run = spawn(process.execPath, ['--test', '--test-reporter=spec', join(ROOT, 'tests', suite)], {
      stdio: 'inherit',
      env: { ...process.env, SEALDROP_URL: stack.url, SEALDROP_STATE: stack.stateDir },
    });
    const status = await new Promise((done) => run.on('exit', (code) => done(code)));
    if (status !== 0) failed = true;
  }
} finally {
  await stack.stop();
  witness.close();
}
process.exit(failed ? 1 : 0);
