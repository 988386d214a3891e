// Runs the end-to-end suites against one fresh local stack (wrangler dev on its own state
// directory and port), in order: the persisted-state scan comes last because it checks what
// every suite before it left behind.
import { spawnSync } from 'node:child_process';
import { rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startStack } from './support/stack.mjs';

const SUITES = [
  'api.test.mjs',
  'accounts.test.mjs',
  'requests.test.mjs',
  'authz.test.mjs',
  'openapi.test.mjs',
  'headers.test.mjs',
  'links.test.mjs',
  'purge.test.mjs',
  'pages.test.mjs',
  'pages-links.test.mjs',
  'pages-accounts.test.mjs',
  'pages-requests.test.mjs',
  'persisted.test.mjs',
];
const only = process.argv.slice(2);
const workDir = join(ROOT, '.wrangler/test');
rmSync(workDir, { recursive: true, force: true });
mkdirSync(workDir, { recursive: true });
const stack = await startStack({
  port: 8797,
  stateDir: join(workDir, 'state'),
  logFile: join(workDir, 'wrangler.log'),
});
let failed = false;
try {
  for (const suite of SUITES.filter((s) => only.length === 0 || only.includes(s))) {
    console.log(`\n== ${suite}`);
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', join(ROOT, 'tests', suite)], {
      stdio: 'inherit',
      env: { ...process.env, SEALDROP_URL: stack.url, SEALDROP_STATE: stack.stateDir },
    });
    if (run.status !== 0) failed = true;
  }
} finally {
  await stack.stop();
}
process.exit(failed ? 1 : 0);
