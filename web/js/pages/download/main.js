// The download page, /d/<share id>#<link secret>. Before the click it shows only the share's
// state (and a password field for password shares): mail scanners open links, and only a
// person's click may spend a download. After it: the password's Argon2id in a worker, proof of
// the key, the sealed manifest and metadata opened here, then one row per file, which
// js/ui/download-row.js downloads into.
//
// Once a file has been received whole, its content id checked against the manifest, the page
// tells the server which content id it computed (a receipt: the share's log then says whether
// what arrived is what was sent). Receipts are best effort and never hold up or spoil a download.
//
// body data-state: loading, locked (ready for the click), checking (after it, until the files
// or a refusal show), ready, downloading, done, error, bad-link, not-found, and the refusals of
// js/download/refusals.js: expired, exhausted, revoked, purged, link-locked (423), rate-limited (429).
import { apiFetch, apiJson, ApiError, apiSentence, sleep, withRetry } from '../../lib/api.js';
import { loadWasm, isFormatError, toHex } from '../../lib/wasm.js';
import { byId, el, setStatus, setPageState, setupPasswordToggle, timeEl } from '../../lib/dom.js';
import { formatSize, plural } from '../../lib/format.js';
import { deriveShareSecret, isPasswordParams } from '../../download/password.js';
import { STATE_MESSAGES, goneState, revealRefusal } from '../../download/refusals.js';
import { canPickFile, canPickFolder, pickFolder, openSink, isPickerCancel, sweepStaged } from '../../download/save.js';
import {
  TAMPERED,
  downloadInto,
  downloadParts,
  errorSentence,
  failureSentence,
  showFailed,
  showSaveHow,
  sinkFromClick,
} from '../../ui/download-row.js';

/** @typedef {import('../../download/payload.js').ContentsFile} ContentsFile */
/** @typedef {import('../../download/save.js').Sink} Sink */

const VERIFIED = 'Verified: content matches what was sent';
// A receipt that lost its connection is sent once more after this pause.
const RECEIPT_RETRY_MS = 2000;

const unlock = byId('unlock', HTMLElement);
const unlockForm = byId('unlock-form', HTMLFormElement);
const revealButton = byId('reveal', HTMLButtonElement);
const passwordField = byId('password-field', HTMLElement);
const passwordInput = byId('password', HTMLInputElement);
const deriving = byId('deriving', HTMLElement);
const expiresItem = byId('expires', HTMLElement);
const downloadsLeft = byId('downloads-left', HTMLElement);
const filesSection = byId('files', HTMLElement);
const filesHeading = byId('files-heading', HTMLElement);
const filesSummary = byId('files-summary', HTMLElement);
const fileList = byId('file-list', HTMLUListElement);
const downloadAll = byId('download-all', HTMLButtonElement);
const saveHow = byId('save-how', HTMLElement);

/**
 * @typedef {Object} Item
 * @property {number} j
 * @property {ContentsFile} file
 * @property {Uint8Array} fileSecret
 * @property {string} name
 * @property {number} size
 * @property {HTMLLIElement} li
 * @property {HTMLButtonElement} button
 * @property {HTMLProgressElement} bar
 * @property {HTMLElement} detail
 * @property {HTMLDetailsElement} proof
 * @property {HTMLElement} contentId
 */

/**
 * @typedef {Object} Share
 * @property {string} id
 * @property {string} ticket
 * @property {unknown} manifest
 * @property {Item[]} items
 */

const wasm = loadWasm();
// The page works while the module loads; a failure is reported when it is first needed.
wasm.catch(() => {});
/** @type {Share | null} */
let share = null;
let busy = false;
/** @type {((event: SubmitEvent) => void) | null} set once the share is known to be ready */
let onReveal = null;

setupPasswordToggle(passwordInput, byId('password-toggle', HTMLButtonElement));
// Attached before the form can be shown: a submit that reached the browser would be refused by
// the CSP (form-action 'none') and reported as a violation.
unlockForm.addEventListener('submit', (event) => {
  event.preventDefault();
  onReveal?.(event);
});
// Staged files of earlier visits, older than save.js STAGED_MAX_AGE_MS, are deleted at every load.
sweepStaged();
showSaveHow(saveHow);
main();

