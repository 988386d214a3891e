// Creating an account (/join#<invite token>, and /setup#<setup token> for the first admin; the
// same page). The invitation says who may join (its email, or none: the setup link asks for
// it) and the account's id and Argon2id salt. This browser makes the keys (format-v1.md, "Staff
// keys"): sk128 (the emergency kit), an X25519 key pair, A = Argon2id(password), the login key
// sent to the server, the account key K (unlock-factors.md) with the private key and sk128
// wrapped under it, and K under the password factor. Then the emergency kit is
// handed out; the person saves it and ticks that they did before going on to their inbox.
//
// body data-state: loading (reading the invitation), idle (the form), working (making keys,
// creating the account), error (creating failed; the form stays for another try), invalid (the
// link cannot be used: unknown, used, cancelled or expired; or the setup is done), kit (the
// emergency kit hand-out), done (on the way to /inbox).
import { apiJson, ApiError, apiSentence } from '../../lib/api.js';
import { byId, setPageState, setStatus, setupPasswordToggle } from '../../lib/dom.js';
import { formatRelative } from '../../lib/format.js';
import { clearFieldErrors, fieldError, fieldProblem, looksLikeEmail, newPasswordProblem } from '../../lib/forms.js';
import { downloadKit } from '../../lib/kit.js';
import { newPasswordFactor, rememberGeneration } from '../../lib/account-key.js';
import { acceptSession, saveKit, storeAccountKey, stretch } from '../../lib/session.js';
import { loadWasm } from '../../lib/wasm.js';

/**
 * @typedef {{ email: string | null, role: string, setup: boolean, account_id: string, salt: string,
 *   argon2: { m_kib: number, t: number, p: number }, expires_at: number }} Invite
 */

const title = byId('title', HTMLElement);
const lede = byId('lede', HTMLElement);
const signInInstead = byId('sign-in-instead', HTMLElement);
const createSection = byId('create', HTMLElement);
const form = byId('create-form', HTMLFormElement);
const emailInput = byId('email', HTMLInputElement);
const emailHint = byId('email-hint', HTMLElement);
const nameInput = byId('name', HTMLInputElement);
const passwordInput = byId('password', HTMLInputElement);
const confirmInput = byId('password-confirm', HTMLInputElement);
const createButton = byId('create-account', HTMLButtonElement);
const kitSection = byId('kit', HTMLElement);
const kitHeading = byId('kit-heading', HTMLElement);
const kitCode = byId('kit-code', HTMLElement);
const kitSave = byId('kit-save', HTMLButtonElement);
const kitSaved = byId('kit-saved', HTMLInputElement);
const kitError = byId('kit-error', HTMLElement);
const kitContinue = byId('kit-continue', HTMLButtonElement);
const hidePassword = setupPasswordToggle(passwordInput, byId('password-toggle', HTMLButtonElement));

const setupPage = location.pathname.startsWith('/setup');
const token = decodeURIComponent(location.hash.slice(1)).trim();
/** @type {Invite | null} */
let invite = null;
/** @type {{ code: string, email: string, accountId: string } | null} */
let kit = null;
let kitDownloaded = false;

if (setupPage) {
  title.textContent = 'Set up sealdrop';
  document.title = 'Set up sealdrop · sealdrop';
}
form.addEventListener('submit', (event) => {
  event.preventDefault();
  create();
});
kitSave.addEventListener('click', saveKitFile);
kitSaved.addEventListener('change', () => {
  if (kitSaved.checked) kitError.hidden = true;
});
kitContinue.addEventListener('click', continueOn);
window.addEventListener('beforeunload', (event) => {
  const state = document.body.dataset.state;
  if (state === 'working' || (state === 'kit' && !(kitDownloaded && kitSaved.checked))) {
    event.preventDefault();
    event.returnValue = '';
  }
});
// Another link pasted into the address bar changes only the fragment: read it afresh.
window.addEventListener('hashchange', () => location.reload());
loadInvite();

/** @returns {Record<string, string>} */
function inviteHeader() {
  return { Authorization: `Sealdrop-Invite ${token}` };
}

