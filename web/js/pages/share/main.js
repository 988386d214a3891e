// The share page (staff, signed in): pick files and options, hand them to the upload worker
// (with the session's CSRF token; rows and progress are js/ui/upload-rows.js's), show the link; the
// share is then listed in "My shares".
//
// When the organisation's policy lets only administrators share (the session's may_share), the
// page says so in one sentence and offers nothing to start a share with; a policy changed while
// the page was open comes back from the server as 403 policy_forbids, whose sentence the status
// line then shows, with the chosen files and options left as they were.
//
// An upload cut off (a lost connection, a server restart, a closed tab) is kept in this browser
// (js/upload/state.js) and resumes: after the worker's last retry the page is paused and #resume-now
// resumes it with the same files; after a reload #resume offers it (js/ui/upload-offer.js) until the
// same files are chosen again or it is discarded, and no new share starts meanwhile.
//
// body data-state: loading (the session is being checked), idle (also while #resume is offered),
// working, paused, done, error, not-allowed (the policy does not let this account share).
import { apiSentence, withRetry } from '../../lib/api.js';
import { formatSize, plural } from '../../lib/format.js';
import { byId, el, setStatus, setPageState, timeEl } from '../../lib/dom.js';
import { copyLink } from '../../lib/forms.js';
import { DEFAULT_LIMITS, fetchLimits } from '../../lib/limits.js';
import { setupDropZone } from '../../ui/drop-zone.js';
import { Uploader, guardUnload, isEditable, makeUploadRow, showSent } from '../../ui/upload-rows.js';
import { ResumeOffer, findInterrupted } from '../../ui/upload-offer.js';
import { wipeBatch } from '../../upload/state.js';
import { setPolicy, onOptionsChange, readOptions, focusProblem, clearPassword } from './options.js';
import { requireSession, renderNav } from '../../lib/session.js';

/** @typedef {import('../../ui/upload-rows.js').UploadRow} Row */

const WORKING = 'Encrypting and uploading. Keep this tab open until the link appears.';

const notAllowed = byId('not-allowed', HTMLElement);
const pick = byId('pick', HTMLElement);
const dropZone = byId('drop-zone', HTMLElement);
const chooseButton = byId('choose-button', HTMLButtonElement);
const fileInput = byId('file-input', HTMLInputElement);
const limitsHint = byId('limits-hint', HTMLElement);
const refusedList = byId('refused', HTMLUListElement);
const filesSection = byId('files', HTMLElement);
const fileList = byId('file-list', HTMLUListElement);
const shareButton = byId('share-button', HTMLButtonElement);
const cancelButton = byId('cancel-button', HTMLButtonElement);
const resumeNowButton = byId('resume-now', HTMLButtonElement);
const result = byId('result', HTMLElement);
const resultHeading = byId('result-heading', HTMLElement);
const linkField = byId('share-link', HTMLInputElement);
const copyButton = byId('copy-button', HTMLButtonElement);
const againButton = byId('again-button', HTMLButtonElement);
const shareExpires = byId('share-expires', HTMLElement);
const shareLimit = byId('share-limit', HTMLElement);
const resultLede = byId('result-lede', HTMLElement);
const passwordReminder = byId('password-reminder', HTMLElement);

let limits = DEFAULT_LIMITS;
/** @type {Row[]} */
let rows = [];
// Set while the worker derives the password's key, so the status goes back to WORKING after.
let protecting = false;
/** @type {string | null} the password of the share on its way, for one that must start again */
let password = null;
const offer = new ResumeOffer({
  onFiles: resumeOffered,
  onDiscarded: () => {
    render();
    setStatus(`The interrupted upload was discarded. ${readySummary()}`);
    chooseButton.focus();
    offerInterrupted();
  },
});
const uploader = new Uploader(cancelButton, {
  working: WORKING,
  lost: 'Connection lost. The upload resumes by itself when it is back; keep this tab open.',
  back: 'Connection back. Encrypting and uploading; keep this tab open until the link appears.',
  unkept:
    'This browser no longer holds the interrupted upload, so it cannot be resumed. Nothing was shared; choose Share to send the files again.',
  onLoadError: () =>
    fail(
      'The encryption module could not be loaded. Nothing was shared; your files are unchanged. Reload the page and try again.',
    ),
  onMessage: onWorkerMessage,
});

// The limits (the organisation's policy within the server's own) load while the session is
// checked; the drop zone shows once both are known, so that its hints and expiries are the policy's.
const limitsLoaded = loadLimits();
// Staff only: nothing below runs before the session is known (the CSRF token goes to the worker).
// Looked up meanwhile, so that the drop zone does not show for a moment before the offer.
const interrupted = findInterrupted('share');
const session = await start(limitsLoaded);
onOptionsChange(render);
showInterrupted(await interrupted);
render();
chooseButton.addEventListener('click', () => fileInput.click());
fileInput.addEventListener('change', () => {
  addFiles(Array.from(fileInput.files ?? []), []);
  // Lets the same file be chosen again after it was removed.
  fileInput.value = '';
});
setupDropZone(dropZone, isEditable, addDropped);
shareButton.addEventListener('click', startShare);
cancelButton.addEventListener('click', () => uploader.cancel());
resumeNowButton.addEventListener('click', () => {
  if (document.body.dataset.state !== 'paused') return;
  showWorking();
  uploader.resumePaused(rows, { kind: 'share', password, csrf: session.csrf });
});
copyButton.addEventListener('click', () => copyLink(linkField, copyButton));
againButton.addEventListener('click', reset);
guardUnload();

