// The signed-in person on staff pages: the session (an HttpOnly cookie the pages never see, and
// the CSRF token that goes with it), the staff nav, and the account's keys (format-v1.md,
// "Staff keys", and unlock-factors.md):
//
//   A      = Argon2id(password NFC, account salt)       stretch(), in js/workers/stretch-worker.js
//   login  = loginKey(A)                                 sent at sign-in
//   K      = the account key, opened from the password factor with A and sk128 (account-key.js)
//   sk     = unwrapPrivateKey(K, account id, pk, wrapped_sk)
//
// sk128 (the emergency kit) lives in IndexedDB (database "sealdrop", store "kits", key = the
// account id) on every device where the person signed in; K lives in sessionStorage
// ("sealdrop.key.<account id>", base64url) until the tab closes or the person signs out. The
// private key itself is never stored: pages unwrap it when they need it.
import { AccountKeyError, openAccountKey, unwrapPrivateKey } from './account-key.js';
import { apiJson, apiFetch, ApiError, setCsrf } from './api.js';
import { deriveInWorker } from './derivation.js';
import { el } from './dom.js';
import { loadWasm } from './wasm.js';

/** @typedef {{ m_kib: number, t: number, p: number }} Argon2Params */
/**
 * @typedef {{ id: string, kind: 'password' | 'kit' | 'passkey', label: string, wrapped_k: string,
 *   created_at: number, last_used_at: number | null }} Factor
 */
/** @typedef {{ generation: number, wrapped_sk128: string, factors: Factor[] }} AccountKeyView */
/**
 * @typedef {Object} Me
 * @property {string} id
 * @property {string} email
 * @property {string} name
 * @property {'staff' | 'admin'} role
 * @property {string} public_key base64url
 * @property {string} wrapped_sk base64url
 * @property {string} salt base64url
 * @property {Argon2Params} argon2
 * @property {AccountKeyView | null} account_key null until a v1 account adopts its vault key as K
 */
/**
 * @typedef {Object} Session
 * @property {Me} account
 * @property {string} csrf
 * @property {boolean} may_share whether the organisation's policy lets this account share files
 * @property {boolean} may_request whether it lets this account ask for files (file requests)
 */

const KEY_PREFIX = 'sealdrop.key.';
const DB_NAME = 'sealdrop';
const KIT_STORE = 'kits';

/** @typedef {'wrong_password' | 'kit_needed' | 'wrong_kit' | 'damaged' | 'rolled_back'} UnlockReason */

/** Why unlocking failed. */
export class UnlockError extends Error {
  /** @param {UnlockReason} reason */
  constructor(reason) {
    super(UNLOCK_MESSAGES[reason]);
    this.name = 'UnlockError';
    this.reason = reason;
  }
}

/** The sentence for each UnlockError reason. */
export const UNLOCK_MESSAGES = {
  wrong_password: 'The password does not open your account’s keys. Check it and try again.',
  kit_needed:
    'This browser has not been used with your account before. Type the code from your emergency kit to open your account’s keys here.',
  wrong_kit: 'This emergency kit does not open your account’s keys. Check the code and try again.',
  damaged:
    'Your password and kit are right, but the keys the server holds for your account do not belong to it. Nothing was opened; tell your administrator.',
  rolled_back:
    'The server offered an older account key than this browser has seen before. Nothing was opened; tell your administrator.',
};

/**
 * @param {any} a
 * @returns {Me}
 */
export function toMe(a) {
  return {
    id: String(a.id),
    email: String(a.email),
    name: String(a.name ?? ''),
    role: a.role === 'admin' ? 'admin' : 'staff',
    public_key: String(a.public_key),
    wrapped_sk: String(a.wrapped_sk),
    salt: String(a.salt),
    argon2: { m_kib: Number(a.argon2?.m_kib), t: Number(a.argon2?.t), p: Number(a.argon2?.p) },
    account_key: toAccountKey(a.account_key),
  };
}

/**
 * @param {any} key
 * @returns {AccountKeyView | null}
 */
function toAccountKey(key) {
  if (!key || typeof key !== 'object') return null;
  return {
    generation: Number(key.generation),
    wrapped_sk128: String(key.wrapped_sk128),
    factors: (Array.isArray(key.factors) ? key.factors : []).map((/** @type {any} */ f) => ({
      id: String(f.id),
      kind: f.kind === 'kit' || f.kind === 'passkey' ? f.kind : 'password',
      label: String(f.label ?? ''),
      wrapped_k: String(f.wrapped_k),
      created_at: Number(f.created_at),
      last_used_at: typeof f.last_used_at === 'number' ? f.last_used_at : null,
    })),
  };
}

/**
 * Takes a `{account, csrf, may_share, may_request}` answer (GET/POST /api/session, POST
 * /api/accounts): remembers the CSRF token for apiFetch. An answer that does not say what the
 * policy allows (only GET /api/session must) allows both: the server refuses what it forbids
 * anyway, and the pages only spare people that refusal.
 * @param {any} got
 * @returns {Session}
 */
