// The staff inbox, /inbox: file requests (format-v1.md, "File requests"), what was sent to them,
// and new requests. The private key is unwrapped in this tab (js/session.js); each request's
// secret is unwrapped with the vault key; each file's secret comes out of its stanza, so the
// server, which holds none of these, can neither read a file nor pass one off as sent through a
// link: a file whose stanza does not open is flagged, never shown as a partner's upload.
// Downloads stream to disk through js/save.js and js/payload.js like a share's, checking every
// part's BLAKE3 and, at the end, the content id the uploader recorded.
//
// body data-state: loading, locked (the Unlock form), ready, error.
// Hooks: #unlock-password, #unlock-kit (shown when this browser has no emergency kit),
// #unlock-button; form#new-request with #request-label, #request-message, #request-expiry
// (days: 1, 7, 30), #request-max-files, #request-max-size (GB), #create-request; then
// #request-link, #copy-link, #request-fingerprint. #refresh. Request rows
// li[data-request-id][data-state] (open, expired, full) with data-unread = the unread count, also
// on their .unread-count[data-unread] badge; button.open shows and hides a request's files, its
// link (input.request-link, button.copy-link) and button.delete-request. File rows
// li[data-file-id][data-state][data-unread] ("true" or "false"), states ready, downloading,
// verified, tampered, failed, planted; the name in .name; button.download, button.delete.
// Deleting asks first, in the row: button.confirm-delete / button.keep.
import { apiFetch, apiJson, ApiError, apiSentence, withRetry } from './api.js';
import { loadWasm } from './wasm.js';
import { byId, el, setStatus, setPageState, setupPasswordToggle, timeEl } from './dom.js';
import { formatSize, plural } from './format.js';
import { RateMeter, progressLine, setBar } from './progress.js';
import { canPickFile, pickFileSink, streamSink, isPickerCancel } from './save.js';
import { downloadFile, TamperedError } from './payload.js';
import { fieldError, clearFieldErrors, copyField } from './forms.js';
import {
  requireSession,
  renderNav,
  unlockWithVaultKey,
  unlockWithPassword,
  vaultKey,
  isSignedOut,
  goToSignIn,
  UnlockError,
  UNLOCK_MESSAGES,
} from './session.js';

/** @typedef {typeof import('../pkg/sealdrop_wasm.js')} Sd */
/** @typedef {import('./session.js').Me} Me */
/**
 * @typedef {{ id: string, label: string, message: string, wrapped_rs: string, created_at: number,
 *   expires_at: number, max_files: number, max_bytes: number, state: string, files: number,
 *   unread: number, bytes: number }} RequestSummary
 */
/**
 * @typedef {{ id: string, header: string, metadata: string, stanza: string, plaintext_size: number,
 *   payload_size: number, chunks_per_part: number, part_size: number, part_count: number,
 *   content_id: string, parts: unknown[], received_at: number, read_at: number | null }} InboxFile
 */
/**
 * @typedef {Object} FileView
 * @property {InboxFile} file
 * @property {'ok' | 'planted' | 'tampered'} kind what opening its stanza and metadata gave
 * @property {Uint8Array | null} fs its file secret, when the stanza opened
 * @property {string} name
 * @property {number} size
 * @property {HTMLLIElement} li
 * @property {HTMLElement} badge
 * @property {HTMLProgressElement} bar
 * @property {HTMLElement} detail
 * @property {HTMLDetailsElement} proof
 * @property {HTMLElement} contentId
 * @property {HTMLElement} actions
 * @property {boolean} confirming
 * @property {boolean} busy
 */
/**
 * @typedef {Object} RequestView
 * @property {RequestSummary} summary
 * @property {Uint8Array | null} rs the request secret, or null when it does not unwrap
 * @property {HTMLLIElement} li
 * @property {HTMLButtonElement} open
 * @property {HTMLElement} badge
 * @property {HTMLElement} facts
 * @property {HTMLElement} body
 * @property {HTMLElement} filesNote
 * @property {HTMLUListElement} fileList
 * @property {HTMLElement} actions
 * @property {Map<string, FileView>} files
 * @property {boolean} loaded whether its files were fetched
 * @property {boolean} confirming
 * @property {boolean} busy
 */

const DAY_MS = 86_400_000;
const GB = 2 ** 30;
const MAX_REQUEST_FILES = 1000;
const DEFAULT_LIMITS = { max_file_bytes: 10 * GB, max_files: 100, max_expiry_seconds: 30 * 86400 };
const REFRESH_MS = 60_000;
const PROGRESS_INTERVAL_MS = 100;
const VERIFIED = 'Verified: content matches what the partner sent';
const TAMPERED = 'This file was changed after it was sent. Nothing was saved.';
const PLANTED = 'Not sent through your link: this file cannot be opened. Do not trust it.';
/** @type {Record<string, string>} */
const STATE_WORDS = { open: 'Open', expired: 'Expired', full: 'Full' };

