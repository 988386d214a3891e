// The signed-in person's account (/account): changing the password, the emergency kit again,
// signing out.
//
// A password change happens in this browser (format-v1.md, "Staff keys"): the current password
// and the kit open the private key; the new password, with a new salt, gives the new login key
// and vault key; the private key and every request's secret are wrapped again under the new
// vault key, and PUT /api/account/password swaps them all at once (409 requests_changed: a
// request was made or deleted meanwhile, so the list is fetched and wrapped again).
//
// body data-state: loading, idle, working (changing the password), done (password changed),
// error (the change failed; nothing changed; the form stays).
import { apiJson, ApiError, apiSentence } from '../../lib/api.js';
import { byId, setPageState, setStatus } from '../../lib/dom.js';
import { clearFieldErrors, fieldProblem, newPasswordProblem } from '../../lib/forms.js';
import { downloadKit } from '../../lib/kit.js';
import {
  goToSignIn,
  isSignedOut,
  loadKit,
  renderNav,
  requireSession,
  saveKit,
  signOut,
  storeVaultKey,
  stretch,
  toMe,
} from '../../lib/session.js';
import { loadWasm } from '../../lib/wasm.js';

/** @typedef {import('../../lib/session.js').Me} Me */

// A request made or deleted while the password is being changed: fetch the list again, this often.
const REWRAP_TRIES = 3;

const who = byId('who', HTMLElement);
const passwordSection = byId('password-section', HTMLElement);
const form = byId('password-form', HTMLFormElement);
const currentInput = byId('current-password', HTMLInputElement);
const newInput = byId('new-password', HTMLInputElement);
const confirmInput = byId('new-password-confirm', HTMLInputElement);
const changeKitField = byId('change-kit-field', HTMLElement);
const changeKitInput = byId('change-kit', HTMLInputElement);
const changeButton = byId('change-password', HTMLButtonElement);
const kitSection = byId('kit-section', HTMLElement);
const kitMissing = byId('kit-missing', HTMLElement);
const kitShown = byId('kit-shown', HTMLElement);
const kitCode = byId('kit-code', HTMLElement);
const kitShow = byId('kit-show', HTMLButtonElement);
const kitSave = byId('kit-save', HTMLButtonElement);
const signOutSection = byId('sign-out-section', HTMLElement);
const signOutButton = byId('account-sign-out', HTMLButtonElement);

/** @type {Me} */
let account;

form.addEventListener('submit', (event) => {
  event.preventDefault();
  changePassword();
});
kitShow.addEventListener('click', toggleKit);
kitSave.addEventListener('click', saveKitFile);
signOutButton.addEventListener('click', async () => {
  signOutButton.disabled = true;
  try {
    await signOut();
  } catch (err) {
    signOutButton.disabled = false;
    setStatus(`${apiSentence(err)} You are still signed in. Try again in a moment.`, 'error');
  }
});
start();

async function start() {
  try {
    account = (await requireSession()).account;
  } catch (err) {
    setPageState('error');
    setStatus(`${apiSentence(err)} Reload the page to try again.`, 'error');
    return;
  }
  renderNav(account, 'account');
  showWho();
  const kit = await loadKit(account.id);
  kit?.fill(0);
  changeKitField.hidden = kit !== null;
  kitMissing.hidden = kit !== null;
  kitShow.hidden = kit === null;
  kitSave.hidden = kit === null;
  passwordSection.hidden = false;
  kitSection.hidden = false;
  signOutSection.hidden = false;
  setPageState('idle');
  setStatus('');
}

function showWho() {
  byId('who-name', HTMLElement).textContent = account.name;
  byId('who-email', HTMLElement).textContent = account.email;
  byId('who-role', HTMLElement).textContent = account.role === 'admin' ? 'Administrator' : 'Staff';
  who.hidden = false;
}

