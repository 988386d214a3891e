// The inbox's form for a new request: what it asks for, for how long and how much, checked
// against the server's limits (the organisation's policy within the server's own); the request's
// secret is made and wrapped here, and its link is shown once, with the key code the partner's
// page shows too. When the policy lets only administrators ask for files (the session's
// may_request), one sentence stands in place of the form; a policy changed while the page was
// open comes back as 403 policy_forbids, whose sentence the status line shows, the form kept as
// it was typed.
//
// Hooks: #request-not-allowed, #create-hint, form#new-request with #request-label,
// #request-message, #request-expiry (seconds: the presets 1, 7 and 30 days up to the policy's
// cap, and the cap itself in whole days or hours when it is none of them), #request-max-files,
// #request-max-size (GB), #create-request; then #request-link, #copy-link, #request-fingerprint.
import { apiJson, ApiError, apiSentence, withRetry } from '../../lib/api.js';
import { byId, el, setStatus } from '../../lib/dom.js';
import { formatDuration, formatSize, plural } from '../../lib/format.js';
import { fieldError, clearFieldErrors, copyLink } from '../../lib/forms.js';
import { DEFAULT_LIMITS, fetchLimits } from '../../lib/limits.js';
import { openKeys, requestLink } from './keys.js';
import { toSummary } from './views.js';
import { addRequest } from './requests.js';
import { redirectIfSignedOut } from '../../lib/session.js';

const HOUR_SECONDS = 3600;
const DAY_SECONDS = 86_400;
const GB = 2 ** 30;
const MAX_REQUEST_FILES = 1000;

const notAllowed = byId('request-not-allowed', HTMLElement);
const createHint = byId('create-hint', HTMLElement);
const createForm = byId('new-request', HTMLFormElement);
const labelInput = byId('request-label', HTMLInputElement);
const messageInput = byId('request-message', HTMLTextAreaElement);
const expirySelect = byId('request-expiry', HTMLSelectElement);
const maxFilesInput = byId('request-max-files', HTMLInputElement);
const maxSizeInput = byId('request-max-size', HTMLInputElement);
const sizeHint = byId('request-size-hint', HTMLElement);
const createButton = byId('create-request', HTMLButtonElement);
const created = byId('created', HTMLElement);
const createdHeading = byId('created-heading', HTMLElement);
const linkField = byId('request-link', HTMLInputElement);
const copyLinkButton = byId('copy-link', HTMLButtonElement);
const fingerprintEl = byId('request-fingerprint', HTMLElement);

let limits = DEFAULT_LIMITS;
let clockOffsetMs = 0;
let allowed = true;

// Attached before the form can be shown: a submit that reached the browser would be refused by
// the CSP (form-action 'none').
createForm.addEventListener('submit', (event) => {
  event.preventDefault();
  createRequest();
});
copyLinkButton.addEventListener('click', () => copyLink(linkField, copyLinkButton));
for (const input of [maxFilesInput, maxSizeInput]) input.addEventListener('input', showSizeHint);

/**
 * Whether the policy lets this account ask for files (the session's may_request): if not, one
 * sentence stands in place of the form.
 * @param {boolean} may
 */
export function allowRequests(may) {
  allowed = may;
  notAllowed.hidden = may;
  createHint.hidden = !may;
  createForm.hidden = !may;
  if (!may) created.hidden = true;
}

/** Offers only the expiries the server accepts, and says how much a request may take. */
export async function loadLimits() {
  try {
    const got = await withRetry(() => fetchLimits(), { tries: 2 });
    limits = got.limits;
    clockOffsetMs = got.clockOffsetMs;
  } catch {
    // The defaults stand; the server checks the request's limits when it is created.
  }
  offerExpiries();
  showSizeHint();
}

/**
 * Adds the policy's cap, in whole days (or hours, below a day), as a choice of its own when no
 * preset is it, so that a cap between the presets or below the shortest can still be chosen.
 */
function offerExpiries() {
  const cap = limits.max_expiry_seconds;
  const unit = cap >= DAY_SECONDS ? DAY_SECONDS : HOUR_SECONDS;
  const whole = Math.floor(cap / unit) * unit;
  const options = Array.from(expirySelect.options);
  if (whole > 0 && !options.some((o) => Number(o.value) === whole)) {
    const option = el('option', { text: formatDuration(whole * 1000), attrs: { value: String(whole) } });
    expirySelect.add(option, options.find((o) => Number(o.value) > whole) ?? null);
  }
  keepExpiryAllowed();
}

/** Disables the expiries past the policy's cap; a choice past it becomes the longest one allowed. */
function keepExpiryAllowed() {
  const options = Array.from(expirySelect.options);
  for (const option of options) option.disabled = Number(option.value) > limits.max_expiry_seconds;
  if (expirySelect.selectedOptions[0]?.disabled ?? true) {
    const offered = options.filter((o) => !o.disabled);
    const last = offered[offered.length - 1];
    if (last) last.selected = true;
  }
}