const unlockSection = byId('unlock', HTMLElement);
const unlockForm = byId('unlock-form', HTMLFormElement);
const unlockPassword = byId('unlock-password', HTMLInputElement);
const unlockKitField = byId('unlock-kit-field', HTMLElement);
const unlockKit = byId('unlock-kit', HTMLInputElement);
const unlockWorking = byId('unlock-working', HTMLElement);
const unlockButton = byId('unlock-button', HTMLButtonElement);
const createSection = byId('create', HTMLElement);
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
const requestsSection = byId('requests', HTMLElement);
const refreshButton = byId('refresh', HTMLButtonElement);
const noRequests = byId('no-requests', HTMLElement);
const requestList = byId('request-list', HTMLUListElement);

const wasm = loadWasm();
// The page works while the module loads; a failure is reported when it is first needed.
wasm.catch(() => {});

/** @type {Me | null} */
let account = null;
/** @type {{ sd: Sd, sk: Uint8Array, pk: Uint8Array, vault: Uint8Array, fingerprint: string } | null} */
let keys = null;
let limits = DEFAULT_LIMITS;
let clockOffsetMs = 0;
/** @type {Map<string, RequestView>} */
const views = new Map();
let downloading = false;
let refreshing = false;
let viewIds = 0;

setupPasswordToggle(unlockPassword, byId('unlock-password-toggle', HTMLButtonElement));
// Attached before the forms can be shown: a submit that reached the browser would be refused by
// the CSP (form-action 'none').
unlockForm.addEventListener('submit', (event) => {
  event.preventDefault();
  unlock();
});
createForm.addEventListener('submit', (event) => {
  event.preventDefault();
  createRequest();
});
copyLinkButton.addEventListener('click', () => copy(linkField, copyLinkButton));
refreshButton.addEventListener('click', () => refresh(true));
for (const input of [maxFilesInput, maxSizeInput]) input.addEventListener('input', showSizeHint);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') refresh(false);
});
setInterval(() => {
  if (document.visibilityState === 'visible') refresh(false);
}, REFRESH_MS);
main();

