// The file request page, /r/<request id>#<public key>.<request secret> (format-v1.md, "File
// requests"): anyone with the link sends files to the staff member who made it, without an
// account. The public key rides in the link, so the server cannot swap it; every file gets a
// fresh file secret, sealed to that key. The sealing and uploading is js/upload/worker.js's.
//
// body data-state: loading; bad-link (the link is malformed or cut), not-found (no such request,
// or it was deleted: 404), wrong-token (the link's secret does not match the request: 403),
// expired (410, or past its expiry), full (no files or bytes left); idle (ready for files),
// working (sending), paused (the last retry failed: the batch is kept, and #resume-now resumes it
// with the same files), done (every file of the batch was sent), error (something failed: Try
// again sends the rest). Expired, not-found and wrong-token can also follow a batch that the
// server stopped half way; the rows and the receipt then stay on the page.
// A batch cut off (a lost connection, a closed tab) is kept in this browser (js/upload/state.js):
// on the next visit #resume offers it (js/ui/upload-offer.js) until the same files are chosen again
// or it is discarded; body data-state is then idle, and no new files are taken meanwhile.
// Hooks: #file-input, #folder-input (its button #folder-button only where folders can be picked),
// #upload-button, #cancel, #resume-now, #fingerprint, file rows li[data-file="<name>"][data-state]
// with the states ready, waiting, checking, uploading, paused, sent, failed; the receipt's hooks
// are js/pages/request/receipt.js's. Rows and progress are js/ui/upload-rows.js's, dropped folders are
// read by js/ui/drop-zone.js, the intake is shown by js/pages/request/intake.js.
import { ApiError, apiSentence } from '../../lib/api.js';
import { loadWasm } from '../../lib/wasm.js';
import { byId, el, setStatus, setPageState } from '../../lib/dom.js';
import { formatSize, plural } from '../../lib/format.js';
import { DEFAULT_LIMITS, fetchLimits } from '../../lib/limits.js';
import { readDrop, setupDropZone } from '../../ui/drop-zone.js';
import { Uploader, guardUnload, isEditable, makeUploadRow } from '../../ui/upload-rows.js';
import { addReceipt, receiptCount, saveReceipt } from './receipt.js';
import {
  batchSentence,
  cancelledSentence,
  closedSentence,
  closedState,
  fetchIntake,
  fitFiles,
  linkParts,
  openLink,
  refusedSentence,
  showIntake,
  showLimits,
} from './intake.js';
import { ResumeOffer, deliveredOf, discardBatch, findInterrupted, keepUnfinished } from '../../ui/upload-offer.js';
import { deleteBatch, wipeBatch } from '../../upload/state.js';

/** @typedef {import('./intake.js').Intake} Intake */
/** @typedef {import('../../upload/state.js').Batch} Batch */
/**
 * A file's row; a folder's files carry their path in its name, the name sealed with them.
 * @typedef {import('../../ui/upload-rows.js').UploadRow} Row
 */

// A drop of a thousand files too many would otherwise list a thousand sentences.
const MAX_REFUSALS_SHOWN = 10;
const WORKING = 'Encrypting and sending. Keep this tab open until every file shows Sent.';

const pick = byId('pick', HTMLElement);
const dropZone = byId('drop-zone', HTMLElement);
const chooseButton = byId('choose-button', HTMLButtonElement);
const folderButton = byId('folder-button', HTMLButtonElement);
const fileInput = byId('file-input', HTMLInputElement);
const folderInput = byId('folder-input', HTMLInputElement);
const refusedList = byId('refused', HTMLUListElement);
const filesSection = byId('files', HTMLElement);
const fileList = byId('file-list', HTMLUListElement);
const uploadButton = byId('upload-button', HTMLButtonElement);
const cancelButton = byId('cancel', HTMLButtonElement);
const resumeNowButton = byId('resume-now', HTMLButtonElement);
const receiptHeading = byId('receipt-heading', HTMLElement);
const saveReceiptButton = byId('save-receipt', HTMLButtonElement);
const moreButton = byId('more-button', HTMLButtonElement);

