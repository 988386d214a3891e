// The account key K on staff pages (shared/design/unlock-factors.md). K wraps the private key
// and every request secret, in the role format-v1.md gives the vault key, so that a password
// change rewrites one object (the password factor) instead of everything:
//
//   W         = passwordFactorKey(A, sk128)          in the module, never sent
//   wrapped K = wrapPasswordFactor(A, sk128, account id, factor id, generation, K)
//   K         = openPasswordFactor(...)              at every unlock
//
// A v1 account (no account_key yet) adopts its vault key as K at its first unlock here, only after
// that vault key opened its wrapped sk; its first password change then rotates K. This browser
// remembers the highest generation of K it has seen for each account (localStorage
// "sealdrop.generation.<account id>") and refuses a lower one, so that a server cannot roll an
// account back to a key it had before a rotation.
import { apiJson, ApiError } from './api.js';

/** @typedef {typeof import('../../pkg/sealdrop_wasm.js')} Sd */
/** @typedef {import('./session.js').Me} Me */
/** @typedef {{ id: string, label: string, wrapped_k: string }} NewFactor */

/** The label of the password factor, as the account page lists it. */
export const PASSWORD_FACTOR_LABEL = 'Password';

const GENERATION_PREFIX = 'sealdrop.generation.';

/** Why the account key did not open: 'wrong' (the password or kit), 'damaged', 'rolled_back'. */
export class AccountKeyError extends Error {
  /** @param {'wrong' | 'damaged' | 'rolled_back'} reason */
  constructor(reason) {
    super(`the account key did not open: ${reason}`);
    this.name = 'AccountKeyError';
    this.reason = reason;
  }
}

/**
 * K and the private key, opened with the stretched password and sk128: through the password
 * factor, or for a v1 account through its vault key, which it then adopts as K (the account's
 * `account_key` is updated in place from the server's answer).
 * @param {Sd} sd
 * @param {Me} account
 * @param {Uint8Array} a
 * @param {Uint8Array} sk128
 * @returns {Promise<{ k: Uint8Array, sk: Uint8Array }>}
 */
export async function openAccountKey(sd, account, a, sk128) {
  const key = account.account_key;
  if (!key) return adoptVaultKey(sd, account, a, sk128);
  const factor = key.factors.find((f) => f.kind === 'password');
  if (!factor) throw new AccountKeyError('damaged');
  if (key.generation < seenGeneration(account.id)) throw new AccountKeyError('rolled_back');
  /** @type {Uint8Array} */
  let k;
  try {
    k = sd.openPasswordFactor(
      a,
      sk128,
      sd.b64Decode(account.id),
      sd.b64Decode(factor.id),
      key.generation,
      sd.b64Decode(factor.wrapped_k),
    );
  } catch {
    throw new AccountKeyError('wrong');
  }
  try {
    const sk = unwrapPrivateKey(sd, k, account);
    rememberGeneration(account.id, key.generation);
    return { k, sk };
  } catch {
    // The factor opened, so the password and kit are right; what K wraps is not this account's.
    k.fill(0);
    throw new AccountKeyError('damaged');
  }
}

/**
 * A v1 account's first unlock: its vault key opens its wrapped sk, and becomes K (generation 0).
 * If the server cannot be told now, K works in this tab all the same (it is the vault key, which
 * opens everything) and the next unlock adopts it; if another tab adopted first, K comes from
 * that tab's factor.
 * @param {Sd} sd
 * @param {Me} account
 * @param {Uint8Array} a
 * @param {Uint8Array} sk128
 * @returns {Promise<{ k: Uint8Array, sk: Uint8Array }>}
 */
async function adoptVaultKey(sd, account, a, sk128) {
  const k = sd.vaultKey(a, sk128);
  /** @type {Uint8Array} */
  let sk;
  try {
    sk = unwrapPrivateKey(sd, k, account);
  } catch {
    k.fill(0);
    throw new AccountKeyError('wrong');
  }
  const idBytes = sd.b64Decode(account.id);
  try {
    const got = await apiJson('/api/account/key', {
      method: 'POST',
      json: {
        wrapped_sk128: sd.b64Encode(sd.wrapSk128(k, idBytes, sk128)),
        password_factor: newPasswordFactor(sd, account.id, a, sk128, 0, k),
      },
    });
    account.account_key = got?.account?.account_key ?? null;
    rememberGeneration(account.id, 0);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'key_exists') return { k, sk };
    // Another device adopted meanwhile: its factor wraps the same K.
    const session = await apiJson('/api/session');
    account.account_key = session?.account?.account_key ?? null;
  }
  return { k, sk };
}

/**
 * A new password factor wrapping K at `generation`, under a factor id drawn here; the module
 * checks that it opens before it is returned.
 * @param {Sd} sd
 * @param {string} accountId
 * @param {Uint8Array} a the new password, stretched
 * @param {Uint8Array} sk128
 * @param {number} generation
 * @param {Uint8Array} k
 * @returns {NewFactor}
 */
export function newPasswordFactor(sd, accountId, a, sk128, generation, k) {
  const id = sd.randomBytes(16);
  const wrapped = sd.wrapPasswordFactor(a, sk128, sd.b64Decode(accountId), id, generation, k);
  return { id: sd.b64Encode(id), label: PASSWORD_FACTOR_LABEL, wrapped_k: sd.b64Encode(wrapped) };
}

/**
 * @param {Sd} sd
 * @param {Uint8Array} k
 * @param {Me} account
 */
export function unwrapPrivateKey(sd, k, account) {
  return sd.unwrapPrivateKey(
    k,
    sd.b64Decode(account.id),
    sd.b64Decode(account.public_key),
    sd.b64Decode(account.wrapped_sk),
  );
}

/**
 * The highest generation of K this browser has seen for the account (0 when none).
 * @param {string} accountId
 */
function seenGeneration(accountId) {
  try {
    const seen = Number(localStorage.getItem(GENERATION_PREFIX + accountId) ?? 0);
    return Number.isSafeInteger(seen) && seen > 0 ? seen : 0;
  } catch {
    return 0;
  }
}

/**
 * @param {string} accountId
 * @param {number} generation
 */
export function rememberGeneration(accountId, generation) {
  try {
    if (generation > seenGeneration(accountId)) localStorage.setItem(GENERATION_PREFIX + accountId, String(generation));
  } catch {
    // Storage disabled: the check has nothing to compare against in this browser.
  }
}