async function main() {
  try {
    const session = await requireSession();
    account = session.account;
  } catch (err) {
    return fail(`${apiSentence(err)} Reload the page to try again.`);
  }
  renderNav(account, 'inbox');
  loadLimits();
  /** @type {Uint8Array | null} */
  let sk = null;
  try {
    sk = await unlockWithVaultKey(account);
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

/**
 * @param {unknown} err
 * @returns {boolean} whether the session is gone (the page is then on its way to sign-in)
 */
function signedOut(err) {
  if (!isSignedOut(err)) return false;
  goToSignIn();
  return true;
}

async function loadLimits() {
  try {
    const res = await withRetry(() => apiFetchLimits(), { tries: 2 });
    limits = res.limits;
    clockOffsetMs = res.clockOffsetMs;
  } catch {
    // The defaults stand; the server checks the request's limits when it is created.
  }
  const cap = limits.max_expiry_seconds * 1000;
  let chosen = false;
  for (const option of Array.from(expirySelect.options)) {
    option.disabled = Number(option.value) * DAY_MS > cap;
    if (option.disabled && option.selected) option.selected = false;
    chosen ||= option.selected;
  }
  if (!chosen) {
    const allowed = Array.from(expirySelect.options).filter((o) => !o.disabled);
    const last = allowed[allowed.length - 1];
    if (last) last.selected = true;
  }
  showSizeHint();
}

async function apiFetchLimits() {
  const res = await apiFetch('/api/limits');
  const answeredAt = Date.now();
  const got = await res.json();
  // As on the share page: the server refuses an expiry past its own now + cap.
  const serverDate = Date.parse(res.headers.get('Date') ?? '');
  return {
    limits: {
      max_file_bytes: Number(got.max_file_bytes) || DEFAULT_LIMITS.max_file_bytes,
      max_files: Number(got.max_files) || DEFAULT_LIMITS.max_files,
      max_expiry_seconds: Number(got.max_expiry_seconds) || DEFAULT_LIMITS.max_expiry_seconds,
    },
    clockOffsetMs: Number.isFinite(serverDate) ? serverDate - answeredAt : 0,
  };
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

// ---------------------------------------------------------------------------------------------
// Unlocking

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
    } else if (!signedOut(err)) {
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
  const vault = vaultKey(sd, account);
  if (!vault) {
    return fail(
      'This browser does not let the page keep your keys in this tab (site storage is off), so your requests cannot be opened. Allow site storage for this site and reload the page.',
    );
  }
  // Links are built from the key computed here, never from one the server hands out.
  const pk = sd.publicKey(sk);
  keys = { sd, sk, pk, vault, fingerprint: sd.fingerprint(pk) };
  unlockSection.hidden = true;
  createSection.hidden = false;
  requestsSection.hidden = false;
  setPageState('ready');
  setStatus('Loading your requests…');
  await refresh(true);
}

// ---------------------------------------------------------------------------------------------
// Creating a request

async function createRequest() {
  if (!keys || createButton.disabled) return;
  clearFieldErrors(createForm);
  const label = labelInput.value.trim();
  const message = messageInput.value;
  const days = Number(expirySelect.value);
  const maxFiles = Number(maxFilesInput.value);
  const maxBytes = Math.round(Number(maxSizeInput.value) * GB);
  /** @type {[HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, string] | null} */
  let problem = null;
  if (label.length < 1 || label.length > 100) {
    problem = [labelInput, 'Give the request a label of 1 to 100 characters.'];
  } else if (message.length > 2000) {
    problem = [messageInput, `The message can be at most 2,000 characters; it has ${message.length}.`];
  } else if (![1, 7, 30].includes(days) || days * DAY_MS > limits.max_expiry_seconds * 1000) {
    problem = [expirySelect, 'Choose how long the link stays open.'];
  } else if (!Number.isInteger(maxFiles) || maxFiles < 1 || maxFiles > MAX_REQUEST_FILES) {
    problem = [maxFilesInput, 'The number of files must be a whole number from 1 to 1,000.'];
  } else if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > maxBytesFor(maxFiles)) {
    problem = [maxSizeInput, `The total size must be more than 0 and at most ${formatSize(maxBytesFor(maxFiles))}.`];
  }
  if (problem) {
    const [input, sentence] = problem;
    // fieldError only sets attributes and a sentence beside the field: a textarea takes them too.
    fieldError(/** @type {HTMLInputElement} */ (/** @type {unknown} */ (input)), sentence);
    setStatus(`${sentence} No request was created.`, 'error');
    input.focus();
    return;
  }
  createButton.disabled = true;
  setStatus('Creating the request…');
  const { sd, pk, vault } = keys;
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
        expires_at: Math.floor(Date.now() + clockOffsetMs + days * DAY_MS),
        max_files: maxFiles,
        max_bytes: maxBytes,
        public_key: sd.b64Encode(pk),
        upload_token_hash: sd.b64Encode(sd.blake3(token)),
        wrapped_rs: sd.b64Encode(sd.wrapRequestSecret(vault, idBytes, rs)),
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
    const view = makeRequestView(summary, new Uint8Array(rs));
    views.set(summary.id, view);
    requestList.prepend(view.li);
    noRequests.hidden = true;
    linkField.value = requestLink(summary.id, view.rs);
    fingerprintEl.textContent = keys.fingerprint;
    copyLinkButton.textContent = 'Copy';
    created.hidden = false;
    createForm.reset();
    showSizeHint();
    setStatus(
      `Request “${summary.label}” created. Copy its link below and send it; read them the key code if they ask.`,
      'success',
    );
    createdHeading.focus();
  } catch (err) {
    if (signedOut(err)) return;
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

/**
 * @param {string} id
 * @param {Uint8Array | null} rs
 */
function requestLink(id, rs) {
  if (!keys || !rs) return '';
  return `${location.origin}/r/${id}#${keys.sd.b64Encode(keys.pk)}.${keys.sd.b64Encode(rs)}`;
}

/**
 * @param {HTMLInputElement} input
 * @param {HTMLButtonElement} button
 */
async function copy(input, button) {
  if (await copyField(input, button)) {
    setStatus('Copied. The link is on your clipboard.', 'success');
  } else {
    setStatus('Copying was blocked by the browser. The link is selected: press Ctrl+C (or ⌘C) to copy it.', 'error');
  }
}

// ---------------------------------------------------------------------------------------------
// The list of requests

/**
 * @param {any} r
 * @returns {RequestSummary}
 */
function toSummary(r) {
  return {
    id: String(r.id),
    label: String(r.label ?? ''),
    message: String(r.message ?? ''),
    wrapped_rs: String(r.wrapped_rs ?? ''),
    created_at: Number(r.created_at),
    expires_at: Number(r.expires_at),
    max_files: Number(r.max_files),
    max_bytes: Number(r.max_bytes),
    state: String(r.state),
    files: Number(r.files) || 0,
    unread: Number(r.unread) || 0,
    bytes: Number(r.bytes) || 0,
  };
}

/**
 * Fetches the requests (and the files of the open ones) and updates the rows in place, so that
 * focus and downloads in progress are left alone.
 * @param {boolean} announce whether the status line reports it (a click, the first load)
 */
async function refresh(announce) {
  if (!keys || refreshing) return;
  refreshing = true;
  refreshButton.disabled = true;
  try {
    const got = await apiJson('/api/requests');
    /** @type {RequestSummary[]} */
    const summaries = (Array.isArray(got.requests) ? got.requests : []).map(toSummary);
    const seen = new Set();
    summaries.forEach((summary, i) => {
      seen.add(summary.id);
      let view = views.get(summary.id);
      if (view) {
        view.summary = summary;
      } else {
        view = makeRequestView(summary, unwrapRs(summary));
        views.set(summary.id, view);
      }
      renderHead(view);
      // Moves only rows that are out of place, so a focused row keeps its focus.
      const at = requestList.children[i];
      if (at !== view.li) requestList.insertBefore(view.li, at ?? null);
    });
    for (const [id, view] of views) {
      if (!seen.has(id) && !view.busy) {
        view.li.remove();
        views.delete(id);
      }
    }
    noRequests.hidden = views.size > 0;
    await Promise.all(Array.from(views.values(), (v) => (v.body.hidden ? null : loadFiles(v))));
    if (announce) setStatus(listSummary());
  } catch (err) {
    if (!signedOut(err) && announce) {
      setStatus(`${apiSentence(err)} The list could not be loaded. Choose Refresh to try again.`, 'error');
    }
  } finally {
    refreshing = false;
    refreshButton.disabled = false;
  }
}

function listSummary() {
  if (views.size === 0) return 'No requests yet.';
  let unread = 0;
  for (const v of views.values()) unread += v.summary.unread;
  return `${plural(views.size, 'request')}${unread ? `, ${unread} new ${unread === 1 ? 'file' : 'files'}` : ''}.`;
}

/**
 * @param {RequestSummary} summary
 * @returns {Uint8Array | null}
 */
function unwrapRs(summary) {
  if (!keys) return null;
  const { sd, vault } = keys;
  try {
    return sd.unwrapRequestSecret(vault, sd.b64Decode(summary.id), sd.b64Decode(summary.wrapped_rs));
  } catch {
    return null;
  }
}

/**
 * @param {RequestSummary} summary
 * @param {Uint8Array | null} rs
 * @returns {RequestView}
 */
function makeRequestView(summary, rs) {
  const n = ++viewIds;
  const li = el('li', { className: 'request-row' });
  const head = el('div', { className: 'request-head' });
  const heading = el('h3', { className: 'request-title' });
  const open = el('button', {
    className: 'open request-open',
    attrs: { type: 'button', 'aria-expanded': 'false', 'aria-controls': `request-${n}-body`, id: `request-${n}-open` },
  });
  heading.append(open);
  const badge = el('span', { className: 'unread-count' });
  head.append(heading, badge);
  const facts = el('p', { className: 'detail request-facts', attrs: { id: `request-${n}-facts` } });
  open.setAttribute('aria-describedby', facts.id);
  const body = el('div', { className: 'request-body', attrs: { id: `request-${n}-body` } });
  body.hidden = true;
  const filesNote = el('p', { className: 'hint' });
  const fileList = el('ul', { className: 'file-list inbox-files', attrs: { 'aria-labelledby': open.id } });
  const actions = el('div', { className: 'request-actions' });
  li.append(head, facts, body);
  /** @type {RequestView} */
  const view = {
    summary,
    rs,
    li,
    open,
    badge,
    facts,
    body,
    filesNote,
    fileList,
    actions,
    files: new Map(),
    loaded: false,
    confirming: false,
    busy: false,
  };
  body.append(...linkBlock(view, n), filesNote, fileList, actions);
  open.addEventListener('click', () => toggle(view));
  renderHead(view);
  renderRequestActions(view);
  return view;
}

/**
 * The request's message, its link with Copy and the key code; or why there is no link.
 * @param {RequestView} view
 * @param {number} n
 * @returns {Node[]}
 */
function linkBlock(view, n) {
  /** @type {Node[]} */
  const out = [];
  if (view.summary.message.trim()) {
    const label = el('p', { className: 'hint', text: 'Your message:', attrs: { id: `request-${n}-message` } });
    const message = el('blockquote', {
      className: 'request-message',
      text: view.summary.message,
      attrs: { 'aria-labelledby': label.id },
    });
    out.push(label, message);
  }
  if (!view.rs) {
    out.push(
      el('p', {
        className: 'notice warning',
        text: 'This request’s key does not open with your keys, so its link cannot be shown and its files cannot be opened. Delete it and create a new one.',
      }),
    );
    return out;
  }
  const row = el('div', { className: 'link-row' });
  const input = el('input', {
    className: 'request-link',
    attrs: { type: 'text', readonly: '', spellcheck: 'false', autocomplete: 'off', id: `request-${n}-link` },
  });
  input.value = requestLink(view.summary.id, view.rs);
  const label = el('label', { className: 'visually-hidden', text: 'Request link', attrs: { for: input.id } });
  const button = el('button', { className: 'button copy-link', text: 'Copy', attrs: { type: 'button' } });
  button.addEventListener('click', () => copy(input, button));
  row.append(label, input, button);
  const key = el('p', { className: 'hint' });
  key.append(
    'Key code ',
    el('code', { className: 'fingerprint', text: keys?.fingerprint ?? '' }),
    ': the partner’s page shows the same one.',
  );
  out.push(row, key);
  return out;
}

/** @param {RequestView} view */
function renderHead(view) {
  const { summary, li, open, badge, facts } = view;
  li.dataset.requestId = summary.id;
  li.dataset.state = summary.state;
  li.dataset.unread = String(summary.unread);
  open.textContent = summary.label || 'Untitled request';
  badge.dataset.unread = String(summary.unread);
  badge.textContent = summary.unread ? `${summary.unread} new` : '';
  badge.hidden = summary.unread === 0;
  const when = summary.expires_at > Date.now() ? 'closes ' : 'closed ';
  facts.replaceChildren(
    `${plural(summary.files, 'file')} received (${formatSize(summary.bytes)})`,
    summary.unread ? `, ${summary.unread} unread` : '',
    ` · ${STATE_WORDS[summary.state] ?? summary.state} · ${when}`,
    timeEl(summary.expires_at),
  );
}

/** @param {RequestView} view */
async function toggle(view) {
  const opening = view.body.hidden;
  view.body.hidden = !opening;
  view.open.setAttribute('aria-expanded', String(opening));
  if (!opening) return;
  if (!view.loaded) view.filesNote.textContent = 'Loading the files…';
  await loadFiles(view);
}

/**
 * Fetches a request's files and updates its rows in place.
 * @param {RequestView} view
 */
async function loadFiles(view) {
  try {
    const got = await withRetry(() => apiJson(`/api/requests/${view.summary.id}`), { tries: 3 });
    if (got.request) view.summary = toSummary(got.request);
    renderHead(view);
    /** @type {InboxFile[]} */
    const files = Array.isArray(got.files) ? got.files : [];
    const seen = new Set();
    files.forEach((file, i) => {
      const id = String(file.id);
      seen.add(id);
      let fv = view.files.get(id);
      if (fv) {
        fv.file = { ...fv.file, read_at: file.read_at ?? null };
        if (!fv.busy) renderFile(fv);
      } else {
        fv = makeFileView(view, file);
        view.files.set(id, fv);
      }
      const at = view.fileList.children[i];
      if (at !== fv.li) view.fileList.insertBefore(fv.li, at ?? null);
    });
    for (const [id, fv] of view.files) {
      if (!seen.has(id) && !fv.busy) {
        fv.li.remove();
        view.files.delete(id);
      }
    }
    view.loaded = true;
    view.filesNote.textContent = view.files.size
      ? ''
      : 'No files received yet. Files appear here once the person you sent the link to has sent them.';
    view.filesNote.hidden = view.files.size > 0;
  } catch (err) {
    if (signedOut(err)) return;
    if (err instanceof ApiError && err.status === 404) {
      view.li.remove();
      views.delete(view.summary.id);
      noRequests.hidden = views.size > 0;
      setStatus('This request no longer exists: it was deleted.', 'error');
      return;
    }
    view.filesNote.hidden = false;
    view.filesNote.textContent = `${apiSentence(err)} The files could not be listed. Choose Refresh to try again.`;
  }
}

// ---------------------------------------------------------------------------------------------
// Files

/**
 * Opens a file's stanza and metadata: what the row may show depends on it.
 * @param {RequestView} view
 * @param {InboxFile} file
 * @returns {FileView}
 */
function makeFileView(view, file) {
  /** @type {FileView['kind']} */
  let kind = 'planted';
  /** @type {Uint8Array | null} */
  let fs = null;
  let name = 'Unknown file';
  let size = 0;
  if (keys && view.rs) {
    const { sd, sk } = keys;
    try {
      const header = sd.b64Decode(file.header);
      fs = sd.openStanza(sk, sd.b64Decode(view.summary.id), view.rs, header, sd.b64Decode(file.stanza));
      kind = 'tampered';
      const meta = sd.openMetadata(fs, header, sd.b64Decode(file.metadata));
      name = String(meta.name);
      size = Number(meta.size);
      kind = 'ok';
    } catch {
      // Planted (the stanza does not open) or tampered (its metadata does not): kind says which.
      if (kind === 'planted') fs = null;
    }
  }
  const n = ++viewIds;
  const li = el('li', { className: 'file-row inbox-file' });
  const head = el('div', { className: 'file-head' });
  const nameEl = el('span', { className: 'file-name name', text: name, attrs: { id: `file-${n}-name` } });
  const badge = el('span', { className: 'new-badge', text: 'New' });
  head.append(nameEl, badge);
  if (kind === 'ok') head.append(el('span', { className: 'file-size', text: formatSize(size) }));
  const received = el('p', { className: 'hint received' });
  received.append('Received ', timeEl(Number(file.received_at)));
  const bar = el('progress', { attrs: { max: '1', value: '0', 'aria-labelledby': nameEl.id } });
  bar.hidden = true;
  const detail = el('p', { className: 'detail file-detail' });
  const proof = el('details', { className: 'proof' });
  const contentId = el('code', { className: 'content-id' });
  proof.append(el('summary', { text: 'Content id' }), contentId);
  proof.hidden = true;
  const actions = el('div', { className: 'row-actions' });
  li.append(head, received, bar, detail, proof, actions);
  /** @type {FileView} */
  const fv = {
    file,
    kind,
    fs,
    name,
    size,
    li,
    badge,
    bar,
    detail,
    proof,
    contentId,
    actions,
    confirming: false,
    busy: false,
  };
  li.dataset.fileId = String(file.id);
  li.dataset.state = kind === 'ok' ? 'ready' : kind;
  if (kind === 'planted') detail.textContent = PLANTED;
  if (kind === 'tampered') detail.textContent = TAMPERED;
  renderFile(fv, view);
  return fv;
}

/**
 * The unread mark and the buttons, after the state changed.
 * @param {FileView} fv
 * @param {RequestView} [view]
 */
function renderFile(fv, view = findView(fv)) {
  const unread = isUnread(fv.file);
  // A planted or tampered file is no partner's upload: nothing about it is "new" to read.
  const isNew = unread && fv.kind === 'ok';
  fv.li.dataset.unread = String(isNew);
  fv.badge.hidden = !isNew;
  fv.badge.textContent = isNew ? 'New' : '';
  if (view) renderFileActions(view, fv);
}

/** @param {InboxFile} file */
function isUnread(file) {
  return file.read_at === null || file.read_at === undefined;
}

/** @param {FileView} fv */
function findView(fv) {
  for (const view of views.values()) if (view.files.get(String(fv.file.id)) === fv) return view;
  return undefined;
}

/**
 * @param {RequestView} view
 * @param {FileView} fv
 */
function renderFileActions(view, fv) {
  const label = fv.kind === 'ok' ? fv.name : 'this unverified file';
  if (fv.confirming) {
    fv.actions.replaceChildren(
      confirmGroup(
        `Delete ${fv.kind === 'ok' ? `“${fv.name}”` : 'this file'}? It cannot be recovered.`,
        'Delete',
        () => deleteFile(view, fv),
        () => setFileConfirming(view, fv, false),
      ),
    );
    return;
  }
  /** @type {HTMLButtonElement[]} */
  const buttons = [];
  if (fv.kind === 'ok') {
    const download = el('button', {
      className: 'button small download',
      text: 'Download',
      attrs: { type: 'button', 'aria-label': `Download ${fv.name}` },
    });
    download.disabled = downloading || fv.busy;
    download.addEventListener('click', () => startDownload(view, fv));
    buttons.push(download);
  }
  const del = el('button', {
    className: 'button small secondary delete',
    text: 'Delete',
    attrs: { type: 'button', 'aria-label': `Delete ${label}` },
  });
  del.disabled = fv.busy;
  del.addEventListener('click', () => setFileConfirming(view, fv, true));
  buttons.push(del);
  fv.actions.replaceChildren(...buttons);
}

/**
 * A question with a destructive answer and "Keep", focused on Keep so that a stray Enter
 * deletes nothing; Escape keeps too.
 * @param {string} question
 * @param {string} yesText
 * @param {() => void} onYes
 * @param {() => void} onKeep
 */
function confirmGroup(question, yesText, onYes, onKeep) {
  const id = `confirm-${++viewIds}`;
  const group = el('div', { className: 'confirm', attrs: { role: 'group', 'aria-labelledby': id } });
  const yes = el('button', {
    className: 'button small danger confirm-delete',
    text: yesText,
    attrs: { type: 'button' },
  });
  const keep = el('button', { className: 'button small secondary keep', text: 'Keep', attrs: { type: 'button' } });
  yes.addEventListener('click', onYes);
  keep.addEventListener('click', onKeep);
  group.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') onKeep();
  });
  const buttons = el('div', { className: 'row-actions' });
  buttons.append(yes, keep);
  group.append(el('p', { className: 'confirm-question', text: question, attrs: { id } }), buttons);
  return group;
}