/**
 * Signed in and allowed to share; otherwise the promise never resolves, and the page is on its
 * way to the sign-in page or says why nothing can be shared here.
 * @param {Promise<void>} limitsLoaded settles once the limits are applied (or the defaults stand)
 * @returns {Promise<import('../../lib/session.js').Session>}
 */
async function start(limitsLoaded) {
  /** @type {import('../../lib/session.js').Session} */
  let got;
  try {
    got = await requireSession();
  } catch (err) {
    setPageState('error');
    setStatus(`${apiSentence(err)} Nothing was shared. Reload the page to try again.`, 'error');
    return new Promise(() => {});
  }
  renderNav(got.account, 'share');
  if (!got.may_share) {
    pick.hidden = true;
    filesSection.hidden = true;
    notAllowed.hidden = false;
    setPageState('not-allowed');
    return new Promise(() => {});
  }
  await limitsLoaded;
  pick.hidden = false;
  setPageState('idle');
  return got;
}

/** Applies /api/limits to the options and the hint under the drop zone; never rejects. */
async function loadLimits() {
  try {
    const got = await withRetry(() => fetchLimits(), { tries: 2 });
    limits = got.limits;
    setPolicy({
      capSeconds: limits.max_expiry_seconds,
      maxDownloads: limits.max_download_limit,
      clockOffsetMs: got.clockOffsetMs,
    });
  } catch {
    // The defaults stand; the server enforces its own limits when the share is created.
  }
  limitsHint.textContent = `Up to ${plural(limits.max_files, 'file')}, each up to ${formatSize(limits.max_file_bytes)}.`;
}

/**
 * A share takes files, not folders: a dropped folder is named and left out.
 * @param {DataTransfer} data
 */
function addDropped(data) {
  /** @type {File[]} */
  const dropped = [];
  /** @type {string[]} */
  const folders = [];
  const items = Array.from(data.items ?? []);
  const entries = items.map((item) => (item.kind === 'file' ? item.webkitGetAsEntry?.() : null));
  Array.from(data.files).forEach((file, i) => {
    if (entries[i]?.isDirectory) folders.push(file.name);
    else dropped.push(file);
  });
  addFiles(dropped, folders);
}

/**
 * @param {File[]} chosen
 * @param {string[]} folders names of dropped folders, which cannot be sent as they are
 */
function addFiles(chosen, folders) {
  if (!isEditable() || offer.batch) return;
  refusedList.replaceChildren();
  /** @type {string[]} */
  const refused = folders.map(
    (name) => `“${name}” is a folder and was not added. Open it and choose the files inside.`,
  );
  for (const file of chosen) {
    if (file.size > limits.max_file_bytes) {
      refused.push(
        `“${file.name}” was not added: it is ${formatSize(file.size)}, and files can be at most ${formatSize(limits.max_file_bytes)}.`,
      );
    } else if (rows.length >= limits.max_files) {
      refused.push(`“${file.name}” was not added: a share can hold at most ${plural(limits.max_files, 'file')}.`);
    } else {
      rows.push(makeRow(file));
    }
  }
  for (const sentence of refused) refusedList.append(el('li', { text: sentence }));
  refusedList.hidden = refused.length === 0;
  render();
  const summary = readySummary();
  setStatus(
    refused.length ? `${summary} ${plural(refused.length, 'file')} could not be added; see the list above.` : summary,
  );
}

/** @param {File} file */
function makeRow(file) {
  return makeUploadRow(file, file.name, {}, removeRow);
}

/** @param {Row} row */
function removeRow(row) {
  const index = rows.indexOf(row);
  rows = rows.filter((r) => r !== row);
  render();
  setStatus(`“${row.file.name}” removed. ${readySummary()}`);
  // Keeps keyboard focus in the list instead of dropping it to the top of the page.
  const next = rows[Math.min(index, rows.length - 1)];
  (next ? next.remove : chooseButton).focus();
}

function readySummary() {
  if (rows.length === 0) return 'No files chosen yet.';
  const bytes = rows.reduce((sum, r) => sum + r.file.size, 0);
  return `${plural(rows.length, 'file')} ready to share (${formatSize(bytes)}).`;
}

