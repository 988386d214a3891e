// The command line's transfers on a fresh local stack, beside curl: `sealdrop send` of a file of
// --mib MiB (default 1024) against curl PUTting the same parts, and `sealdrop get` of that share
// against curl fetching the same parts by Range, three in flight each. Prints MB/s of payload and
// the ratio to curl; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { admin } from '../tests/support/accounts.mjs';
import { sd } from '../tests/support/client.mjs';
import { newApiKey } from '../tests/support/api-keys.mjs';
import { buildCli, cli, cliHome } from '../tests/support/cli.mjs';
import { curlGetRow, curlPutRow, ticketFor } from './curl.mjs';
import { benchStack, randomFile } from './fixture.mjs';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '1024' } } });
const MIB = Number(values.mib);
const BYTES = MIB * 1024 * 1024;
const MB = (/** @type {number} */ bytes, /** @type {number} */ ms) => bytes / 1e6 / (ms / 1000);

buildCli({ release: true });
const dir = mkdtempSync(join(tmpdir(), 'sealdrop-bench-'));
const file = randomFile(dir, BYTES);
const stack = await benchStack();
const where = { base: stack.url, stateDir: stack.stateDir };
const payload = sd.uploadLayout(BYTES, sd.defaultLog2Chunk(), 0).payloadSize;
try {
  const staff = await admin(where);
  const key = await newApiKey(staff, { name: `bench ${Date.now()}`, base: stack.url });
  const home = cliHome();
  const login = await cli(home, ['login', '--server', stack.url], {
    input: `${key.key}\n${staff.password}\n${sd.kitEncode(staff.sk128)}\n`,
  });
  if (login.status !== 0) throw new Error(`login: ${login.stderr}`);
  const rows = [await curlPutRow({ base: stack.url, staff, bytes: BYTES, dir })];
  let started = performance.now();
  const sent = await cli(home, ['--quiet', 'send', file]);
  const sendMs = performance.now() - started;
  if (sent.status !== 0) throw new Error(`send: ${sent.stderr}`);
  rows.push(['sealdrop send (seal + PUT)', MB(payload, sendMs).toFixed(0), '', '']);
  const link = sent.stdout.trim();
  rows.push(curlGetRow(await ticketFor(stack.url, link, BYTES), BYTES));
  const out = mkdtempSync(join(dir, 'out-'));
  started = performance.now();
  const got = await cli(cliHome(), ['--quiet', 'get', '--link-stdin', '-o', out], { input: `${link}\n` });
  const getMs = performance.now() - started;
  if (got.status !== 0) throw new Error(`get: ${got.stderr}`);
  rows.push(['sealdrop get (Range + verify + open + rename)', MB(payload, getMs).toFixed(0), '', '']);
  const ratio = (/** @type {number} */ i, /** @type {number} */ of) =>
    (Number(rows[i][1]) / Number(rows[of][1])).toFixed(2);
  rows[1][2] = `${ratio(1, 0)} × curl PUT`;
  rows[3][2] = `${ratio(3, 2)} × curl GET`;
  console.log(`\nThe command line, ${MIB} MiB on the local stack (MB/s of payload)`);
  for (const [what, mbs, vs] of rows) console.log(`  ${what.padEnd(48)} ${mbs.padStart(6)} MB/s  ${vs}`);
} finally {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}