/**
 * @param {RequestView} view
 * @param {FileView} fv
 * @param {boolean} confirming
 */
function setFileConfirming(view, fv, confirming) {
  fv.confirming = confirming;
  renderFileActions(view, fv);
  /** @type {HTMLButtonElement | null} */ (
    fv.actions.querySelector(confirming ? 'button.keep' : 'button.delete')
  )?.focus();
}

/**
 * @param {RequestView} view
 * @param {FileView} fv
 */
async function deleteFile(view, fv) {
  fv.busy = true;
  fv.confirming = false;
  renderFileActions(view, fv);
  setStatus('Deleting the file…');
  try {
    await apiJson(`/api/requests/${view.summary.id}/files/${fv.file.id}`, { method: 'DELETE' });
  } catch (err) {
    if (signedOut(err)) return;
    if (!(err instanceof ApiError && err.status === 404)) {
      fv.busy = false;
      renderFileActions(view, fv);
      setStatus(`${apiSentence(err)} The file was not deleted.`, 'error');
      /** @type {HTMLButtonElement | null} */ (fv.actions.querySelector('button.delete'))?.focus();
      return;
    }
  }
  const rows = Array.from(view.files.values());
  const index = rows.indexOf(fv);
  view.files.delete(String(fv.file.id));
  fv.li.remove();
  fv.fs?.fill(0);
  if (fv.kind === 'ok') {
    view.summary.files = Math.max(0, view.summary.files - 1);
    view.summary.bytes = Math.max(0, view.summary.bytes - fv.size);
    if (isUnread(fv.file)) view.summary.unread = Math.max(0, view.summary.unread - 1);
  }
  renderHead(view);
  if (view.files.size === 0) {
    view.filesNote.hidden = false;
    view.filesNote.textContent = 'No files left in this request.';
  }
  setStatus('File deleted.', 'success');
  // Keeps keyboard focus in the list instead of dropping it to the top of the page.
  const next = rows.filter((r) => r !== fv)[Math.min(index, rows.length - 2)];
  const target = next?.li.querySelector('button');
  if (target) target.focus();
  else view.open.focus();
}