let limits = DEFAULT_LIMITS;
/** The server's clock minus this one's, as far as known (js/lib/limits.js). */
let clockOffsetMs = 0;
/** @type {{ id: string, publicKey: string, requestSecret: string, token: string } | null} */
let link = null;
/** @type {Intake | null} */
let intake = null;
let fingerprint = '';
/** @type {Row[]} */
let rows = [];
/** @type {Row[]} the rows the running (or last) batch sends, by the worker's index */
let batch = [];
const offer = new ResumeOffer({
  onFiles: resumeOffered,
  onDiscarded: async () => {
    // The discarded file no longer counts against what the request takes.
    intake = await fetchIntake(link?.id ?? '', uploadAuth()).catch(() => intake);
    if (intake) showLimits(intake, limits.max_file_bytes);
    const state = closedState(intake);
    if (state) return closed(state);
    render();
    setStatus('The interrupted upload was discarded. Choose the files to send, or drop them on the box below.');
    chooseButton.focus();
  },
  uploadAuth,
});
const uploader = new Uploader(cancelButton, {
  working: WORKING,
  lost: 'Connection lost. Sending resumes by itself when it is back; keep this tab open.',
  back: `Connection back. ${WORKING}`,
  unkept:
    'This browser no longer holds the interrupted upload, so it cannot be resumed. Files marked Sent were delivered; choose Try again to send the rest.',
  uploadAuth,
  onLoadError: () =>
    fail(
      'The encryption module could not be loaded. Nothing was sent; your files are unchanged. Reload the page and try again.',
    ),
  onMessage: onWorkerMessage,
});

const canPickFolders = 'webkitdirectory' in folderInput;
if (canPickFolders) {
  folderInput.webkitdirectory = true;
  folderButton.hidden = false;
}
chooseButton.addEventListener('click', () => fileInput.click());
folderButton.addEventListener('click', () => folderInput.click());
for (const input of [fileInput, folderInput]) {
  input.addEventListener('change', () => {
    const files = Array.from(input.files ?? []);
    addFiles(files.map((file) => ({ file, name: file.webkitRelativePath || file.name })));
    // Lets the same files be chosen again after they were removed.
    input.value = '';
  });
}
// Files as they are; a folder's files named by their path in it.
setupDropZone(dropZone, isEditable, (data) => readDrop(data, addFiles));
uploadButton.addEventListener('click', startSend);
cancelButton.addEventListener('click', () => uploader.cancel());
resumeNowButton.addEventListener('click', () => {
  if (document.body.dataset.state !== 'paused') return;
  showWorking();
  uploader.resumePaused(batch, { kind: 'request', request: workerLink() });
});
saveReceiptButton.addEventListener('click', () =>
  saveReceipt({
    to: [intake?.fromName, intake?.fromEmail ? `<${intake.fromEmail}>` : ''].filter(Boolean).join(' '),
    requestId: link?.id ?? '',
    fingerprint,
  }),
);
moreButton.addEventListener('click', sendMore);
guardUnload();
main();

async function main() {
  const parts = linkParts(location);
  if (!parts) return badLink();
  /** @type {typeof import('../../../pkg/sealdrop_wasm.js')} */
  let sd;
  try {
    sd = await loadWasm();
  } catch {
    return fail('The encryption module could not be loaded. Nothing was sent. Reload the page to try again.');
  }
  try {
    ({ link, fingerprint } = openLink(sd, parts));
  } catch {
    return badLink();
  }
  loadLimits();
  const interrupted = findInterrupted('request', link.id);
  try {
    intake = await fetchIntake(link.id, uploadAuth());
  } catch (err) {
    // A request that no longer exists takes nothing more: what this browser kept of it goes.
    const gone = err instanceof ApiError && err.status === 404;
    const kept = await interrupted;
    if (gone && kept) await deleteBatch(kept.key).catch(() => {});
    wipeBatch(kept);
    return refuse(err);
  }
  showIntake(intake, fingerprint, limits.max_file_bytes);
  const kept = await interrupted;
  if (kept?.kind === 'request') {
    // Delivered already, whatever happens to the rest.
    for (const r of deliveredOf(kept)) addReceipt(r.name, r.size, r.contentId, r.at);
    if (closedState(intake) !== 'expired') {
      offer.show(kept);
      setPageState('idle');
      render();
      setStatus('Sending files was interrupted. Choose the same files again to continue, or discard them.');
      return;
    }
    // An expired request takes no more parts: the unfinished files go.
    await discardBatch(kept, uploadAuth());
  }
  const state = closedState(intake);
  if (state) return closed(state);
  setPageState('idle');
  render();
  setStatus('Choose the files to send, or drop them on the box below.');
}

function uploadAuth() {
  return { Authorization: `Sealdrop-Upload ${link?.token}` };
}

async function loadLimits() {
  try {
    ({ limits, clockOffsetMs } = await fetchLimits());
  } catch {
    // The defaults stand; the server refuses a file that is too large when it is sent.
  }
  if (intake) showLimits(intake, limits.max_file_bytes);
}

/**
 * A request that takes no more files (at load, or after a batch).
 * @param {'expired' | 'full'} state
 */
