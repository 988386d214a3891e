// The native command line (crates/cli) against the real local stack, beside the pages' clients
// (the browser module in Node, the same code the pages run): a share sent by `sealdrop send`
// opens in that client and one made by it opens with `sealdrop get`, byte for byte; a request
// made by `sealdrop request create` receives a partner's files that `sealdrop inbox pull` decrypts,
// scans with ClamAV (`--exec`) and quarantines; a flipped byte in R2 ends `get` with the tampered
// status and no file; `kill -9` in the middle of `send` and of `get` and the same command again
// complete with one share and one counted download; refused keys exit 3; a rotation of K makes
// the login ask to be made again, and an ordinary password change does not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, downloadShare, sd, sealShare, uploadShare } from '../support/client.mjs';
import { BASE, STATE_DIR, d1, remember } from '../support/env.mjs';
import { as, asJson, makeV1, newStaff, passwordChange, signIn } from '../support/accounts.mjs';
import { newApiKey } from '../support/api-keys.mjs';
import { openInbox, sendFiles } from '../support/requests.mjs';
import { flipStoredByte } from '../support/stored.mjs';
import { buildCli, cli, cliHome, cliStart } from '../support/cli.mjs';
import { OPFS_PICKER, freshPage, launch } from '../support/browser.mjs';

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const sha = (/** @type {Uint8Array} */ b) => createHash('sha256').update(b).digest('hex');
const workDir = () => mkdtempSync(join(tmpdir(), 'sealdrop-files-'));

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => {
  buildCli();
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * A staff member logged in on a fresh command-line home with an API key of `scopes`.
 * @param {string[]} [scopes]
 */
async function loggedIn(scopes = ['share', 'request', 'inbox']) {
  const staff = await newStaff('staff', 'Command Line');
  const key = await newApiKey(staff, { name: `cli ${randomBytes(3).toString('hex')}`, scopes });
  const home = cliHome();
  const input = `${key.key}\n${staff.password}\n${sd.kitEncode(staff.sk128)}\n`;
  const login = await cli(home, ['login', '--server', BASE], { input });
  assert.equal(login.status, 0, login.stderr);
  return { staff, key, home };
}

test('login keeps the API key and K sealed in a file only its user reads', async () => {
  const { key, staff, home } = await loggedIn();
  const file = join(home, 'login.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes(key.key), 'the API key is not in the clear');
  assert.ok(!text.includes(sd.b64Encode(staff.accountKey)), 'K is not in the clear');
  const wrongPassphrase = await cli(home, ['inbox', 'list'], { env: { SEALDROP_PASSPHRASE: 'not it' } });
  assert.equal(wrongPassphrase.status, 1);
  assert.match(wrongPassphrase.stderr, /passphrase does not open/);
  const wrongKit = await cli(cliHome(), ['login', '--server', BASE], {
    input: `${key.key}\n${staff.password}\n${sd.kitEncode(sd.randomBytes(16))}\n`,
  });
  assert.equal(wrongKit.status, 3, wrongKit.stderr);
  assert.match(wrongKit.stderr, /password or the emergency kit code is wrong/);
});

test('sealdrop send: the link opens in the pages’ client byte for byte, with a password too', async () => {
  const { home } = await loggedIn(['share']);
  const dir = workDir();
  const files = [
    { name: 'empty.bin', data: new Uint8Array(0) },
    { name: 'report.pdf', data: randomBytes(3 * 1024 * 1024 + 17) },
  ];
  for (const f of files) writeFileSync(join(dir, f.name), f.data);
  const sent = await cli(home, [
    '--json',
    'send',
    ...files.map((f) => join(dir, f.name)),
    '--expires',
    '2d',
    '--downloads',
    '3',
  ]);
  assert.equal(sent.status, 0, sent.stderr);
  const { link } = JSON.parse(sent.stdout.trim().split('\n').at(-1));
  remember('a link made by the command line', link.split('#')[1]);
  const [, id, ls] = link.match(/\/d\/([A-Za-z0-9_-]{22})#([A-Za-z0-9_-]{43})$/) ?? [];
  const got = await downloadShare(BASE, id, sd.b64Decode(ls));
  assert.deepEqual(
    got.files.map((f) => [f.name, sha(f.data)]),
    files.map((f) => [f.name, sha(f.data)]),
  );
  assert.deepEqual(readdirSync(join(home, 'journal')), [], 'the journal is gone');

  const secret = await cli(home, ['send', join(dir, 'report.pdf'), '--password-stdin'], {
    input: 'correct horse battery\n',
  });
  assert.equal(secret.status, 0, secret.stderr);
  const out = workDir();
  const wrong = await cli(home, ['get', '--link-stdin', '--password-stdin', '-o', out], {
    input: `${secret.stdout.trim()}\nnot the password\n`,
  });
  assert.equal(wrong.status, 3, wrong.stderr);
  const right = await cli(home, ['get', '--link-stdin', '--password-stdin', '-o', out], {
    input: `${secret.stdout.trim()}\ncorrect horse battery\n`,
  });
  assert.equal(right.status, 0, right.stderr);
  assert.equal(sha(readFileSync(join(out, 'report.pdf'))), sha(files[1].data));
  assert.deepEqual(readdirSync(out), ['report.pdf'], 'no temporary file is left');
});

test('Chromium: the download page opens what send sent, get takes what the share page sent, inbox pull what the request page sent', async () => {
  const { staff, home } = await loggedIn();
  const dir = workDir();
  const mine = { name: 'from-the-command-line.bin', data: randomBytes(7 * 1024 * 1024 + 11) };
  writeFileSync(join(dir, mine.name), mine.data);
  const sent = await cli(home, ['send', join(dir, mine.name)]);
  assert.equal(sent.status, 0, sent.stderr);
  const reader = await freshPage(browser, { init: OPFS_PICKER });
  await reader.page.goto(sent.stdout.trim());
  await reader.page.click('#reveal');
  await reader.page.waitForSelector('body[data-state="ready"]');
  await reader.page.click('li[data-j="0"] button');
  await reader.page.waitForSelector('li[data-j="0"][data-state="verified"]', { timeout: 120_000 });
  const digest = await reader.page.evaluate(async (name) => {
    const file = await (await (await navigator.storage.getDirectory()).getFileHandle(name)).getFile();
    const hash = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }, mine.name);
  assert.equal(digest, sha(mine.data), 'the download page saved it byte for byte');

  const theirs = { name: 'from-the-share-page.bin', data: randomBytes(6 * 1024 * 1024 + 3) };
  const sender = await freshPage(browser, { staff });
  await sender.page.goto(`${BASE}/`);
  await sender.page.waitForSelector('body[data-state="idle"]');
  await sender.page.setInputFiles('#file-input', [
    { name: theirs.name, mimeType: 'application/octet-stream', buffer: Buffer.from(theirs.data) },
  ]);
  await sender.page.click('#share-button');
  await sender.page.waitForSelector('body[data-state="done"]', { timeout: 180_000 });
  const link = await sender.page.inputValue('#share-link');
  const out = workDir();
  const got = await cli(cliHome(), ['get', '--link-stdin', '-o', out], { input: `${link}\n` });
  assert.equal(got.status, 0, got.stderr);
  assert.equal(sha(readFileSync(join(out, theirs.name))), sha(theirs.data));

  const made = await cli(home, ['--json', 'request', 'create', '--label', 'Through the page']);
  const request = JSON.parse(made.stdout.trim());
  const partner = await freshPage(browser);
  await partner.page.goto(request.link);
  await partner.page.waitForSelector('body[data-state="idle"]', { timeout: 30_000 });
  assert.ok(((await partner.page.textContent('#fingerprint')) ?? '').includes(request.fingerprint));
  const upload = { name: 'from-the-request-page.bin', data: randomBytes(5 * 1024 * 1024 + 9) };
  await partner.page.setInputFiles('#file-input', [
    { name: upload.name, mimeType: 'application/octet-stream', buffer: Buffer.from(upload.data) },
  ]);
  if (await partner.page.isVisible('#upload-button')) await partner.page.click('#upload-button');
  await partner.page.waitForSelector('body[data-state="done"]', { timeout: 120_000 });
  const inbox = workDir();
  const pulled = await cli(home, ['inbox', 'pull', '--request', request.id, '-o', inbox]);
  assert.equal(pulled.status, 0, pulled.stderr);
  assert.equal(sha(readFileSync(join(inbox, upload.name))), sha(upload.data));
  for (const p of [reader, sender, partner]) assert.deepEqual(p.problems, []);
  await Promise.all([reader, sender, partner].map((p) => p.context.close()));
});

test('sealdrop get: a share from the pages’ client, names made safe; a flipped byte leaves nothing', async () => {
  const home = cliHome();
  const files = [
    { name: '../../escape.txt', data: randomBytes(2000) },
    { name: 'big.bin', data: randomBytes(12 * 1024 * 1024 + 5) },
  ];
  const share = await sealShare(files);
  const { link } = await uploadShare(BASE, share);
  const out = workDir();
  const got = await cli(home, ['get', '--link-stdin', '-o', out], { input: `${link}\n` });
  assert.equal(got.status, 0, got.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['_.._escape.txt', 'big.bin']);
  assert.equal(sha(readFileSync(join(out, 'big.bin'))), sha(files[1].data));
  assert.equal(sha(readFileSync(join(out, '_.._escape.txt'))), sha(files[0].data));
  const receipts = d1(
    `SELECT outcome FROM audit_events WHERE action = 'download.receipt' AND object = '${link.match(/\/d\/([^#]+)/)?.[1]}'`,
  );
  assert.deepEqual(
    receipts.map((/** @type {any} */ r) => r.outcome),
    ['matched', 'matched'],
  );

  const tampered = await sealShare([{ name: 'tampered.bin', data: randomBytes(12 * 1024 * 1024) }]);
  const made = await uploadShare(BASE, tampered);
  const payload = tampered.files[0].payload;
  flipStoredByte(STATE_DIR, payload, payload.length - 5000);
  const bad = workDir();
  const refused = await cli(home, ['get', made.link, '-o', bad]);
  assert.equal(refused.status, 4, refused.stderr);
  assert.match(refused.stderr, /not what was uploaded|changed/);
  assert.deepEqual(readdirSync(bad), [], 'no file, whole or partial, is left');
});

test('kill -9 in the middle of send and of get: the same command completes, one share, one download', async () => {
  const { staff, home } = await loggedIn(['share']);
  const dir = workDir();
  const data = randomBytes(64 * 1024 * 1024);
  const path = join(dir, 'large.bin');
  writeFileSync(path, data);
  const before = Number(d1(`SELECT count(*) AS n FROM shares WHERE owner_account = '${staff.accountId}'`)[0].n);
  const sending = cliStart(home, ['send', path]);
  // Killed once the journal records two parts (each is recorded before it is sent).
  await until(() => journalSays(home, (j) => Object.keys(j.files?.[0]?.parts ?? {}).length >= 2));
  sending.kill('SIGKILL');
  await new Promise((r) => sending.on('exit', r));
  const again = await cli(home, ['send', path]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /Going on with the upload/);
  const after = Number(d1(`SELECT count(*) AS n FROM shares WHERE owner_account = '${staff.accountId}'`)[0].n);
  assert.equal(after, before + 1, 'one share, one multipart upload');
  const link = again.stdout.trim();
  const [, id] = link.match(/\/d\/([A-Za-z0-9_-]{22})#/) ?? [];

  const out = workDir();
  const getHome = cliHome();
  const getting = cliStart(getHome, ['get', '--link-stdin', '-o', out], { input: `${link}\n` });
  await until(() => journalSays(getHome, (j) => Object.values(j.verified ?? {}).some((n) => Number(n) >= 2)));
  getting.kill('SIGKILL');
  await new Promise((r) => getting.on('exit', r));
  const journal = readdirSync(join(getHome, 'journal'))[0];
  assert.equal(statSync(join(getHome, 'journal', journal)).mode & 0o777, 0o600, 'the journal is private');
  assert.ok(
    readFileSync(join(getHome, 'journal', journal), 'utf8').includes(link.split('#')[1]),
    'it holds the link secret',
  );
  assert.ok(!existsSync(join(out, 'large.bin')), 'nothing is in place before it verified');
  const resumed = await cli(getHome, ['get', '--link-stdin', '-o', out], { input: `${link}\n` });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal(sha(readFileSync(join(out, 'large.bin'))), sha(data));
  assert.deepEqual(readdirSync(join(getHome, 'journal')), [], 'the journal is deleted when done');
  const owner = await call(`${BASE}/api/shares/${id}/owner`, { headers: as(staff) });
  assert.equal(owner.body.downloads, 1, 'the download was counted once');
});

test('request create, a partner sends, inbox pull decrypts, scans with ClamAV and quarantines', async () => {
  const { staff, home } = await loggedIn(['request', 'inbox']);
  const made = await cli(home, [
    '--json',
    'request',
    'create',
    '--label',
    'Signed contracts',
    '--expires',
    '3d',
    '--max-files',
    '5',
  ]);
  assert.equal(made.status, 0, made.stderr);
  const { link, fingerprint, id } = JSON.parse(made.stdout.trim());
  const [, pk, rs] = link.match(/#([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/) ?? [];
  assert.deepEqual(sd.b64Decode(pk), sd.publicKey(staff.secretKey), 'the link carries the account’s key');
  assert.equal(fingerprint, sd.fingerprint(sd.b64Decode(pk)));
  remember('a request secret made by the command line', sd.b64Decode(rs));
  const request = {
    id,
    pk: sd.b64Decode(pk),
    rs: sd.b64Decode(rs),
    token: sd.b64Encode(sd.requestUploadToken(sd.b64Decode(rs))),
    link,
  };
  const clean = { name: 'contract-signed.pdf', data: randomBytes(6 * 1024 * 1024 + 3) };
  const virus = { name: 'eicar-sample.txt', data: new TextEncoder().encode(EICAR) };
  await sendFiles(request, [clean, virus]);
  // The inbox page opens them too: the request secret was wrapped under K as the page wraps it.
  const inbox = await openInbox(staff, id);
  assert.equal(inbox.files.length, 2);

  const db = join(workDir(), 'eicar.hdb');
  writeFileSync(db, '44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n');
  const out = workDir();
  const pulled = await cli(home, [
    '--json',
    'inbox',
    'pull',
    '--request',
    id,
    '-o',
    out,
    '--exec',
    `clamscan --no-summary -d ${db}`,
  ]);
  assert.equal(pulled.status, 0, pulled.stderr);
  assert.equal(sha(readFileSync(join(out, clean.name))), sha(clean.data));
  assert.ok(existsSync(join(out, 'quarantine', virus.name)), 'the EICAR file is quarantined');
  assert.ok(!existsSync(join(out, virus.name)));
  const receipts = readFileSync(join(out, 'receipts.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    receipts.map((r) => [r.name, r.size, r.request, r.quarantined]).sort(),
    [
      [clean.name, clean.data.length, id, false],
      [virus.name, virus.data.length, id, true],
    ].sort(),
  );
  assert.ok(receipts.every((r) => /^[0-9a-f]{64}$/.test(r.content_id) && r.received_at > 0));
  const again = await cli(home, ['--json', 'inbox', 'pull', '--request', id, '-o', out]);
  assert.equal(again.stdout.trim(), '', 'pulled files are marked read');

  // A scanner that fails (here: a database that does not exist) quarantines too.
  await sendFiles(request, [{ name: 'second-file.txt', data: randomBytes(500) }]);
  const broken = await cli(home, ['inbox', 'pull', '-o', out, '--exec', 'clamscan --no-summary -d /nonexistent.hdb']);
  assert.equal(broken.status, 0, broken.stderr);
  assert.ok(existsSync(join(out, 'quarantine', 'second-file.txt')));
  const list = await cli(home, ['--json', 'inbox', 'list']);
  const row = list.stdout
    .trim()
    .split('\n')
    .map((/** @type {string} */ l) => JSON.parse(l))
    .find((/** @type {any} */ r) => r.id === id);
  assert.deepEqual([row.files, row.unread], [3, 0]);
});

test('refused keys exit 3; a rotation of K asks for a new login, an ordinary password change does not', async () => {
  const { staff, key, home } = await loggedIn();
  const dir = workDir();
  writeFileSync(join(dir, 'a.txt'), 'some text to send');
  // An ordinary password change: K stays, the login goes on.
  const { body } = await passwordChange(staff, 'a new password for this test');
  const changed = await call(`${BASE}/api/account/password`, {
    method: 'PUT',
    headers: asJson(staff),
    body: JSON.stringify(body),
  });
  assert.equal(changed.status, 200);
  const still = await cli(home, ['request', 'create', '--label', 'After the change']);
  assert.equal(still.status, 0, still.stderr);

  // A v1 account that adopts K, logs in here, then rotates K with its first password change.
  const old = await newStaff('staff', 'Old Account');
  makeV1(old);
  const adopted = await signIn(old);
  const oldKey = await newApiKey(adopted, { name: 'old account job' });
  const oldHome = cliHome();
  const login = await cli(oldHome, ['login', '--server', BASE], {
    input: `${oldKey.key}\n${old.password}\n${sd.kitEncode(old.sk128)}\n`,
  });
  assert.equal(login.status, 0, login.stderr);
  const rotation = await passwordChange(adopted, 'rotating password here');
  assert.equal(rotation.rotating, true);
  const rotated = await call(`${BASE}/api/account/password`, {
    method: 'PUT',
    headers: asJson(adopted),
    body: JSON.stringify(rotation.body),
  });
  assert.equal(rotated.status, 200);
  const stale = await cli(oldHome, ['request', 'create', '--label', 'After the rotation']);
  assert.equal(stale.status, 3, stale.stderr);
  assert.match(stale.stderr, /Run sealdrop login again/);

  const revoked = await call(`${BASE}/api/account/api-keys/${key.id}`, { method: 'DELETE', headers: as(staff) });
  assert.equal(revoked.status, 200);
  const refused = await cli(home, ['--json', 'send', join(dir, 'a.txt')]);
  assert.equal(refused.status, 3);
  assert.equal(JSON.parse(refused.stdout.trim()).error.code, 'api_key_revoked');
  const [event] = d1(
    `SELECT event FROM audit_events WHERE actor = 'staff:${staff.accountId}' ORDER BY seq DESC LIMIT 1`,
  );
  assert.equal(JSON.parse(String(event.event)).outcome, 'refused:api_key_revoked');
});

/**
 * Whether a journal of the command line's home says what `test` looks for.
 * @param {string} home
 * @param {(journal: any) => boolean} test
 */
function journalSays(home, test) {
  const dir = join(home, 'journal');
  if (!existsSync(dir)) return false;
  return readdirSync(dir).some((name) => {
    try {
      return test(JSON.parse(readFileSync(join(dir, name), 'utf8')));
    } catch {
      return false;
    }
  });
}

/** Waits for `ready()` (polling), at most a minute. */
async function until(/** @type {() => boolean} */ ready) {
  const deadline = Date.now() + 60_000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