/**
 * @param {RequestView} view
 * @param {FileView} fv
 */
async function startDownload(view, fv) {
  if (downloading || !keys || !fv.fs) return;
  /** @type {import('./save.js').Sink} */
  let sink;
  try {
    // The picker must open straight from the click: browsers refuse it once the click is stale.
    sink = canPickFile() ? await pickFileSink(fv.name) : await streamSink(fv.name, fv.size);
  } catch (err) {
    if (!isPickerCancel(err)) showFailure(fv, `${errorSentence(err)} Nothing was saved.`);
    return;
  }
  downloading = true;
  fv.busy = true;
  setDownloadButtons();
  const { file } = fv;
  fv.li.dataset.state = 'downloading';
  fv.bar.hidden = false;
  fv.proof.hidden = true;
  setBar(fv.bar, 0, 1);
  fv.detail.textContent = 'Starting…';
  setStatus(`Downloading “${fv.name}”…`);
  const meter = new RateMeter();
  let shownAt = 0;
  try {
    const contentId = await downloadFile({
      sd: keys.sd,
      payloadUrl: `/api/requests/${view.summary.id}/files/${file.id}/payload`,
      // The session cookie goes by itself; a Range is added per part.
      headers: {},
      fileSecret: fv.fs,
      file: contentsFile(file),
      contentId: String(file.content_id),
      size: fv.size,
      sink,
      onProgress: (received) => {
        const now = performance.now();
        if (now - shownAt < PROGRESS_INTERVAL_MS && received < file.payload_size) return;
        shownAt = now;
        meter.sample(received, now);
        setBar(fv.bar, received, file.payload_size);
        fv.detail.textContent = progressLine(Math.round((received / file.payload_size) * fv.size), fv.size, meter);
      },
      onRetry: (waitMs) => {
        fv.detail.textContent = `Connection lost. Resuming by itself in ${Math.ceil(waitMs / 1000)} s…`;
        setStatus(`Connection lost while downloading “${fv.name}”. It resumes by itself; nothing is lost.`);
      },
    });
    fv.li.dataset.state = 'verified';
    setBar(fv.bar, 1, 1);
    fv.detail.textContent = `${VERIFIED}.`;
    fv.contentId.textContent = contentId;
    fv.proof.hidden = false;
    setStatus(`“${fv.name}” saved. ${VERIFIED}.`, 'success');
    await markRead(view, fv);
  } catch (err) {
    if (err instanceof TamperedError) {
      console.warn(`file ${file.id}: ${err.message}`);
      fv.li.dataset.state = 'tampered';
      fv.bar.hidden = true;
      fv.detail.textContent = TAMPERED;
      setStatus(`“${fv.name}”: ${TAMPERED}`, 'error');
    } else if (err instanceof DOMException && err.name === 'AbortError') {
      fv.li.dataset.state = 'ready';
      fv.bar.hidden = true;
      fv.detail.textContent = 'Download cancelled. Nothing was saved.';
      setStatus(`Download of “${fv.name}” cancelled. Nothing was saved.`);
    } else if (!signedOut(err)) {
      fv.busy = false;
      showFailure(fv, failureSentence(err));
    }
  } finally {
    downloading = false;
    fv.busy = false;
    setDownloadButtons();
  }
}