async function main() {
  const match = /^\/d\/([A-Za-z0-9_-]{22})\/?$/.exec(location.pathname);
  const fragment = location.hash.slice(1);
  // 32 bytes are 43 base64url characters; anything else was cut or mangled on its way here.
  if (!match || !/^[A-Za-z0-9_-]{43}$/.test(fragment)) return badLink();
  const id = match[1];
  /** @type {any} */
  let info;
  try {
    info = await withRetry(() => apiJson(`/api/shares/${id}`), { tries: 3 });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return notFound();
    if (err instanceof ApiError && err.code === 'bad_id') return badLink();
    return fail(`${apiSentence(err)} Nothing was downloaded. Check your connection and reload the page.`);
  }
  if (info.state !== 'active') {
    setPageState(goneState(info.state));
    setStatus(STATE_MESSAGES[info.state] ?? 'The files of this share are not available. Ask the sender.', 'error');
    return;
  }
  /** @type {import('../../download/password.js').PasswordParams | null} */
  const password = isPasswordParams(info.password) ? info.password : null;
  if (info.password !== null && info.password !== undefined && !password) {
    return fail(
      'The server described this share’s password in a form this page does not know. Nothing was downloaded. Reload the page, or ask the sender to share the files again.',
    );
  }
  unlock.hidden = false;
  passwordField.hidden = !password;
  setPageState('locked');
  setStatus(password ? 'This share is ready. Enter the password to open it.' : 'This share is ready.');
  onReveal = () => reveal(id, fragment, password);
  downloadAll.addEventListener('click', () => startAll());
}

function badLink() {
  setPageState('bad-link');
  setStatus(
    'This link is incomplete or damaged, so the files cannot be opened. Nothing was downloaded. Ask the sender to send the whole link again.',
    'error',
  );
}

function notFound() {
  setPageState('not-found');
  setStatus(
    'No share with this link exists. It may have been mistyped, or deleted a while ago. Ask the sender for a new link.',
    'error',
  );
}

/** @param {string} message */
function fail(message) {
  setPageState('error');
  setStatus(message, 'error');
}

/**
 * @param {string} id
 * @param {string} fragment
 * @param {import('../../download/password.js').PasswordParams | null} password
 */
async function reveal(id, fragment, password) {
  if (revealButton.disabled) return;
  if (password && passwordInput.value === '') {
    // Sending a proof without it would only spend one of the few tries.
    setStatus('Enter the password the sender gave you, then choose Decrypt and show files.', 'error');
    passwordInput.focus();
    return;
  }
  revealButton.disabled = true;
  setPageState('checking');
  setStatus(password ? 'Checking the password…' : 'Checking the link and decrypting the list of files…');
  try {
    /** @type {typeof import('../../../pkg/sealdrop_wasm.js')} */
    let sd;
    try {
      sd = await wasm;
    } catch {
      revealButton.disabled = false;
      return fail('The decryption module could not be loaded. Nothing was downloaded. Reload the page and try again.');
    }
    /** @type {Uint8Array} */
    let ls;
    try {
      ls = sd.b64Decode(fragment);
    } catch {
      unlock.hidden = true;
      return badLink();
    }
    /** @type {Uint8Array} */
    let ss;
    if (password) {
      deriving.hidden = false;
      passwordInput.readOnly = true;
      try {
        // ls moves to the worker, which wipes it; here it is left detached.
        ss = await deriveShareSecret(ls, passwordInput.value, password);
      } finally {
        deriving.hidden = true;
        passwordInput.readOnly = false;
      }
    } else {
      ss = sd.shareSecretFromLink(ls);
      ls.fill(0);
    }
    const ak = sd.shareAuthKey(ss);
    const proof = await apiJson(`/api/shares/${id}/proof`, {
      method: 'POST',
      headers: { Authorization: `Sealdrop-Key ${sd.b64Encode(ak)}` },
    });
    ak.fill(0);
    if (password) setStatus('Password accepted. Decrypting the list of files…');
    const ticket = String(proof.ticket);
    // The proof already counted a download: do not make the person spend another on a blip.
    const contents = await withRetry(() =>
      apiJson(`/api/shares/${id}/contents`, { headers: { Authorization: `Sealdrop-Ticket ${ticket}` } }),
    );
    /** @type {any} */
    let manifest;
    try {
      manifest = sd.openManifest(ss, sd.b64Decode(id), sd.b64Decode(contents.manifest));
    } catch (err) {
      if (!isFormatError(err)) throw err;
      unlock.hidden = true;
      return fail('This share was changed after it was sent, so none of its files can be trusted. Nothing was saved.');
    }
    share = { id, ticket, manifest, items: openFiles(sd, ss, manifest, contents.files) };
    ss.fill(0);
    passwordInput.value = '';
    showLimits(proof);
    showFiles(share.items);
  } catch (err) {
    revealButton.disabled = false;
    const refusal = revealRefusal(err, password !== null);
    unlock.hidden = !refusal.retry;
    setPageState(refusal.state);
    setStatus(refusal.message, 'error');
    if (refusal.retry && password) passwordInput.select();
  }
}

/**
 * Rows come from the manifest, the sender's sealed list, never from the server's listing: a
 * file the server adds is ignored, one it withholds or alters is shown as such.
 * @param {typeof import('../../../pkg/sealdrop_wasm.js')} sd
 * @param {Uint8Array} ss
 * @param {{ files: { j: number, content_id: string, metadata_hash: string }[] }} manifest
 * @param {ContentsFile[]} listed
 * @returns {Item[]}
 */