async function loadInvite() {
  if (!token) {
    return invalid(
      'This link is incomplete: the part after “#” is missing. Open the link exactly as it was sent to you, or ask for a new invitation.',
    );
  }
  try {
    invite = toInvite(await apiJson('/api/invites/self', { headers: inviteHeader() }));
  } catch (err) {
    return refused(err);
  }
  if (invite.setup) {
    title.textContent = 'Set up sealdrop';
    lede.textContent =
      'This link creates the first administrator account. You can invite everyone else from the Admin page afterwards.';
  } else {
    lede.textContent = `You were invited to sealdrop as ${invite.role === 'admin' ? 'an administrator' : 'staff'}. Your account’s keys are made in this browser: nobody else ever holds them.`;
  }
  if (invite.email) {
    emailInput.value = invite.email;
    emailInput.readOnly = true;
    emailHint.hidden = false;
    emailInput.setAttribute('aria-describedby', 'email-hint');
  }
  createSection.hidden = false;
  setPageState('idle');
  setStatus(
    Number.isFinite(invite.expires_at)
      ? `This ${invite.setup ? 'link' : 'invitation'} expires ${formatRelative(invite.expires_at)}.`
      : '',
  );
  (invite.email ? nameInput : emailInput).focus();
}

/**
 * @param {any} got
 * @returns {Invite}
 */
function toInvite(got) {
  return {
    email: typeof got?.email === 'string' && got.email ? got.email : null,
    role: got?.role === 'admin' ? 'admin' : 'staff',
    setup: got?.setup === true,
    account_id: String(got?.account_id ?? ''),
    salt: String(got?.salt ?? ''),
    argon2: { m_kib: Number(got?.argon2?.m_kib), t: Number(got?.argon2?.t), p: Number(got?.argon2?.p) },
    expires_at: Number(got?.expires_at),
  };
}

/**
 * The invitation was refused, or the server could not be asked.
 * @param {unknown} err
 */
function refused(err) {
  if (err instanceof ApiError && ['invite_unknown', 'invite_required', 'bad_credential'].includes(err.code)) {
    return invalid(
      setupPage
        ? 'This setup link cannot be used: it is unknown, already used or expired. If sealdrop is already set up, sign in instead.'
        : 'This invitation cannot be used: it is unknown, already used, cancelled or expired. Ask an administrator for a new one. If you already created your account, sign in.',
    );
  }
  if (err instanceof ApiError && err.code === 'setup_done') {
    return invalid(
      'sealdrop is already set up, so this setup link no longer works. Sign in, or ask for an invitation.',
    );
  }
  setPageState('error');
  setStatus(`${apiSentence(err)} Nothing was created. Reload the page to try again.`, 'error');
}

/** @param {string} message */
function invalid(message) {
  createSection.hidden = true;
  signInInstead.hidden = false;
  setPageState('invalid');
  setStatus(message, 'error');
}

