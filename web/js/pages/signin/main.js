// Signing in (/signin?next=<path>). The password is stretched here (Argon2id with the account's
// salt from POST /api/session/params) and only the login key derived from it is sent. Then the
// same stretched password opens the account's keys with the emergency kit kept in this browser,
// so that the inbox needs nothing more. On a browser that has no kit for the account, the page
// asks for the kit's code (or the person goes on without it: sharing needs no keys, the inbox
// will ask again). Then it goes to `next` if that is a path on this site, else to the share page.
//
// body data-state: loading (checking for a session already there), idle, working, kit (signed
// in; the emergency kit is asked for), limited (too many attempts: the status says when to
// retry, the button comes back then), error (wrong email or password, a disabled account, no
// connection; the form stays), done (on the way to `next`).
import { apiJson, ApiError, apiSentence } from '../../lib/api.js';
import { byId, setPageState, setStatus, setupPasswordToggle } from '../../lib/dom.js';
import { formatDuration } from '../../lib/format.js';
import { clearFieldErrors, fieldProblem, looksLikeEmail } from '../../lib/forms.js';
import {
  acceptSession,
  loadSession,
  stretch,
  unlockWithStretched,
  UnlockError,
  UNLOCK_MESSAGES,
} from '../../lib/session.js';
import { loadWasm } from '../../lib/wasm.js';

/** @typedef {import('../../lib/session.js').Me} Me */

const form = byId('sign-in-form', HTMLFormElement);
const emailInput = byId('email', HTMLInputElement);
const passwordInput = byId('password', HTMLInputElement);
const kitField = byId('kit-field', HTMLElement);
const kitInput = byId('kit', HTMLInputElement);
const signInButton = byId('sign-in', HTMLButtonElement);
const skipButton = byId('skip-kit', HTMLButtonElement);
const hidePassword = setupPasswordToggle(passwordInput, byId('password-toggle', HTMLButtonElement));

const next = safeNext(new URLSearchParams(location.search).get('next'));
/** Signed in, the keys not yet open: the account and the stretched password, kept for the kit. */
/** @type {{ account: Me, a: Uint8Array } | null} */
let pending = null;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let limitTimer;

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (pending) openWithKit();
  else signIn();
});
skipButton.addEventListener('click', () => finish(false));
start();

/**
 * Where to go after signing in: a path on this site only ('/…' but not '//…' nor '/\…', which
 * browsers read as another host), never back to this page.
 * @param {string | null} value
 * @returns {string}
 */
function safeNext(value) {
  if (!value || !value.startsWith('/') || value.startsWith('//') || /[\\\s]/.test(value)) return '/';
  try {
    const url = new URL(value, location.origin);
    if (url.origin !== location.origin || url.pathname === '/signin') return '/';
    return url.pathname + url.search + url.hash;
  } catch {
    return '/';
  }
}

async function start() {
  try {
    // Already signed in (another tab, or the back button): nothing to ask.
    if (await loadSession()) return go();
  } catch {
    // No answer: the form is still the way in, and says so if the server stays away.
  }
  setPageState('idle');
  emailInput.focus();
}

async function signIn() {
  if (document.body.dataset.state === 'working') return;
  clearFieldErrors(form);
  const email = emailInput.value.trim();
  const password = passwordInput.value;
  if (!looksLikeEmail(email)) return fieldProblem(emailInput, 'Type your email address, like name@example.org.');
  if (!password) return fieldProblem(passwordInput, 'Type your password.');

  setPageState('working');
  setBusy(true, 'Signing in…');
  setStatus('Signing in… This takes a second or two.');
  /** @type {Uint8Array | null} */
  let a = null;
  try {
    const sd = await loadWasm();
    const params = await apiJson('/api/session/params', { method: 'POST', json: { email } });
    a = await stretch(password, {
      salt: String(params?.salt ?? ''),
      argon2: { m_kib: Number(params?.argon2?.m_kib), t: Number(params?.argon2?.t), p: Number(params?.argon2?.p) },
    });
    const login = sd.loginKey(a);
    const session = acceptSession(
      await apiJson('/api/session', { method: 'POST', json: { email, login_key: sd.b64Encode(login) } }),
    );
    login.fill(0);
    passwordInput.value = '';
    hidePassword();
    pending = { account: session.account, a };
    a = null;
    setStatus('Signed in. Opening your keys…');
    await unlock();
  } catch (err) {
    a?.fill(0);
    failed(err);
  }
}