/**
 * The inbox's file in the shape js/payload.js reads: its parts as {n, size, blake3}.
 * @param {InboxFile} file
 * @returns {import('./payload.js').ContentsFile}
 */
function contentsFile(file) {
  const count = Number(file.part_count) || file.parts.length;
  const partSize = Number(file.part_size);
  const payloadSize = Number(file.payload_size);
  const parts = file.parts.map((p, i) => {
    if (p && typeof p === 'object') return /** @type {import('./payload.js').PartInfo} */ (p);
    return {
      n: i + 1,
      size: i < count - 1 ? partSize : payloadSize - partSize * (count - 1),
      blake3: String(p),
    };
  });
  return {
    j: 0,
    header: file.header,
    metadata: file.metadata,
    payload_size: payloadSize,
    chunks_per_part: Number(file.chunks_per_part),
    part_size: partSize,
    parts,
  };
}

/**
 * Tells the server the file was downloaded; the unread marks follow. Best effort: a failure
 * leaves the file marked new, nothing worse.
 * @param {RequestView} view
 * @param {FileView} fv
 */
async function markRead(view, fv) {
  if (!isUnread(fv.file)) return;
  try {
    const got = await withRetry(
      () => apiJson(`/api/requests/${view.summary.id}/files/${fv.file.id}/read`, { method: 'POST' }),
      { tries: 3 },
    );
    fv.file = { ...fv.file, read_at: Number(got.read_at) || Date.now() };
    view.summary.unread = Math.max(0, view.summary.unread - 1);
    renderHead(view);
    renderFile(fv, view);
  } catch (err) {
    signedOut(err);
  }
}