/**
 * The most bytes a request may take, for `files` files.
 * @param {number} files
 */
function maxBytesFor(files) {
  const n = Number.isInteger(files) && files > 0 ? Math.min(files, limits.max_files) : 1;
  return limits.max_file_bytes * n;
}

function showSizeHint() {
  const files = Number(maxFilesInput.value);
  sizeHint.textContent = `Up to ${formatSize(maxBytesFor(files))} in all for ${plural(
    Number.isInteger(files) && files > 0 ? files : 1,
    'file',
  )}; each file can be up to ${formatSize(limits.max_file_bytes)}.`;
}

async function createRequest() {
  const keys = openKeys();
  if (!allowed || !keys || createButton.disabled) return;
  clearFieldErrors(createForm);
  const label = labelInput.value.trim();
  const message = messageInput.value;
  const expirySeconds = Number(expirySelect.value);
  const maxFiles = Number(maxFilesInput.value);
  const maxBytes = Math.round(Number(maxSizeInput.value) * GB);
  /** @type {[HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, string] | null} */
  let problem = null;
  if (label.length < 1 || label.length > 100) {
    problem = [labelInput, 'Give the request a label of 1 to 100 characters.'];
  } else if (message.length > 2000) {
    problem = [messageInput, `The message can be at most 2,000 characters; it has ${message.length}.`];
  } else if (!Number.isInteger(expirySeconds) || expirySeconds <= 0 || expirySeconds > limits.max_expiry_seconds) {
    problem = [
      expirySelect,
      `Choose how long the link stays open: at most ${formatDuration(limits.max_expiry_seconds * 1000)}.`,
    ];
  } else if (!Number.isInteger(maxFiles) || maxFiles < 1 || maxFiles > MAX_REQUEST_FILES) {
    problem = [maxFilesInput, 'The number of files must be a whole number from 1 to 1,000.'];
  } else if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > maxBytesFor(maxFiles)) {
    problem = [maxSizeInput, `The total size must be more than 0 and at most ${formatSize(maxBytesFor(maxFiles))}.`];
  }
  if (problem) {
    const [input, sentence] = problem;
    fieldError(input, sentence);
    setStatus(`${sentence} No request was created.`, 'error');
    input.focus();
    return;
  }
  createButton.disabled = true;
  setStatus('Creating the request…');
  const { sd, pk, accountKey } = keys;
  const rs = sd.newSecret();
  try {
    /** @type {any} */
    let got = null;
    // A clash of 16 random bytes is all but impossible; one more draw settles it.
    for (let attempt = 0; got === null; attempt++) {
      const id = sd.b64Encode(sd.randomBytes(16));
      const idBytes = sd.b64Decode(id);
      const token = sd.requestUploadToken(rs);
      const body = {
        id,
        label,
        message,
        expires_at: Math.floor(Date.now() + clockOffsetMs + expirySeconds * 1000),
        max_files: maxFiles,
        max_bytes: maxBytes,
        public_key: sd.b64Encode(pk),
        upload_token_hash: sd.b64Encode(sd.blake3(token)),
        wrapped_rs: sd.b64Encode(sd.wrapRequestSecret(accountKey, idBytes, rs)),
      };
      token.fill(0);
      try {
        got = await apiJson('/api/requests', { method: 'POST', json: body });
      } catch (err) {
        if (attempt === 0 && err instanceof ApiError && err.code === 'id_taken') continue;
        throw err;
      }
    }
    const summary = toSummary(got.request);
    const view = addRequest(summary, new Uint8Array(rs));
    linkField.value = requestLink(summary.id, view.rs);
    fingerprintEl.textContent = keys.fingerprint;
    copyLinkButton.textContent = 'Copy';
    created.hidden = false;
    createForm.reset();
    // The reset selects the page's default expiry again, which the policy may not allow.
    keepExpiryAllowed();
    showSizeHint();
    setStatus(
      `Request “${summary.label}” created. Copy its link below and send it; read them the key code if they ask.`,
      'success',
    );
    createdHeading.focus();
  } catch (err) {
    if (redirectIfSignedOut(err)) return;
    if (err instanceof ApiError && err.code === 'policy_forbids') {
      // The policy changed since the page loaded: its sentence says what to do; the form stays as typed.
      setStatus(`${apiSentence(err)} No request was created.`, 'error');
      return;
    }
    setStatus(
      `${err instanceof ApiError ? apiSentence(err) : 'The request could not be prepared in this browser.'} No request was created. ${
        err instanceof ApiError && err.status === 0
          ? 'Check your connection and try again.'
          : 'Check the form and try again.'
      }`,
      'error',
    );
  } finally {
    rs.fill(0);
    createButton.disabled = false;
  }
}
