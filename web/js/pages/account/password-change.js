// A password change, in this browser (unlock-factors.md): the current password and the kit open
// K through the password factor (a v1 account adopts its vault key as K first); the new password,
// with a new salt, gives the new login key and a new password factor wrapping the same K, and
// PUT /api/account/password swaps the login key's hash and that factor at once. Nothing else K
// wraps changes, so API keys and logins elsewhere that keep K go on working.
//
// The first change of an adopted account also rotates K (K is still the vault key, a function of
// the first password): a new K' wraps the private key, sk128 and every request secret, and the
// generation moves on (409 requests_changed: a request was made or deleted meanwhile, so the list
// is fetched and wrapped again).
import { apiJson, ApiError } from '../../lib/api.js';
import { newPasswordFactor, openAccountKey, rememberGeneration } from '../../lib/account-key.js';
import { storeAccountKey, stretch, toMe } from '../../lib/session.js';

/** @typedef {typeof import('../../../pkg/sealdrop_wasm.js')} Sd */
/** @typedef {import('../../lib/session.js').Me} Me */

// A request made or deleted while the password is being changed: fetch the list again, this often.
const REWRAP_TRIES = 3;

/** A request whose secret does not open under K: the change cannot go on. */
export class RequestKeyError extends Error {
  /** @param {string} label */
  constructor(label) {
    super('a request secret does not unwrap');
    this.label = label;
  }
}

/**
 * Changes the password; resolves to the account as it is now. Throws AccountKeyError ('wrong':
 * the current password or kit; 'damaged', 'rolled_back'), RequestKeyError, ApiError, or an
 * Error of the module. `progress` hears each step's sentence.
 * @param {Sd} sd
 * @param {Me} account
 * @param {{ current: string, next: string, sk128: Uint8Array, progress: (sentence: string) => void }} change
 * @returns {Promise<Me>}
 */
export async function changePassword(sd, account, { current, next, sk128, progress }) {
  /** @type {Uint8Array[]} */
  const secrets = [];
  try {
    progress('Checking your current password… This takes a second or two.');
    const aOld = await stretch(current, account);
    secrets.push(aOld);
    const loginOld = sd.loginKey(aOld);
    secrets.push(loginOld);
    const { k, sk } = await openAccountKey(sd, account, aOld, sk128);
    secrets.push(k, sk);
    const key = account.account_key;
    // The adoption could not be recorded (no answer): the server would refuse the change.
    if (!key) throw new ApiError(0, 'network', 'The server could not be reached to prepare your account.');
    const rotate = sd.isAdoptedKey(k, aOld, sk128);

    progress('Wrapping your keys under the new password… This takes a second or two.');
    const newSalt = sd.randomBytes(16);
    const aNew = await stretch(next, { salt: sd.b64Encode(newSalt), argon2: account.argon2 });
    const loginNew = sd.loginKey(aNew);
    secrets.push(aNew, loginNew);
    const kNew = rotate ? sd.randomBytes(32) : k;
    secrets.push(kNew);
    const idBytes = sd.b64Decode(account.id);
    const generation = key.generation + (rotate ? 1 : 0);
    const body = {
      login_key: sd.b64Encode(loginOld),
      new_salt: sd.b64Encode(newSalt),
      new_login_key: sd.b64Encode(loginNew),
      generation: key.generation,
      password_factor: newPasswordFactor(sd, account.id, aNew, sk128, generation, kNew),
      rotation: null,
    };
    for (let attempt = 1; ; attempt++) {
      const rotation = rotate
        ? {
            wrapped_sk: sd.b64Encode(sd.wrapPrivateKey(kNew, idBytes, sk)),
            wrapped_sk128: sd.b64Encode(sd.wrapSk128(kNew, idBytes, sk128)),
            requests: await rewrapRequests(sd, k, kNew),
            // An adopted account has only its password factor; a passkey factor could be wrapped
            // again only through its authenticator, and the server refuses a rotation that drops one.
            factors: [],
          }
        : null;
      try {
        const got = await apiJson('/api/account/password', { method: 'PUT', json: { ...body, rotation } });
        const now = toMe(got?.account ?? {});
        if (now.account_key) rememberGeneration(now.id, now.account_key.generation);
        storeAccountKey(sd, now, kNew);
        return now;
      } catch (err) {
        if (rotate && err instanceof ApiError && err.code === 'requests_changed' && attempt < REWRAP_TRIES) continue;
        throw err;
      }
    }
  } finally {
    for (const s of secrets) s.fill(0);
  }
}

/**
 * Every request of the account with its secret wrapped under K'.
 * @param {Sd} sd
 * @param {Uint8Array} kOld
 * @param {Uint8Array} kNew
 * @returns {Promise<{ id: string, wrapped_rs: string }[]>}
 */
async function rewrapRequests(sd, kOld, kNew) {
  const got = await apiJson('/api/requests');
  const list = Array.isArray(got?.requests) ? got.requests : [];
  return list.map((/** @type {any} */ r) => {
    const id = String(r.id);
    const idBytes = sd.b64Decode(id);
    /** @type {Uint8Array} */
    let rs;
    try {
      rs = sd.unwrapRequestSecret(kOld, idBytes, sd.b64Decode(String(r.wrapped_rs)));
    } catch {
      throw new RequestKeyError(String(r.label ?? id));
    }
    try {
      return { id, wrapped_rs: sd.b64Encode(sd.wrapRequestSecret(kNew, idBytes, rs)) };
    } finally {
      rs.fill(0);
    }
  });
}