/**
 * @param {FileView} fv
 * @param {string} sentence
 */
function showFailure(fv, sentence) {
  fv.li.dataset.state = 'failed';
  fv.bar.hidden = true;
  fv.detail.textContent = sentence;
  setStatus(`“${fv.name}”: ${sentence}`, 'error');
}

/** @param {unknown} err */
function failureSentence(err) {
  if (err instanceof ApiError && err.status === 0) {
    return 'The connection was lost and did not come back. Nothing was saved. Choose Download to try again.';
  }
  if (err instanceof ApiError && err.status === 404) {
    return 'The server no longer has this file. Nothing was saved. Choose Refresh to update the list.';
  }
  return `${errorSentence(err)} Nothing was saved. Choose Download to try again.`;
}

/** @param {unknown} err */
function errorSentence(err) {
  if (err instanceof ApiError) return apiSentence(err);
  if (err instanceof Error && err.name === 'SealdropError') return 'Decrypting failed in this browser.';
  if (err instanceof DOMException && err.name === 'NotAllowedError') return 'The browser did not allow saving there.';
  if (err instanceof DOMException && err.name === 'QuotaExceededError') return 'The disk is full.';
  if (err instanceof Error && err.message && !(err instanceof DOMException)) return err.message;
  return 'Saving the file failed.';
}