export function acceptSession(got) {
  const csrf = String(got?.csrf ?? '');
  setCsrf(csrf);
  return {
    account: toMe(got?.account ?? {}),
    csrf,
    may_share: got?.may_share !== false,
    may_request: got?.may_request !== false,
  };
}

/**
 * Whether an API error means the session is gone (signed out, expired, account disabled).
 * @param {unknown} err
 */
export function isSignedOut(err) {
  return (
    err instanceof ApiError &&
    (err.code === 'signed_out' ||
      err.code === 'sign_in_required' ||
      err.code === 'account_disabled' ||
      (err.status === 401 && err.code !== 'wrong_credentials'))
  );
}

/** The sign-in page, coming back here after. Never resolves: the page is going away. */
export function goToSignIn() {
  location.assign(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
  return /** @type {Promise<never>} */ (new Promise(() => {}));
}

/**
 * Goes to the sign-in page when `err` means the session is gone.
 * @param {unknown} err
 * @returns {boolean} whether it did: the page is then on its way out
 */
export function redirectIfSignedOut(err) {
  if (!isSignedOut(err)) return false;
  goToSignIn();
  return true;
}

/**
 * The current session, or null when signed out.
 * @returns {Promise<Session | null>}
 */
export async function loadSession() {
  try {
    return acceptSession(await apiJson('/api/session'));
  } catch (err) {
    if (isSignedOut(err)) {
      setCsrf(null);
      return null;
    }
    throw err;
  }
}

/**
 * The current session; when signed out, goes to /signin?next=<this page> and never resolves.
 * Other failures (no connection) reject with the ApiError.
 * @returns {Promise<Session>}
 */
export async function requireSession() {
  const session = await loadSession();
  if (session) return session;
  return goToSignIn();
}

/** Ends the session here and on the server, forgets the account keys of this tab, and goes to /signin. */
export async function signOut() {
  clearAccountKeys();
  try {
    await apiFetch('/api/session', { method: 'DELETE' });
  } catch (err) {
    if (!isSignedOut(err)) throw err;
  }
  setCsrf(null);
  location.assign('/signin');
  return new Promise(() => {});
}

function clearAccountKeys() {
  try {
    for (let i = sessionStorage.length - 1; i >= 0; i--) {
      const key = sessionStorage.key(i);
      if (key?.startsWith(KEY_PREFIX)) sessionStorage.removeItem(key);
    }
  } catch {
    // Storage disabled: nothing was kept.
  }
}

/**
 * A = Argon2id(password, account salt), in a worker of its own.
 * @param {string} password
 * @param {{ salt: string, argon2: Argon2Params }} account
 * @returns {Promise<Uint8Array>}
 */
export function stretch(password, account) {
  const { m_kib, t, p } = account.argon2;
  return deriveInWorker(
    new URL('../workers/stretch-worker.js', import.meta.url),
    { password: password.normalize('NFC'), salt: account.salt, m_kib, t, p },
    [],
    'a',
  );
}

/**
 * The account key K this tab keeps for the account, or null.
 * @param {typeof import('../../pkg/sealdrop_wasm.js')} sd
 * @param {{ id: string }} account
 * @returns {Uint8Array | null}
 */
export function storedAccountKey(sd, account) {
  try {
    const text = sessionStorage.getItem(KEY_PREFIX + account.id);
    if (!text) return null;
    const bytes = sd.b64Decode(text);
    return bytes.length === 32 ? bytes : null;
  } catch {
    return null;
  }
}

/**
 * @param {typeof import('../../pkg/sealdrop_wasm.js')} sd
 * @param {{ id: string }} account
 * @param {Uint8Array} k
 */
export function storeAccountKey(sd, account, k) {
  try {
    sessionStorage.setItem(KEY_PREFIX + account.id, sd.b64Encode(k));
  } catch {
    // Storage disabled: pages ask for the password again when they need the keys.
  }
}

/**
 * The private key, unwrapped with the K this tab keeps; null if there is none or it no longer
 * opens the key (K was rotated elsewhere).
 * @param {Me} account
 * @returns {Promise<Uint8Array | null>}
 */
export async function unlockWithStoredKey(account) {
  const sd = await loadWasm();
  const k = storedAccountKey(sd, account);
  if (!k) return null;
  try {
    return unwrapPrivateKey(sd, k, account);
  } catch {
    try {
      sessionStorage.removeItem(KEY_PREFIX + account.id);
    } catch {
      // Nothing to forget.
    }
    return null;
  } finally {
    k.fill(0);
  }
}

/**
 * Opens the account's keys with the password and sk128 (from IndexedDB, or from `kitText` when
 * it is given). Keeps K for this tab and, when a typed kit worked, the kit for this browser.
 * Throws UnlockError; DeriveError or ApiError for failures of the browser or the module.
 * @param {Me} account
 * @param {string} password
 * @param {string} [kitText]
 * @returns {Promise<Uint8Array>} the X25519 private key
 */
export async function unlockWithPassword(account, password, kitText) {
  // Before a second of Argon2id: whether there is a kit to use at all.
  (await kitFor(account, kitText)).sk128.fill(0);
  const a = await stretch(password, account);
  try {
    return await unlockWithStretched(account, a, kitText);
  } finally {
    a.fill(0);
  }
}

/**
 * unlockWithPassword for a password already stretched (signing in stretches it once for both).
 * A v1 account adopts its vault key as K here (account-key.js).
 * @param {Me} account
 * @param {Uint8Array} a
 * @param {string} [kitText]
 * @returns {Promise<Uint8Array>}
 */
export async function unlockWithStretched(account, a, kitText) {
  const { sk128, typed } = await kitFor(account, kitText);
  const sd = await loadWasm();
  try {
    const { k, sk } = await openAccountKey(sd, account, a, sk128).catch((err) => {
      if (!(err instanceof AccountKeyError)) throw err;
      if (err.reason === 'wrong') throw new UnlockError(typed ? 'wrong_kit' : 'wrong_password');
      throw new UnlockError(err.reason);
    });
    storeAccountKey(sd, account, k);
    k.fill(0);
    if (typed) await saveKit(account.id, sk128);
    return sk;
  } finally {
    sk128.fill(0);
  }
}

/**
 * @param {Me} account
 * @param {string} [kitText]
 * @returns {Promise<{ sk128: Uint8Array, typed: boolean }>}
 */
async function kitFor(account, kitText) {
  if (kitText && kitText.trim()) {
    const sd = await loadWasm();
    try {
      return { sk128: sd.kitDecode(kitText), typed: true };
    } catch {
      throw new UnlockError('wrong_kit');
    }
  }
  const stored = await loadKit(account.id);
  if (!stored) throw new UnlockError('kit_needed');
  return { sk128: stored, typed: false };
}

/** @returns {Promise<IDBDatabase>} */
function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(KIT_STORE)) req.result.createObjectStore(KIT_STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('IndexedDB is blocked'));
  });
}

