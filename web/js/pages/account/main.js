// The signed-in person's account (/account): changing the password, the emergency kit again,
// API keys (api-keys.js), signing out.
//
// A password change happens in this browser (password-change.js): it rewrites the password
// factor of the account key, and only the first change of an adopted account rotates K.
//
// body data-state: loading, idle, working (changing the password), done (password changed),
// error (the change failed; nothing changed; the form stays).
import { AccountKeyError } from '../../lib/account-key.js';
import { ApiError, apiSentence } from '../../lib/api.js';
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
  UNLOCK_MESSAGES,
} from '../../lib/session.js';
import { loadWasm } from '../../lib/wasm.js';
import { startApiKeys } from './api-keys.js';
import { changePassword, RequestKeyError } from './password-change.js';

/** @typedef {import('../../lib/session.js').Me} Me */

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
  submitPasswordChange();
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
  await startApiKeys();
}

function showWho() {
  byId('who-name', HTMLElement).textContent = account.name;
  byId('who-email', HTMLElement).textContent = account.email;
  byId('who-role', HTMLElement).textContent = account.role === 'admin' ? 'Administrator' : 'Staff';
  who.hidden = false;
}

async function submitPasswordChange() {
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
  try {
    account = await changePassword(sd, account, {
      current,
      next: newInput.value,
      sk128,
      progress: (sentence) => setStatus(sentence),
    });
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
    if (err instanceof AccountKeyError) {
      if (err.reason !== 'wrong') return setStatus(`${UNLOCK_MESSAGES[err.reason]} Nothing was changed.`, 'error');
      return fieldProblem(
        typedKit ? changeKitInput : currentInput,
        typedKit
          ? 'The current password or the emergency kit code is wrong: together they do not open your keys. Nothing was changed.'
          : 'The current password is wrong. Nothing was changed.',
      );
    }
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
    sk128.fill(0);
  }
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
