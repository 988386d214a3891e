// Staff accounts for the tests, made and used the way the pages do (format-v1.md, Staff keys):
// Argon2id of the password in the client, the login key sent, the vault key kept, the private
// key wrapped. Every secret is recorded for the persisted-state scan.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createSetupInvite } from '../../scripts/setup-link.mjs';
import { call, sd } from './client.mjs';
import { BASE, STATE_DIR, remember } from './env.mjs';
import { adminFileOf } from './stack.mjs';

/**
 * The stack a helper talks to: the suite's (tests/run.mjs) unless a test runs its own.
 * @typedef {{ base: string, stateDir: string }} Where
 */
const SUITE_STACK = { base: BASE, stateDir: STATE_DIR };

/**
 * A signed-in person as a test holds them.
 * @typedef {{ email: string, password: string, name: string, accountId: string, sk128: Uint8Array,
 *   account: any, cookie: string, csrf: string, vault: Uint8Array, secretKey: Uint8Array,
 *   publicKey: Uint8Array }} Staff
 */

/** @param {Headers} headers */
function sessionCookie(headers) {
  const set = headers.get('set-cookie') ?? '';
  const pair = set.split(';')[0];
  if (!pair.startsWith('__Host-sealdrop-session=')) throw new Error(`no session cookie in ${set}`);
  return pair;
}

/**
 * Headers that authenticate as `staff`: the cookie, and the CSRF token for state changes.
 * @param {Staff} staff
 * @param {Record<string, string>} [more]
 */
export function as(staff, more = {}) {
  return { cookie: staff.cookie, 'sealdrop-csrf': staff.csrf, ...more };
}

/** JSON request headers for `staff`. */
export function asJson(/** @type {Staff} */ staff) {
  return as(staff, { 'content-type': 'application/json' });
}

/**
 * @param {string} password
 * @param {{ salt: string, argon2: { m_kib: number, t: number, p: number } }} params
 */
function stretch(password, params) {
  const { m_kib, t, p } = params.argon2;
  return sd.argon2id(password.normalize('NFC'), sd.b64Decode(params.salt), m_kib, t, p);
}

/**
 * Creates the account an invite token is for, as the join page does; returns it signed in.
 * @param {string} token
 * @param {{ email: string, name?: string, password?: string }} who
 * @param {Where} [where]
 * @returns {Promise<Staff>}
 */