/**
 * The account secret key kept in this browser, or null (none, or IndexedDB unavailable).
 * @param {string} accountId
 * @returns {Promise<Uint8Array | null>}
 */
export async function loadKit(accountId) {
  try {
    const db = await openDb();
    try {
      const value = await new Promise((resolve, reject) => {
        const req = db.transaction(KIT_STORE, 'readonly').objectStore(KIT_STORE).get(accountId);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      if (value instanceof Uint8Array && value.length === 16) return new Uint8Array(value);
      if (value instanceof ArrayBuffer && value.byteLength === 16) return new Uint8Array(value);
      return null;
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

/**
 * Keeps the account secret key in this browser.
 * @param {string} accountId
 * @param {Uint8Array} sk128
 * @returns {Promise<boolean>} whether it was stored
 */
export async function saveKit(accountId, sk128) {
  try {
    const db = await openDb();
    try {
      await new Promise((resolve, reject) => {
        const tx = db.transaction(KIT_STORE, 'readwrite');
        tx.objectStore(KIT_STORE).put(new Uint8Array(sk128), accountId);
        tx.oncomplete = () => resolve(undefined);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
      return true;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

/** @type {{ key: string, href: string, text: string, admin?: boolean }[]} */
const NAV = [
  { key: 'share', href: '/', text: 'Share' },
  { key: 'mine', href: '/mine', text: 'My shares' },
  { key: 'inbox', href: '/inbox', text: 'Inbox' },
  { key: 'admin', href: '/admin', text: 'Admin', admin: true },
  { key: 'account', href: '/account', text: 'Account' },
];

/**
 * Fills `<nav id="staff-nav">`: the staff pages (Admin for admins only), the person's name and
 * Sign out (#sign-out).
 * @param {Me} account
 * @param {string} active the current page: 'share' | 'mine' | 'inbox' | 'admin' | 'account', or its path
 */
export function renderNav(account, active) {
  const nav = document.getElementById('staff-nav');
  if (!nav) return;
  if (!nav.hasAttribute('aria-label')) nav.setAttribute('aria-label', 'Staff pages');
  const list = el('ul', { className: 'nav-links' });
  for (const item of NAV) {
    if (item.admin && account.role !== 'admin') continue;
    const a = el('a', { text: item.text, attrs: { href: item.href } });
    if (item.key === active || item.href === active) a.setAttribute('aria-current', 'page');
    list.append(el('li', {}));
    /** @type {HTMLElement} */ (list.lastChild).append(a);
  }
  const who = el('div', { className: 'nav-account' });
  const name = el('span', { className: 'nav-name', text: account.name || account.email });
  name.title = account.email;
  const button = el('button', {
    className: 'button secondary small',
    text: 'Sign out',
    attrs: { type: 'button', id: 'sign-out' },
  });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await signOut();
    } catch {
      button.disabled = false;
      const status = document.getElementById('status');
      if (status) {
        status.textContent = 'The server could not be reached, so you are still signed in. Try again in a moment.';
        status.dataset.kind = 'error';
      }
    }
  });
  who.append(name, button);
  nav.replaceChildren(list, who);
}
