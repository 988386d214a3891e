// Staff accounts for the tests, made and used the way the pages do (format-v1.md, Staff keys, and
// unlock-factors.md): Argon2id of the password in the client, the login key sent, the account
// key K drawn and kept, the private key and sk128 wrapped under K, K under the password factor.
// A v1 account (made by `makeV1`) adopts its vault key as K when it signs in, as the pages do.
// Every secret is recorded for the persisted-state scan.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createSetupInvite } from '../../scripts/setup-link.mjs';
import { call, sd } from './client.mjs';
import { BASE, STATE_DIR, d1, remember } from './env.mjs';
import { adminFileOf } from './stack.mjs';

/**
 * The stack a helper talks to: the suite's (tests/run.mjs) unless a test runs its own.
 * @typedef {{ base: string, stateDir: string }} Where
 */
const SUITE_STACK = { base: BASE, stateDir: STATE_DIR };

/**
 * A signed-in person as a test holds them.
 * @typedef {{ email: string, password: string, name: string, accountId: string, sk128: Uint8Array,
 *   account: any, cookie: string, csrf: string, accountKey: Uint8Array, secretKey: Uint8Array,
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
 * @param {{ cookie: string, csrf: string }} staff
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
  const accountKey = sd.randomBytes(32);
  const { secretKey, publicKey } = sd.generateKeyPair();
  const accountId = invite.body.account_id;
  const idBytes = sd.b64Decode(accountId);
  const body = {
    email,
    name,
    login_key: sd.b64Encode(sd.loginKey(a)),
    public_key: sd.b64Encode(publicKey),
    wrapped_sk: sd.b64Encode(sd.wrapPrivateKey(accountKey, idBytes, secretKey)),
    wrapped_sk128: sd.b64Encode(sd.wrapSk128(accountKey, idBytes, sk128)),
    password_factor: passwordFactor(a, sk128, accountId, 0, accountKey),
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
    accountKey,
    secretKey,
    publicKey,
  };
  rememberStaff(staff, a, body.login_key);
  return staff;
}

/**
 * A password factor wrapping `k` at `generation`, under a factor id drawn here (as the pages'
 * newPasswordFactor).
 * @param {Uint8Array} a
 * @param {Uint8Array} sk128
 * @param {string} accountId
 * @param {number} generation
 * @param {Uint8Array} k
 */
export function passwordFactor(a, sk128, accountId, generation, k) {
  const id = sd.randomBytes(16);
  const wrapped = sd.wrapPasswordFactor(a, sk128, sd.b64Decode(accountId), id, generation, k);
  return { id: sd.b64Encode(id), label: 'Password', wrapped_k: sd.b64Encode(wrapped) };
}

/**
 * K opened as the pages open it: from the password factor, or for a v1 account its vault key,
 * adopted as K through POST /api/account/key.
 * @param {any} account the session's account
 * @param {Uint8Array} a
 * @param {Uint8Array} sk128
 * @param {{ cookie: string, csrf: string }} session
 * @param {string} base
 */
async function openAccountKey(account, a, sk128, session, base) {
  const idBytes = sd.b64Decode(account.id);
  const key = account.account_key;
  if (key) {
    const factor = key.factors.find((/** @type {any} */ f) => f.kind === 'password');
    return {
      account,
      k: sd.openPasswordFactor(
        a,
        sk128,
        idBytes,
        sd.b64Decode(factor.id),
        key.generation,
        sd.b64Decode(factor.wrapped_k),
      ),
    };
  }
  const k = sd.vaultKey(a, sk128);
  const adopted = await call(`${base}/api/account/key`, {
    method: 'POST',
    headers: { ...as(session), 'content-type': 'application/json' },
    body: JSON.stringify({
      wrapped_sk128: sd.b64Encode(sd.wrapSk128(k, idBytes, sk128)),
      password_factor: passwordFactor(a, sk128, account.id, 0, k),
    }),
  });
  if (adopted.status !== 200) throw new Error(`adopt: ${adopted.status} ${JSON.stringify(adopted.body)}`);
  return { account: adopted.body.account, k };
}

/**
 * Turns `staff`'s account into one made before the account key existed (a v1 account): the
 * private key and every request secret under the vault key, no generation, no wrapped sk128, no
 * factor. Written into D1 from the side, as the migration leaves such an account.
 * @param {Staff} staff
 * @param {string} [stateDir]
 */