export async function joinWith(
  token,
  { email, name = 'Test Person', password = `pw-${sd.b64Encode(sd.randomBytes(9))}` },
  { base } = SUITE_STACK,
) {
  const invite = await call(`${base}/api/invites/self`, { headers: { authorization: `Sealdrop-Invite ${token}` } });
  if (invite.status !== 200) throw new Error(`invite: ${invite.status} ${JSON.stringify(invite.body)}`);
  const a = stretch(password, invite.body);
  const sk128 = sd.randomBytes(16);
  const vault = sd.vaultKey(a, sk128);
  const { secretKey, publicKey } = sd.generateKeyPair();
  const accountId = invite.body.account_id;
  const body = {
    email,
    name,
    login_key: sd.b64Encode(sd.loginKey(a)),
    public_key: sd.b64Encode(publicKey),
    wrapped_sk: sd.b64Encode(sd.wrapPrivateKey(vault, sd.b64Decode(accountId), secretKey)),
  };
  const created = await call(`${base}/api/accounts`, {
    method: 'POST',
    headers: { authorization: `Sealdrop-Invite ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (created.status !== 201) throw new Error(`create account: ${created.status} ${JSON.stringify(created.body)}`);
  const staff = {
    email,
    password,
    name,
    accountId,
    sk128,
    account: created.body.account,
    cookie: sessionCookie(created.headers),
    csrf: created.body.csrf,
    vault,
    secretKey,
    publicKey,
  };
  rememberStaff(staff, a, body.login_key);
  return staff;
}

/**
 * The password stretched with the account's parameters, as the sign-in page does.
 * @param {{ email: string, password: string }} who
 * @param {{ base: string }} [where]
 */
async function stretched({ email, password }, { base } = SUITE_STACK) {
  const params = await call(`${base}/api/session/params`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  if (params.status !== 200) throw new Error(`params: ${params.status} ${JSON.stringify(params.body)}`);
  return stretch(password, params.body);
}

/**
 * The login key of `who` (base64url), as the sign-in page sends it.
 * @param {{ email: string, password: string }} who
 * @param {Where} [where]
 */
export async function loginKeyOf(who, where = SUITE_STACK) {
  return sd.b64Encode(sd.loginKey(await stretched(who, where)));
}

/**
 * Signs in again with email and password (and the kept sk128), as the sign-in page does.
 * @param {{ email: string, password: string, sk128: Uint8Array, name?: string }} who
 * @param {Where} [where]
 * @returns {Promise<Staff>}
 */
export async function signIn({ email, password, sk128, name = '' }, { base } = SUITE_STACK) {
  const a = await stretched({ email, password }, { base });
  const res = await call(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, login_key: sd.b64Encode(sd.loginKey(a)) }),
  });
  if (res.status !== 200) throw new Error(`sign in: ${res.status} ${JSON.stringify(res.body)}`);
  const account = res.body.account;
  const vault = sd.vaultKey(a, sk128);
  const secretKey = sd.unwrapPrivateKey(
    vault,
    sd.b64Decode(account.id),
    sd.b64Decode(account.public_key),
    sd.b64Decode(account.wrapped_sk),
  );
  return {
    email,
    password,
    name: name || account.name,
    accountId: account.id,
    sk128,
    account,
    cookie: sessionCookie(res.headers),
    csrf: res.body.csrf,
    vault,
    secretKey,
    publicKey: sd.publicKey(secretKey),
  };
}

/**
 * The stack's first admin: made through the setup link by the first test file that asks,
 * signed in afresh by every later one (sessions end; a test may have moved the clock).
 * @param {Where} [where]
 * @returns {Promise<Staff>}
 */
export async function admin(where = SUITE_STACK) {
  // Kept between test files: one stack, many processes.
  const file = adminFileOf(where.stateDir);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    return signIn({ ...saved, sk128: sd.b64Decode(saved.sk128) }, where);
  }
  const token = createSetupInvite({ persistTo: where.stateDir });
  if (!token) throw new Error('accounts exist but the admin file is missing');
  const staff = await joinWith(token, { email: 'admin@example.org', name: 'First Admin' }, where);
  writeFileSync(
    file,
    JSON.stringify({ email: staff.email, password: staff.password, sk128: sd.b64Encode(staff.sk128) }),
  );
  return staff;
}

/**
 * A new account with `role`, invited by the admin.
 * @param {'staff' | 'admin'} [role]
 * @param {string} [name]
 * @param {Where} [where]
 * @returns {Promise<Staff>}
 */
export async function newStaff(role = 'staff', name = 'Staff Member', where = SUITE_STACK) {
  const boss = await admin(where);
  const email = `${role}-${sd
    .b64Encode(sd.randomBytes(6))
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}@example.org`;
  const invited = await call(`${where.base}/api/invites`, {
    method: 'POST',
    headers: asJson(boss),
    body: JSON.stringify({ email, role, valid_hours: 24 }),
  });
  if (invited.status !== 201) throw new Error(`invite: ${invited.status} ${JSON.stringify(invited.body)}`);
  return joinWith(invited.body.token, { email, name }, where);
}

/**
 * @param {Staff} staff
 * @param {Uint8Array} a
 * @param {string} loginKey
 */
function rememberStaff(staff, a, loginKey) {
  remember('a password', staff.password);
  for (const [what, key] of Object.entries({
    'a stretched password': a,
    'a login key': sd.b64Decode(loginKey),
    'a vault key': staff.vault,
    'a private key': staff.secretKey,
    'an account secret key': staff.sk128,
  })) {
    remember(what, key);
    remember(`${what} (base64url)`, sd.b64Encode(key));
    remember(`${what} (hex)`, Buffer.from(key).toString('hex'));
  }
  remember('a kit code', sd.kitEncode(staff.sk128));
}