async function create() {
  if (!invite || document.body.dataset.state === 'working') return;
  clearFieldErrors(form);
  const email = emailInput.value.trim();
  const name = nameInput.value.trim();
  const password = passwordInput.value;
  if (!looksLikeEmail(email)) return fieldProblem(emailInput, 'Type your email address, like name@example.org.');
  if (!name) return fieldProblem(nameInput, 'Type your name.');
  const pw = newPasswordProblem(password, confirmInput.value);
  if (pw) return fieldProblem(pw.field === 'password' ? passwordInput : confirmInput, pw.message);

  setPageState('working');
  setBusy(true);
  setStatus('Making your keys… This takes a second or two.');
  const current = invite;
  /** @type {Uint8Array[]} */
  const secrets = [];
  try {
    const sd = await loadWasm();
    const a = await stretch(password, current);
    const sk128 = sd.randomBytes(16);
    const pair = sd.generateKeyPair();
    /** @type {Uint8Array} */
    const secretKey = pair.secretKey;
    /** @type {Uint8Array} */
    const publicKey = pair.publicKey;
    // A new account draws its account key K (unlock-factors.md): it wraps the private key and
    // sk128, and the password factor wraps K.
    const k = sd.randomBytes(32);
    secrets.push(a, k, secretKey);
    const idBytes = sd.b64Decode(current.account_id);
    const wrapped = sd.wrapPrivateKey(k, idBytes, secretKey);
    const login = sd.loginKey(a);
    secrets.push(login);
    setStatus('Creating your account…');
    const session = acceptSession(
      await apiJson('/api/accounts', {
        method: 'POST',
        headers: inviteHeader(),
        json: {
          email,
          name,
          login_key: sd.b64Encode(login),
          public_key: sd.b64Encode(publicKey),
          wrapped_sk: sd.b64Encode(wrapped),
          wrapped_sk128: sd.b64Encode(sd.wrapSk128(k, idBytes, sk128)),
          password_factor: newPasswordFactor(sd, current.account_id, a, sk128, 0, k),
        },
      }),
    );
    rememberGeneration(session.account.id, 0);
    storeAccountKey(sd, session.account, k);
    const kept = await saveKit(session.account.id, sk128);
    kit = { code: sd.kitEncode(sk128), email: session.account.email, accountId: session.account.id };
    sk128.fill(0);
    showKit(kept);
  } catch (err) {
    failed(err);
  } finally {
    for (const s of secrets) s.fill(0);
  }
}

/** @param {boolean} busy */
function setBusy(busy) {
  createButton.disabled = busy;
  createButton.textContent = busy ? 'Creating…' : 'Create account';
}

/** @param {unknown} err */
function failed(err) {
  setBusy(false);
  if (err instanceof ApiError) {
    if (err.code === 'invite_unknown' || err.code === 'setup_done') return refused(err);
    /** @type {Record<string, HTMLInputElement>} */
    const fields = { bad_email: emailInput, email_taken: emailInput, bad_name: nameInput };
    const field = fields[err.code];
    setPageState('error');
    if (field) {
      const more =
        err.code === 'email_taken'
          ? ' If it is yours, sign in instead.'
          : ' Correct it and choose Create account again.';
      fieldError(field, `${apiSentence(err)}${more}`);
      setStatus(`${apiSentence(err)} Nothing was created.${more}`, 'error');
      if (err.code === 'email_taken') signInInstead.hidden = false;
      field.focus();
      return;
    }
    setStatus(
      `${apiSentence(err)} Nothing was created. ${err.status === 0 ? 'Check your connection and try again.' : 'Try again; if it happens again, ask an administrator for a new invitation.'}`,
      'error',
    );
    return;
  }
  setPageState('error');
  setStatus(
    'This browser could not make your keys. Nothing was created. Try again, or use an up-to-date browser.',
    'error',
  );
}

/** @param {boolean} kept whether this browser stored the kit */
function showKit(kept) {
  if (!kit) return;
  passwordInput.value = '';
  confirmInput.value = '';
  hidePassword();
  createSection.hidden = true;
  kitCode.textContent = kit.code;
  kitSection.hidden = false;
  setPageState('kit');
  setStatus(
    kept
      ? 'Your account is ready. Save your emergency kit before you go on.'
      : 'Your account is ready, but this browser could not keep your emergency kit: you will need to type it when you open your inbox. Save it before you go on.',
    'success',
  );
  kitHeading.focus();
}

function saveKitFile() {
  if (!kit) return;
  downloadKit(kit);
  kitDownloaded = true;
  kitError.hidden = true;
  setStatus('The emergency kit file was handed to your browser. Keep it somewhere safe, then tick the box below.');
}

function continueOn() {
  if (!kitDownloaded || !kitSaved.checked) {
    kitError.textContent = !kitDownloaded
      ? 'Choose Save emergency kit first: without it you cannot open your account on another device.'
      : 'Tick “I have saved my emergency kit” once it is somewhere safe.';
    kitError.hidden = false;
    (kitDownloaded ? kitSaved : kitSave).focus();
    return;
  }
  kit = null;
  kitCode.textContent = '';
  setPageState('done');
  setStatus('Opening your inbox…');
  location.assign('/inbox');
}