/** Shows what the current state and file list call for. */
function render() {
  const state = document.body.dataset.state;
  const working = state === 'working';
  const paused = state === 'paused';
  const done = state === 'done';
  fileList.replaceChildren(...rows.map((r) => r.li));
  for (const r of rows) r.remove.hidden = working || paused || done;
  pick.hidden = working || paused || done || offer.batch !== null;
  filesSection.hidden = rows.length === 0;
  shareButton.hidden = working || paused || done;
  shareButton.disabled = rows.length === 0 || readOptions().error !== null;
  shareButton.textContent = state === 'error' ? 'Try again' : 'Share';
  resumeNowButton.hidden = !paused;
  cancelButton.hidden = !(working || paused);
  result.hidden = !done;
}

function startShare() {
  if (rows.length === 0 || !isEditable()) return;
  // Checked again here: a custom expiry that was fine when typed may have passed since.
  const chosen = readOptions();
  if (chosen.error !== null) {
    setStatus(`${chosen.error} Nothing was shared yet.`, 'error');
    render();
    focusProblem(chosen.field);
    return;
  }
  setPageState('working');
  refusedList.hidden = true;
  protecting = false;
  password = chosen.options.password;
  uploader.start(rows, {
    type: 'start',
    kind: 'share',
    files: rows.map((r) => r.file),
    log2Chunk: limits.log2_chunk,
    options: chosen.options,
    csrf: session.csrf,
  });
  render();
}

/**
 * What the share page adds to the rows' progress (js/ui/upload-rows.js).
 * @param {import('../../upload/protocol.js').FromWorker} msg
 */
function onWorkerMessage(msg) {
  switch (msg.type) {
    case 'protecting':
      protecting = true;
      setStatus('Protecting the share with the password… This takes a second or two.');
      break;
    case 'created':
      if (protecting) setStatus(WORKING);
      protecting = false;
      break;
    case 'done':
      // A share's (js/upload/protocol.js ShareDone), with its link.
      if ('link' in msg) finish(msg);
      break;
    case 'cancelled':
      for (const r of rows) resetRow(r);
      password = null;
      setPageState('idle');
      render();
      setStatus('Upload cancelled. Nothing was shared, and the partial upload was deleted.');
      shareButton.focus();
      break;
    case 'paused':
      setPageState('paused');
      render();
      setStatus(String(msg.message), 'error');
      resumeNowButton.focus();
      break;
    case 'error':
      fail(msg.message);
      break;
  }
}

/** Offers an upload of this browser that was cut off, if there is one. */
async function offerInterrupted() {
  showInterrupted(await findInterrupted('share'));
}

/** @param {import('../../upload/state.js').Batch | null} batch */
function showInterrupted(batch) {
  if (!batch || document.body.dataset.state !== 'idle' || rows.length > 0 || offer.batch) return wipeBatch(batch);
  offer.show(batch);
  render();
  setStatus('An upload was interrupted. Choose the same files again to continue it, or discard it.');
}

/**
 * The same files were chosen again: the rows are the batch's, as far as it got.
 * @param {import('../../upload/state.js').Batch} batch
 * @param {(File | null)[]} files
 */
function resumeOffered(batch, files) {
  if (batch.kind !== 'share') return;
  rows = files.map((file) => makeRow(/** @type {File} */ (file)));
  batch.files.forEach((f, j) => f.complete && showSent(rows[j]));
  password = null;
  showWorking();
  uploader.resume(rows, batch, { kind: 'share', password, csrf: session.csrf });
}

/** The page while a batch goes up (again). */
function showWorking() {
  setPageState('working');
  refusedList.hidden = true;
  protecting = false;
  render();
  cancelButton.disabled = false;
  cancelButton.focus();
}

/** @param {import('../../upload/protocol.js').ShareDone} done */
function finish(done) {
  setPageState('done');
  linkField.value = done.link;
  copyButton.textContent = 'Copy';
  shareExpires.replaceChildren('Expires ', timeEl(done.expiresAt));
  shareLimit.textContent =
    done.maxDownloads === null ? 'Unlimited downloads until then' : plural(done.maxDownloads, 'download');
  passwordReminder.hidden = !done.password;
  password = null;
  resultLede.textContent = done.password
    ? 'Anyone with this link and the password can download the files. Send the link to the people who should have them.'
    : 'Anyone with this link can download the files. Send it to the people who should have them.';
  clearPassword();
  render();
  setStatus(`${plural(rows.length, 'file')} shared. Copy the link below and send it.`, 'success');
  resultHeading.focus();
}

/** @param {string} message */
function fail(message) {
  for (const r of rows) {
    if (r.li.dataset.state !== 'sent') r.detail.textContent = 'Not sent';
  }
  setPageState('error');
  render();
  setStatus(message, 'error');
}

/** @param {Row} r */
function resetRow(r) {
  delete r.li.dataset.state;
  r.bar.hidden = true;
  r.detail.textContent = '';
}

function reset() {
  uploader.stop();
  rows = [];
  linkField.value = '';
  shareExpires.replaceChildren();
  shareLimit.textContent = '';
  passwordReminder.hidden = true;
  refusedList.replaceChildren();
  refusedList.hidden = true;
  uploader.hideTotal();
  setPageState('idle');
  render();
  setStatus('Ready for new files.');
  chooseButton.focus();
  offerInterrupted();
}