async function changePassword() {
  if (document.body.dataset.state === 'working') return;
  clearFieldErrors(form);
  const current = currentInput.value;
  if (!current) return fieldProblem(currentInput, 'Type your current password.');
  const pw = newPasswordProblem(newInput.value, confirmInput.value);
  if (pw) return fieldProblem(pw.field === 'password' ? newInput : confirmInput, pw.message);

  const sd = await loadWasm();
  // The kit: from this browser, or typed.
  const typedKit = changeKitField.hidden ? '' : changeKitInput.value.trim();
  /** @type {Uint8Array | null} */
  let sk128 = null;
  if (typedKit) {
    try {
      sk128 = sd.kitDecode(typedKit);
    } catch {
      return fieldProblem(changeKitInput, 'This is not an emergency kit code. Check it and try again.');
    }
  } else {
    sk128 = await loadKit(account.id);
    if (!sk128) {
      changeKitField.hidden = false;
      return fieldProblem(
        changeKitInput,
        'Type the code from your emergency kit: your keys need it to be wrapped again.',
      );
    }
  }

  setPageState('working');
  setBusy(true);
  setStatus('Checking your current password… This takes a second or two.');
  const idBytes = sd.b64Decode(account.id);
  /** @type {Uint8Array[]} */
  const secrets = [sk128];
  try {
    const aOld = await stretch(current, account);
    secrets.push(aOld);
    const vaultOld = sd.vaultKey(aOld, sk128);
    const loginOld = sd.loginKey(aOld);
    secrets.push(vaultOld, loginOld);
    /** @type {Uint8Array} */
    let sk;
    try {
      sk = sd.unwrapPrivateKey(vaultOld, idBytes, sd.b64Decode(account.public_key), sd.b64Decode(account.wrapped_sk));
    } catch {
      setBusy(false);
      setPageState('error');
      const field = typedKit ? changeKitInput : currentInput;
      return fieldProblem(
        field,
        typedKit
          ? 'The current password or the emergency kit code is wrong: together they do not open your keys. Nothing was changed.'
          : 'The current password is wrong. Nothing was changed.',
      );
    }
    secrets.push(sk);

    setStatus('Wrapping your keys under the new password… This takes a second or two.');
    const newSalt = sd.randomBytes(16);
    const aNew = await stretch(newInput.value, { salt: sd.b64Encode(newSalt), argon2: account.argon2 });
    const vaultNew = sd.vaultKey(aNew, sk128);
    const loginNew = sd.loginKey(aNew);
    secrets.push(aNew, vaultNew, loginNew);
    const wrappedSk = sd.wrapPrivateKey(vaultNew, idBytes, sk);

    /** @type {any} */
    let got = null;
    for (let attempt = 1; ; attempt++) {
      const requests = await rewrapRequests(sd, vaultOld, vaultNew);
      try {
        got = await apiJson('/api/account/password', {
          method: 'PUT',
          json: {
            login_key: sd.b64Encode(loginOld),
            new_salt: sd.b64Encode(newSalt),
            new_login_key: sd.b64Encode(loginNew),
            wrapped_sk: sd.b64Encode(wrappedSk),
            requests,
          },
        });
        break;
      } catch (err) {
        if (err instanceof ApiError && err.code === 'requests_changed' && attempt < REWRAP_TRIES) continue;
        throw err;
      }
    }
    account = toMe(got?.account ?? {});
    storeVaultKey(sd, account, vaultNew);
    if (typedKit) {
      const kept = await saveKit(account.id, sk128);
      if (kept) {
        changeKitField.hidden = true;
        kitMissing.hidden = true;
        kitShow.hidden = false;
        kitSave.hidden = false;
      }
    }
    form.reset();
    setBusy(false);
    setPageState('done');
    setStatus(
      'Password changed. Use the new one from now on; every other device where you were signed in was signed out.',
      'success',
    );
  } catch (err) {
    setBusy(false);
    if (isSignedOut(err)) return goToSignIn();
    setPageState('error');
    if (err instanceof ApiError && err.code === 'wrong_credentials') {
      return fieldProblem(currentInput, 'The current password is wrong. Nothing was changed.');
    }
    if (err instanceof RequestKeyError) {
      setStatus(
        `The key of your request “${err.label}” does not open with your current keys, so the password cannot be changed yet. Nothing was changed. Delete that request in your inbox, then try again.`,
        'error',
      );
      return;
    }
    setStatus(
      err instanceof ApiError
        ? `${apiSentence(err)} Your password was not changed. ${err.status === 0 ? 'Check your connection and try again.' : 'Try again in a moment.'}`
        : 'This browser could not work out the new keys. Your password was not changed. Reload the page and try again.',
      'error',
    );
  } finally {
    for (const s of secrets) s.fill(0);
  }
}

class RequestKeyError extends Error {
  /** @param {string} label */
  constructor(label) {
    super('a request secret does not unwrap');
    this.label = label;
  }
}

/**
 * Every request of the account with its secret wrapped under the new vault key.
 * @param {typeof import('../../../pkg/sealdrop_wasm.js')} sd
 * @param {Uint8Array} vaultOld
 * @param {Uint8Array} vaultNew
 * @returns {Promise<{ id: string, wrapped_rs: string }[]>}
 */
async function rewrapRequests(sd, vaultOld, vaultNew) {
  const got = await apiJson('/api/requests');
  const list = Array.isArray(got?.requests) ? got.requests : [];
  return list.map((/** @type {any} */ r) => {
    const id = String(r.id);
    const idBytes = sd.b64Decode(id);
    /** @type {Uint8Array} */
    let rs;
    try {
      rs = sd.unwrapRequestSecret(vaultOld, idBytes, sd.b64Decode(String(r.wrapped_rs)));
    } catch {
      throw new RequestKeyError(String(r.label ?? id));
    }
    try {
      return { id, wrapped_rs: sd.b64Encode(sd.wrapRequestSecret(vaultNew, idBytes, rs)) };
    } finally {
      rs.fill(0);
    }
  });
}

/** @param {boolean} busy */
function setBusy(busy) {
  changeButton.disabled = busy;
  changeButton.textContent = busy ? 'Changing…' : 'Change password';
}

async function toggleKit() {
  if (!kitShown.hidden) {
    kitShown.hidden = true;
    kitCode.textContent = '';
    kitShow.textContent = 'Show emergency kit';
    kitShow.setAttribute('aria-expanded', 'false');
    return;
  }
  const code = await currentKitCode();
  if (!code) return;
  kitCode.textContent = code;
  kitShown.hidden = false;
  kitShow.textContent = 'Hide emergency kit';
  kitShow.setAttribute('aria-expanded', 'true');
}

async function saveKitFile() {
  const code = await currentKitCode();
  if (!code) return;
  downloadKit({ code, email: account.email, accountId: account.id });
  setStatus('The emergency kit file was handed to your browser. Keep it somewhere safe, apart from your password.');
}

/** The kit this browser keeps, as its code; null (and says so) when there is none. */
async function currentKitCode() {
  const sk128 = await loadKit(account.id);
  if (!sk128) {
    kitMissing.hidden = false;
    kitShow.hidden = true;
    kitSave.hidden = true;
    setStatus('This browser does not keep your emergency kit. Use the copy you saved.', 'error');
    return null;
  }
  try {
    return (await loadWasm()).kitEncode(sk128);
  } finally {
    sk128.fill(0);
  }
}