function openFiles(sd, ss, manifest, listed) {
  const byJ = new Map((listed ?? []).map((f) => [f.j, f]));
  return manifest.files.map((entry) => {
    const file = byJ.get(entry.j);
    const fileSecret = sd.shareFileSecret(ss, entry.j);
    let name = `File ${entry.j + 1}`;
    let size = 0;
    let intact = false;
    if (file) {
      try {
        const sealed = sd.b64Decode(file.metadata);
        if (toHex(sd.blake3(sealed)) === entry.metadata_hash) {
          const meta = sd.openMetadata(fileSecret, sd.b64Decode(file.header), sealed);
          name = String(meta.name);
          size = Number(meta.size);
          intact = true;
        }
      } catch (err) {
        if (!isFormatError(err)) throw err;
      }
    }
    const item = makeRow(entry.j, name, size, /** @type {ContentsFile} */ (file), fileSecret);
    if (!intact) {
      item.li.dataset.state = 'tampered';
      item.button.disabled = true;
      item.detail.textContent = file
        ? TAMPERED
        : 'The server did not provide this file, although the sender included it. Nothing was saved.';
    }
    return item;
  });
}

/**
 * @param {number} j
 * @param {string} name
 * @param {number} size
 * @param {ContentsFile} file
 * @param {Uint8Array} fileSecret
 * @returns {Item}
 */
function makeRow(j, name, size, file, fileSecret) {
  const li = el('li', { className: 'file-row', attrs: { 'data-j': String(j), 'data-state': 'idle' } });
  const head = el('div', { className: 'file-head' });
  const nameEl = el('span', { className: 'file-name', text: name, attrs: { id: `file-${j}-name` } });
  const sizeEl = el('span', { className: 'file-size', text: formatSize(size) });
  const button = el('button', {
    className: 'button small',
    text: 'Download',
    attrs: { type: 'button', 'aria-label': `Download ${name}` },
  });
  head.append(nameEl, sizeEl, button);
  const { bar, detail, proof, contentId } = downloadParts(nameEl.id, 'detail');
  li.append(head, bar, detail, proof);
  /** @type {Item} */
  const item = { j, file, fileSecret, name, size, li, button, bar, detail, proof, contentId };
  button.addEventListener('click', () => startOne(item));
  return item;
}

/**
 * What only a key holder may learn: until when, and how many more times, the link opens.
 * @param {any} proof the answer to the proof
 */
function showLimits(proof) {
  const expiresAt = Number(proof.expires_at);
  const knownExpiry = Number.isFinite(expiresAt) && expiresAt > 0;
  expiresItem.replaceChildren(...(knownExpiry ? ['Expires ', timeEl(expiresAt)] : []));
  expiresItem.hidden = !knownExpiry;
  const max = proof.max_downloads;
  const used = Number(proof.downloads_used);
  if (max === null) {
    downloadsLeft.textContent = 'No limit on downloads';
  } else if (Number.isInteger(max) && Number.isInteger(used)) {
    const left = Math.max(0, max - used);
    downloadsLeft.textContent =
      left > 0
        ? `${plural(left, 'download')} left`
        : '0 downloads left: this was the last one, so save the files now. The link will not open again.';
  } else {
    downloadsLeft.textContent = '';
  }
  downloadsLeft.hidden = downloadsLeft.textContent === '';
}

/** @param {Item[]} items */
function showFiles(items) {
  unlock.hidden = true;
  fileList.replaceChildren(...items.map((i) => i.li));
  const total = items.reduce((sum, i) => sum + i.size, 0);
  filesSummary.textContent = `${plural(items.length, 'file')}, ${formatSize(total)} in all.`;
  downloadAll.hidden = items.length < 2;
  filesSection.hidden = false;
  setPageState('ready');
  setStatus(
    `${plural(items.length, 'file')} decrypted. Choose Download to save ${items.length === 1 ? 'it' : 'them'}.`,
  );
  filesHeading.focus();
}

/** @param {Item} item */
async function startOne(item) {
  if (busy) return;
  const sink = await sinkFromClick(item.name, item.size, (sentence) => showFailure(item, sentence));
  if (sink) await runBatch([item], async () => sink);
}

async function startAll() {
  if (busy || !share) return;
  const items = share.items.filter((i) => i.li.dataset.state !== 'tampered');
  /** @type {(item: Item) => Promise<Sink>} */
  let sinkFor;
  if (canPickFile() && canPickFolder()) {
    try {
      const folder = await pickFolder();
      sinkFor = (item) => folder(item.name);
    } catch (err) {
      if (!isPickerCancel(err)) setStatus(`${errorSentence(err)} Nothing was saved.`, 'error');
      return;
    }
  } else {
    sinkFor = (item) => openSink(item.name, item.size);
  }
  await runBatch(items, sinkFor);
}

