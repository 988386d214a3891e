// The staff inbox, /inbox: file requests (format-v1.md, "File requests"), what was sent to them,
// and new requests. The private key is unwrapped in this tab (js/lib/session.js) and its use is
// js/pages/inbox/keys.js's; the form for a new request is js/pages/inbox/create.js, the list of requests
// js/pages/inbox/requests.js, their files js/pages/inbox/files.js. This module unlocks the keys and keeps
// the list fresh.
//
// body data-state: loading, locked (the Unlock form), ready, error.
// Hooks: #unlock-password, #unlock-kit (shown when this browser has no emergency kit),
// #unlock-button; the other modules list theirs.
import { ApiError, apiSentence } from '../../lib/api.js';
import { loadWasm } from '../../lib/wasm.js';
import { byId, setStatus, setPageState, setupPasswordToggle } from '../../lib/dom.js';
import { fieldError, clearFieldErrors } from '../../lib/forms.js';
import { setKeys } from './keys.js';
import { allowRequests, loadLimits } from './create.js';
import { refresh } from './requests.js';
import { showSaveHow } from '../../ui/download-row.js';
import {
  requireSession,
  renderNav,
  unlockWithStoredKey,
  unlockWithPassword,
  storedAccountKey,
  redirectIfSignedOut,
  UnlockError,
  UNLOCK_MESSAGES,
} from '../../lib/session.js';

/** @typedef {typeof import('../../../pkg/sealdrop_wasm.js')} Sd */
/** @typedef {import('../../lib/session.js').Me} Me */

const REFRESH_MS = 60_000;

const unlockSection = byId('unlock', HTMLElement);
const unlockForm = byId('unlock-form', HTMLFormElement);
const unlockPassword = byId('unlock-password', HTMLInputElement);
const unlockKitField = byId('unlock-kit-field', HTMLElement);
const unlockKit = byId('unlock-kit', HTMLInputElement);
const unlockWorking = byId('unlock-working', HTMLElement);
const unlockButton = byId('unlock-button', HTMLButtonElement);
const createSection = byId('create', HTMLElement);
const requestsSection = byId('requests', HTMLElement);

const wasm = loadWasm();
// The page works while the module loads; a failure is reported when it is first needed.
wasm.catch(() => {});

/** @type {Me | null} */
let account = null;

setupPasswordToggle(unlockPassword, byId('unlock-password-toggle', HTMLButtonElement));
// Attached before the form can be shown: a submit that reached the browser would be refused by
// the CSP (form-action 'none').
unlockForm.addEventListener('submit', (event) => {
  event.preventDefault();
  unlock();
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') refresh(false);
});
setInterval(() => {
  if (document.visibilityState === 'visible') refresh(false);
}, REFRESH_MS);
// How this browser saves the files it downloads here (js/download/save.js chooseWriter).
showSaveHow(byId('save-how', HTMLElement));
main();

async function main() {
  /** @type {import('../../lib/session.js').Session} */
  let session;
  try {
    session = await requireSession();
  } catch (err) {
    return fail(`${apiSentence(err)} Reload the page to try again.`);
  }
  account = session.account;
  renderNav(account, 'inbox');
  // The policy may let only administrators ask for files; the requests already made stay readable.
  allowRequests(session.may_request);
  if (session.may_request) loadLimits();
  /** @type {Uint8Array | null} */
  let sk = null;
  try {
    sk = await unlockWithStoredKey(account);
  } catch {
    // The module did not load, or storage is off: the Unlock form says more if it happens again.
  }
  if (sk) await unlocked(sk);
  else showUnlock();
}

/** @param {string} message */
function fail(message) {
  setPageState('error');
  setStatus(message, 'error');
}

function showUnlock() {
  setPageState('locked');
  unlockSection.hidden = false;
  createSection.hidden = true;
  requestsSection.hidden = true;
  setStatus('Enter your password to unlock the files sent to you.');
  unlockPassword.focus();
}

async function unlock() {
  if (!account || unlockButton.disabled) return;
  clearFieldErrors(unlockForm);
  const password = unlockPassword.value;
  const kitShown = !unlockKitField.hidden;
  if (password === '') {
    fieldError(unlockPassword, 'Enter your password.');
    setStatus('Enter your password, then choose Unlock.', 'error');
    unlockPassword.focus();
    return;
  }
  if (kitShown && unlockKit.value.trim() === '') {
    fieldError(unlockKit, 'Enter the code from your emergency kit.');
    setStatus(UNLOCK_MESSAGES.kit_needed, 'error');
    unlockKit.focus();
    return;
  }
  unlockButton.disabled = true;
  unlockWorking.hidden = false;
  setStatus('Opening your keys… This takes a second or two.');
  try {
    const sk = await unlockWithPassword(account, password, kitShown ? unlockKit.value : undefined);
    unlockPassword.value = '';
    unlockKit.value = '';
    await unlocked(sk);
  } catch (err) {
    const reason = err instanceof UnlockError ? err.reason : null;
    if (reason === 'kit_needed') {
      unlockKitField.hidden = false;
      fieldError(unlockKit, UNLOCK_MESSAGES.kit_needed);
      setStatus(UNLOCK_MESSAGES.kit_needed, 'error');
      unlockKit.focus();
    } else if (reason === 'wrong_kit') {
      fieldError(unlockKit, UNLOCK_MESSAGES.wrong_kit);
      setStatus(UNLOCK_MESSAGES.wrong_kit, 'error');
      unlockKit.select();
    } else if (reason === 'wrong_password') {
      fieldError(unlockPassword, UNLOCK_MESSAGES.wrong_password);
      setStatus(UNLOCK_MESSAGES.wrong_password, 'error');
      unlockPassword.select();
    } else if (reason) {
      setStatus(UNLOCK_MESSAGES[reason], 'error');
    } else if (!redirectIfSignedOut(err)) {
      setStatus(
        err instanceof ApiError
          ? `${apiSentence(err)} Your files are safe. Try again.`
          : 'Your keys could not be opened in this browser. Reload the page and try again.',
        'error',
      );
    }
  } finally {
    unlockButton.disabled = false;
    unlockWorking.hidden = true;
  }
}

/** @param {Uint8Array} sk the account's private key */
async function unlocked(sk) {
  if (!account) return;
  /** @type {Sd} */
  let sd;
  try {
    sd = await wasm;
  } catch {
    return fail('The decryption module could not be loaded. Nothing was lost. Reload the page and try again.');
  }
  const k = storedAccountKey(sd, account);
  if (!k) {
    return fail(
      'This browser does not let the page keep your keys in this tab (site storage is off), so your requests cannot be opened. Allow site storage for this site and reload the page.',
    );
  }
  setKeys(sd, sk, k);
  unlockSection.hidden = true;
  createSection.hidden = false;
  requestsSection.hidden = false;
  setPageState('ready');
  setStatus('Loading your requests…');
  await refresh(true);
}