function closed(state) {
  setPageState(state);
  render();
  setStatus(closedSentence(state, intake, receiptCount() > 0), receiptCount() ? 'info' : 'error');
}

function badLink() {
  setPageState('bad-link');
  setStatus(
    'This link is incomplete or damaged, so files cannot be sent with it. Nothing was sent. Ask the person who sent it to you for the whole link again.',
    'error',
  );
}

/** @param {unknown} err why the intake (or a batch) was refused */
function refuse(err) {
  const sent = receiptCount() ? ' The files listed in the receipt were delivered.' : ' Nothing was sent.';
  const code = err instanceof ApiError ? err.code : null;
  const status = err instanceof ApiError ? err.status : 0;
  if (status === 404 || code === 'not_found' || status === 403 || code === 'wrong_upload_token') {
    const state = status === 404 || code === 'not_found' ? 'not-found' : 'wrong-token';
    setPageState(state);
    setStatus(refusedSentence(state, sent), 'error');
  } else if (status === 410 || code === 'request_expired') {
    if (intake) intake.state = 'expired';
    return closed('expired');
  } else if (status === 401 || status === 400) {
    return badLink();
  } else {
    return fail(`${apiSentence(err)}${sent} Check your connection and reload the page.`);
  }
  render();
}

/** @param {string} message */
function fail(message) {
  setPageState('error');
  render();
  setStatus(message, 'error');
}

/** Rows that are still to be sent. */
function unsent() {
  return rows.filter((r) => r.li.dataset.state !== 'sent');
}

/** @param {{ file: File, name: string }[]} chosen */
function addFiles(chosen) {
  if (!isEditable() || !intake || offer.batch) return;
  refusedList.replaceChildren();
  const { fit, refused } = fitFiles(chosen, unsent(), intake, limits.max_file_bytes);
  rows.push(...fit.map(({ file, name }) => makeRow(file, name)));
  const shown = refused.slice(0, MAX_REFUSALS_SHOWN);
  if (refused.length > shown.length) shown.push(`And ${plural(refused.length - shown.length, 'more file')}.`);
  for (const sentence of shown) refusedList.append(el('li', { text: sentence }));
  refusedList.hidden = refused.length === 0;
  render();
  const summary = readySummary();
  setStatus(
    refused.length ? `${summary} ${plural(refused.length, 'file')} could not be added; see the list above.` : summary,
  );
}

/**
 * @param {File} file
 * @param {string} name
 * @returns {Row}
 */
function makeRow(file, name) {
  return makeUploadRow(file, name, { 'data-file': name, 'data-state': 'ready' }, removeRow);
}

/** @param {Row} row */
function removeRow(row) {
  const index = rows.indexOf(row);
  rows = rows.filter((r) => r !== row);
  render();
  setStatus(`“${row.name}” removed. ${readySummary()}`);
  // Keeps keyboard focus in the list: on the next row that can still be removed.
  const next = rows.slice(index).find((r) => !r.remove.hidden) ?? rows.find((r) => !r.remove.hidden);
  (next ? next.remove : chooseButton).focus();
}

function readySummary() {
  const queued = unsent();
  if (queued.length === 0) return 'No files chosen yet.';
  const bytes = queued.reduce((sum, r) => sum + r.file.size, 0);
  return `${plural(queued.length, 'file')} ready to send (${formatSize(bytes)}).`;
}

/** Shows what the current state and file list call for. */
function render() {
  const state = document.body.dataset.state ?? '';
  const working = state === 'working';
  const paused = state === 'paused';
  const editable = isEditable() && !offer.batch;
  const queued = unsent();
  fileList.replaceChildren(...rows.map((r) => r.li));
  for (const r of rows) r.remove.hidden = !editable || r.li.dataset.state === 'sent';
  pick.hidden = !editable;
  filesSection.hidden = rows.length === 0;
  uploadButton.hidden = !editable;
  uploadButton.disabled = queued.length === 0;
  uploadButton.textContent =
    state === 'error' && queued.some((r) => r.li.dataset.state === 'failed') ? 'Try again' : 'Send files';
  cancelButton.hidden = !(working || paused);
  resumeNowButton.hidden = !paused;
  moreButton.hidden = state !== 'done';
}

function startSend() {
  if (!isEditable() || !link || !intake) return;
  batch = unsent();
  if (batch.length === 0) return;
  setPageState('working');
  refusedList.hidden = true;
  uploader.start(batch, {
    type: 'start',
    kind: 'request',
    files: batch.map((r) => r.file),
    names: batch.map((r) => r.name),
    log2Chunk: limits.log2_chunk,
    request: workerLink(),
  });
  render();
}