/** One download at a time: the others' buttons wait. */
function setDownloadButtons() {
  for (const view of views.values()) {
    for (const fv of view.files.values()) {
      const button = /** @type {HTMLButtonElement | null} */ (fv.li.querySelector('button.download'));
      if (button) button.disabled = downloading || fv.busy;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Deleting a request

/** @param {RequestView} view */
function renderRequestActions(view) {
  if (view.confirming) {
    const n = view.summary.files;
    view.actions.replaceChildren(
      confirmGroup(
        `Delete “${view.summary.label}”${n ? ` and its ${plural(n, 'file')}` : ''}? Its link stops working, and the files cannot be recovered.`,
        'Delete request',
        () => deleteRequest(view),
        () => setRequestConfirming(view, false),
      ),
    );
    return;
  }
  const button = el('button', {
    className: 'button small secondary delete-request',
    text: 'Delete request',
    attrs: { type: 'button', 'aria-label': `Delete request ${view.summary.label}` },
  });
  button.disabled = view.busy;
  button.addEventListener('click', () => setRequestConfirming(view, true));
  view.actions.replaceChildren(button);
}

/**
 * @param {RequestView} view
 * @param {boolean} confirming
 */
function setRequestConfirming(view, confirming) {
  view.confirming = confirming;
  renderRequestActions(view);
  /** @type {HTMLButtonElement | null} */ (
    view.actions.querySelector(confirming ? 'button.keep' : 'button.delete-request')
  )?.focus();
}

/** @param {RequestView} view */
async function deleteRequest(view) {
  view.busy = true;
  view.confirming = false;
  renderRequestActions(view);
  setStatus('Deleting the request…');
  try {
    await apiJson(`/api/requests/${view.summary.id}`, { method: 'DELETE' });
  } catch (err) {
    if (signedOut(err)) return;
    if (!(err instanceof ApiError && err.status === 404)) {
      view.busy = false;
      renderRequestActions(view);
      setStatus(`${apiSentence(err)} The request was not deleted.`, 'error');
      return;
    }
  }
  const rows = Array.from(views.values());
  const index = rows.indexOf(view);
  views.delete(view.summary.id);
  view.li.remove();
  view.rs?.fill(0);
  for (const fv of view.files.values()) fv.fs?.fill(0);
  noRequests.hidden = views.size > 0;
  setStatus(`Request “${view.summary.label}” deleted, with its files. Its link no longer works.`, 'success');
  const next = rows.filter((r) => r !== view)[Math.min(index, rows.length - 2)];
  (next ? next.open : refreshButton).focus();
}