/** Opens the keys with the kit kept in this browser, or asks for the kit. */
async function unlock() {
  if (!pending) return;
  try {
    await unlockWithStretched(pending.account, pending.a);
    finish(true);
  } catch (err) {
    if (err instanceof UnlockError && (err.reason === 'damaged' || err.reason === 'rolled_back')) {
      askForKit(`${UNLOCK_MESSAGES[err.reason]} You can continue without your keys.`);
    } else if (err instanceof UnlockError) {
      askForKit(
        err.reason === 'kit_needed'
          ? UNLOCK_MESSAGES.kit_needed
          : 'The emergency kit this browser kept does not open your account’s keys. Type the code from your emergency kit.',
      );
    } else {
      askForKit(
        'You are signed in, but this browser could not open your account’s keys. Type the code from your emergency kit to try again, or continue without it.',
      );
    }
  }
}

/** @param {string} message */
function askForKit(message) {
  emailInput.readOnly = true;
  // Signed in already: the password has done its part.
  const passwordField = passwordInput.closest('.field');
  if (passwordField instanceof HTMLElement) passwordField.hidden = true;
  kitField.hidden = false;
  skipButton.hidden = false;
  setBusy(false, 'Open my keys');
  setPageState('kit');
  setStatus(message);
  kitInput.focus();
}

async function openWithKit() {
  if (!pending || document.body.dataset.state === 'working') return;
  clearFieldErrors(form);
  const text = kitInput.value.trim();
  if (!text) return fieldProblem(kitInput, 'Type the code from your emergency kit, or choose Continue without it.');
  setPageState('working');
  setBusy(true, 'Opening…');
  skipButton.disabled = true;
  setStatus('Opening your keys…');
  try {
    await unlockWithStretched(pending.account, pending.a, text);
    finish(true);
  } catch (err) {
    skipButton.disabled = false;
    setBusy(false, 'Open my keys');
    setPageState('kit');
    const message =
      err instanceof UnlockError
        ? UNLOCK_MESSAGES[err.reason === 'damaged' || err.reason === 'rolled_back' ? err.reason : 'wrong_kit']
        : 'This browser could not open your account’s keys. Try again, or continue without them.';
    fieldProblem(kitInput, message);
  }
}

/** @param {boolean} unlocked */
function finish(unlocked) {
  pending?.a.fill(0);
  pending = null;
  setPageState('done');
  setStatus(unlocked ? 'Signed in. Opening the page…' : 'Signed in without your keys. Opening the page…', 'success');
  go();
}

function go() {
  setPageState('done');
  location.assign(next);
}

/** @param {unknown} err */
function failed(err) {
  setBusy(false, 'Sign in');
  if (err instanceof ApiError && err.code === 'too_many_attempts') return limited(err);
  setPageState('error');
  if (err instanceof ApiError && err.code === 'wrong_credentials') {
    setStatus('Wrong email or password. Check both and try again.', 'error');
    passwordInput.focus();
  } else if (err instanceof ApiError && err.code === 'account_disabled') {
    setStatus(`${apiSentence(err)} Ask an administrator of your organisation if you think this is a mistake.`, 'error');
  } else if (err instanceof ApiError) {
    setStatus(
      `${apiSentence(err)} You are not signed in. ${err.status === 0 ? 'Check your connection and try again.' : 'Try again in a moment.'}`,
      'error',
    );
  } else {
    setStatus(
      'This browser could not work out the key from your password. You are not signed in. Reload the page and try again.',
      'error',
    );
  }
}

/** @param {ApiError} err */
function limited(err) {
  const seconds = err.retryAfterSeconds ?? 60;
  const until = Date.now() + seconds * 1000;
  setPageState('limited');
  signInButton.disabled = true;
  setStatus(
    `Too many sign-in attempts for this account. Try again in ${formatDuration(seconds * 1000)}, at ${new Intl.DateTimeFormat(undefined, { timeStyle: 'short' }).format(until)}.`,
    'error',
  );
  clearTimeout(limitTimer);
  limitTimer = setTimeout(() => {
    signInButton.disabled = false;
    if (document.body.dataset.state === 'limited') {
      setPageState('idle');
      setStatus('You can try to sign in again.');
    }
  }, seconds * 1000);
}

/**
 * @param {boolean} busy
 * @param {string} label
 */
function setBusy(busy, label) {
  signInButton.disabled = busy;
  signInButton.textContent = label;
}