/**
 * The link's parts the worker needs, and the request's expiry on this browser's clock: the
 * batch's record in this browser goes then at the latest (js/upload/state.js).
 * @returns {import('../../upload/protocol.js').RequestLink}
 */
function workerLink() {
  // Files are sent, or a batch resumed, only once the link was read.
  const { id, publicKey, requestSecret } = /** @type {NonNullable<typeof link>} */ (link);
  const expiresAt = intake && Number.isFinite(intake.expiresAt) ? intake.expiresAt - clockOffsetMs : null;
  return { id, publicKey, requestSecret, expiresAt };
}

/**
 * What the request page adds to the rows' progress (js/ui/upload-rows.js).
 * @param {import('../../upload/protocol.js').FromWorker} msg
 */
function onWorkerMessage(msg) {
  switch (msg.type) {
    case 'file-done':
      fileSent(batch[msg.j], String(msg.contentId));
      break;
    case 'file-failed': {
      const r = batch[msg.j];
      r.li.dataset.state = 'failed';
      r.bar.hidden = true;
      r.detail.textContent = String(msg.message);
      break;
    }
    case 'done':
      // A request's (js/upload/protocol.js RequestDone): how many files the server refused.
      finish('failed' in msg ? Number(msg.failed) || 0 : 0);
      break;
    case 'cancelled': {
      for (const r of batch) if (r.li.dataset.state !== 'sent') resetRow(r);
      setPageState('idle');
      render();
      setStatus(cancelledSentence(batch.filter((r) => r.li.dataset.state === 'sent').length));
      uploadButton.focus();
      break;
    }
    case 'paused':
      setPageState('paused');
      render();
      setStatus(String(msg.message), 'error');
      resumeNowButton.focus();
      break;
    case 'error':
      for (const r of batch) {
        if (['waiting', 'checking', 'uploading'].includes(r.li.dataset.state ?? '')) {
          r.li.dataset.state = 'failed';
          r.bar.hidden = true;
          r.detail.textContent = 'Not sent';
        }
      }
      if (msg.code !== null && ['not_found', 'wrong_upload_token', 'request_expired'].includes(msg.code)) {
        refuse(new ApiError(0, msg.code, String(msg.message)));
      } else {
        fail(String(msg.message));
      }
      break;
  }
}

/**
 * A file the row already shows as sent: it counts against what the request takes, and goes on
 * the receipt.
 * @param {Row} r
 * @param {string} contentId
 */
function fileSent(r, contentId) {
  r.remove.hidden = true;
  if (intake) {
    intake.filesLeft = Math.max(0, intake.filesLeft - 1);
    intake.bytesLeft = Math.max(0, intake.bytesLeft - r.file.size);
  }
  addReceipt(r.name, r.file.size, contentId);
}

/** @param {number} failed files the server refused or that could not be read */
async function finish(failed) {
  const sent = batch.length - failed;
  // What the server now says is left: a request that filled up (or closed) takes nothing more.
  try {
    intake = await fetchIntake(link?.id ?? '', uploadAuth());
  } catch {
    // The counts kept here stand.
  }
  const nowClosed = closedState(intake);
  if (failed && nowClosed) return closed(nowClosed);
  setPageState(failed ? 'error' : 'done');
  render();
  if (intake) showLimits(intake, limits.max_file_bytes);
  setStatus(batchSentence(sent, failed, nowClosed, intake), failed ? 'error' : 'success');
  if (failed) return;
  moreButton.hidden = nowClosed !== null;
  receiptHeading.focus();
}

function sendMore() {
  rows = unsent();
  refusedList.replaceChildren();
  refusedList.hidden = true;
  uploader.hideTotal();
  setPageState('idle');
  render();
  setStatus('Ready for more files.');
  chooseButton.focus();
}

/** @param {Row} r */
function resetRow(r) {
  r.li.dataset.state = 'ready';
  r.bar.hidden = true;
  r.detail.textContent = '';
}

/**
 * The same files were chosen again for the batch offered: the rest goes on where it stopped.
 * @param {Batch} kept
 * @param {(File | null)[]} files
 */
function resumeOffered(kept, files) {
  rows = keepUnfinished(kept, files).map(({ file, name }) => makeRow(file, name));
  batch = rows;
  showWorking();
  uploader.resume(batch, kept, { kind: 'request', request: workerLink() });
}

/** The page while a batch goes up again. */
function showWorking() {
  setPageState('working');
  refusedList.hidden = true;
  render();
  cancelButton.disabled = false;
  cancelButton.focus();
}