/**
 * Downloads files one after the other; a failure stops only its own file.
 * @param {Item[]} items
 * @param {(item: Item) => Promise<Sink>} sinkFor
 */
async function runBatch(items, sinkFor) {
  if (!share) return;
  busy = true;
  setButtonsDisabled(true);
  setPageState('downloading');
  let verified = 0;
  let tampered = 0;
  for (const item of items) {
    setStatus(`Downloading “${item.name}”…`);
    const outcome = await downloadOne(share, item, sinkFor);
    if (outcome === 'verified') verified++;
    if (outcome === 'tampered') tampered++;
  }
  busy = false;
  setButtonsDisabled(false);
  const allGood = verified === items.length;
  setPageState(allGood ? 'done' : 'error');
  if (items.length === 1) {
    const item = items[0];
    setStatus(
      allGood ? `“${item.name}” saved. ${VERIFIED}.` : `“${item.name}”: ${item.detail.textContent}`,
      allGood ? 'success' : 'error',
    );
  } else if (allGood) {
    setStatus(`${plural(verified, 'file')} saved. ${VERIFIED}.`, 'success');
  } else {
    const changed =
      tampered === 1
        ? ' 1 file had been changed after it was sent and was not saved.'
        : tampered
          ? ` ${tampered} files had been changed after they were sent and were not saved.`
          : '';
    setStatus(
      `${verified} of ${plural(items.length, 'file')} saved and verified.${changed} See each file below.`,
      'error',
    );
  }
}

/**
 * @param {Share} share
 * @param {Item} item
 * @param {(item: Item) => Promise<Sink>} sinkFor
 * @returns {Promise<'verified' | 'tampered' | 'failed' | 'cancelled'>}
 */
async function downloadOne(share, item, sinkFor) {
  const sd = await wasm;
  // What this page computed over the bytes received, for the receipt, whether it matched or not.
  /** @type {string | null} */
  let computed = null;
  try {
    const outcome = await downloadInto(item, {
      name: item.name,
      logId: String(item.j),
      job: {
        sd,
        onContentId: (/** @type {string} */ contentId) => {
          computed = contentId;
        },
        shareId: share.id,
        ticket: share.ticket,
        fileSecret: item.fileSecret,
        file: item.file,
        manifest: share.manifest,
        size: item.size,
      },
      sink: () => sinkFor(item),
      verified: VERIFIED,
      idleState: 'idle',
    });
    // Not awaited: the next file starts at once, while the ticket is still fresh for both.
    if (computed !== null && (outcome === 'verified' || outcome === 'tampered')) {
      sendReceipt(share, item.j, computed);
    }
    return outcome;
  } catch (err) {
    showFailure(item, failureSentence(err, reloadAdvice));
    return 'failed';
  }
}

/**
 * Tells the server the content id this page computed for file `j` (POST .../receipt, with the
 * download's ticket). Best effort: a lost connection is tried once more, any other failure is
 * only noted in the console, and nothing the person sees changes either way. A file refused
 * before its content id reached the manifest check (a part that does not hash to what was
 * recorded, a chunk that does not open, a size other than its metadata's) has no receipt.
 * @param {Share} share
 * @param {number} j
 * @param {string} contentId 64 lower-case hex digits
 */
async function sendReceipt(share, j, contentId) {
  if (!/^[0-9a-f]{64}$/.test(contentId)) return;
  const send = () =>
    apiFetch(`/api/shares/${share.id}/files/${j}/receipt`, {
      method: 'POST',
      headers: { Authorization: `Sealdrop-Ticket ${share.ticket}` },
      json: { content_id: contentId },
    });
  try {
    try {
      await send();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 0)) throw err;
      await sleep(RECEIPT_RETRY_MS);
      await send();
    }
  } catch (err) {
    console.info(`file ${j}: no receipt (${err instanceof ApiError ? err.code : String(err)})`);
  }
}

/**
 * @param {Item} item
 * @param {string} sentence
 */
function showFailure(item, sentence) {
  showFailed(item, sentence);
  if (!busy) setStatus(`“${item.name}”: ${sentence}`, 'error');
}

/**
 * The ticket no longer opens the share's files, or the share is gone: decrypting again from the
 * link gets a new ticket, or says why not.
 * @param {ApiError} err
 */
function reloadAdvice(err) {
  return [401, 403, 410].includes(err.status)
    ? `${apiSentence(err)} Nothing was saved. Reload the page and decrypt the files again to continue.`
    : null;
}

/** @param {boolean} disabled */
function setButtonsDisabled(disabled) {
  downloadAll.disabled = disabled;
  for (const item of share?.items ?? []) {
    item.button.disabled = disabled || item.li.dataset.state === 'tampered';
  }
}