export function makeV1(staff, stateDir = STATE_DIR) {
  const params = { salt: staff.account.salt, argon2: staff.account.argon2 };
  const vault = sd.vaultKey(stretch(staff.password, params), staff.sk128);
  const idBytes = sd.b64Decode(staff.accountId);
  const wrappedSk = sd.b64Encode(sd.wrapPrivateKey(vault, idBytes, staff.secretKey));
  const requests = d1(`SELECT id, wrapped_rs FROM requests WHERE owner_account = '${staff.accountId}'`, stateDir);
  const rewrapped = requests.map((/** @type {any} */ r) => {
    const rid = sd.b64Decode(String(r.id));
    const rs = sd.unwrapRequestSecret(staff.accountKey, rid, sd.b64Decode(String(r.wrapped_rs)));
    return `UPDATE requests SET wrapped_rs = '${sd.b64Encode(sd.wrapRequestSecret(vault, rid, rs))}' WHERE id = '${r.id}';`;
  });
  d1(
    `UPDATE accounts SET wrapped_sk = '${wrappedSk}', key_generation = NULL, wrapped_sk128 = NULL WHERE id = '${staff.accountId}';
     DELETE FROM account_factors WHERE account_id = '${staff.accountId}'; ${rewrapped.join(' ')}`,
    stateDir,
  );
  return vault;
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
  const session = { cookie: sessionCookie(res.headers), csrf: res.body.csrf };
  const { account, k } = await openAccountKey(res.body.account, a, sk128, session, base);
  const secretKey = sd.unwrapPrivateKey(
    k,
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
    ...session,
    accountKey: k,
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
    'an account key': staff.accountKey,
    'a vault key': sd.vaultKey(a, staff.sk128),
    'a private key': staff.secretKey,
    'an account secret key': staff.sk128,
  })) {
    remember(what, key);
    remember(`${what} (base64url)`, sd.b64Encode(key));
    remember(`${what} (hex)`, Buffer.from(key).toString('hex'));
  }
  remember('a kit code', sd.kitEncode(staff.sk128));
}

/**
 * The body of PUT /api/account/password as the account page makes it: a new password factor
 * wrapping the same K, or, for an adopted K (still the vault key) or when `rotate` says so, a
 * new K' with everything K wraps under it. Returns the body and the K that will hold after it.
 * @param {Staff} staff signed in, with the account as the server last showed it
 * @param {string} newPassword
 * @param {{ rotate?: boolean, base?: string }} [options]
 */
export async function passwordChange(staff, newPassword, { rotate, base = BASE } = {}) {
  const key = staff.account.account_key;
  const oldA = stretch(staff.password, { salt: staff.account.salt, argon2: staff.account.argon2 });
  const salt = sd.randomBytes(16);
  const newA = stretch(newPassword, { salt: sd.b64Encode(salt), argon2: staff.account.argon2 });
  const rotating = rotate ?? sd.isAdoptedKey(staff.accountKey, oldA, staff.sk128);
  const k = rotating ? sd.randomBytes(32) : staff.accountKey;
  const idBytes = sd.b64Decode(staff.accountId);
  let rotation = null;
  if (rotating) {
    const list = await call(`${base}/api/requests`, { headers: as(staff) });
    rotation = {
      wrapped_sk: sd.b64Encode(sd.wrapPrivateKey(k, idBytes, staff.secretKey)),
      wrapped_sk128: sd.b64Encode(sd.wrapSk128(k, idBytes, staff.sk128)),
      requests: list.body.requests.map((/** @type {any} */ r) => {
        const rid = sd.b64Decode(r.id);
        const rs = sd.unwrapRequestSecret(staff.accountKey, rid, sd.b64Decode(r.wrapped_rs));
        return { id: r.id, wrapped_rs: sd.b64Encode(sd.wrapRequestSecret(k, rid, rs)) };
      }),
      factors: [],
    };
    remember('an account key', k);
    remember('an account key (base64url)', sd.b64Encode(k));
  }
  const body = {
    login_key: sd.b64Encode(sd.loginKey(oldA)),
    new_salt: sd.b64Encode(salt),
    new_login_key: sd.b64Encode(sd.loginKey(newA)),
    generation: key.generation,
    password_factor: passwordFactor(newA, staff.sk128, staff.accountId, key.generation + (rotating ? 1 : 0), k),
    rotation,
  };
  remember('a password', newPassword);
  return { body, k, rotating };
}
