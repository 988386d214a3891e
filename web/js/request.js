// The file request page, /r/<request id>#<public key>.<request secret> (format-v1.md, "File
// requests"): anyone with the link sends files to the staff member who made it, without an
// account. The public key rides in the link, so the server cannot swap it; every file gets a
// fresh file secret, sealed to that key. The sealing and uploading is js/upload-worker.js's.
//
// body data-state: loading; bad-link (the link is malformed or cut), not-found (no such request,
// or it was deleted: 404), wrong-token (the link's secret does not match the request: 403),
// expired (410, or past its expiry), full (no files or bytes left); idle (ready for files),
// working (sending), done (every file of the batch was sent), error (something failed: Try again
// sends the rest). Expired, not-found and wrong-token can also follow a batch that the server
// stopped half way; the rows and the receipt then stay on the page.
// Hooks: #file-input, #folder-input (its button #folder-button only where folders can be picked),
// #upload-button, #cancel, #fingerprint, file rows li[data-file="<name>"][data-state] with the
// states ready, waiting, uploading, sent, failed; the receipt's hooks are js/request-receipt.js's.
// Rows and progress are js/upload-rows.js's, dropped folders are read by js/drop-zone.js.
import { apiJson, ApiError, apiSentence, withRetry } from './api.js';
import { loadWasm } from './wasm.js';
import { byId, el, setStatus, setPageState, timeEl } from './dom.js';
import { formatSize, plural } from './format.js';
import { DEFAULT_LIMITS, fetchLimits } from './limits.js';
import { setupDropZone, splitDrop, walkFolder } from './drop-zone.js';
import { Uploader, guardUnload, isEditable, makeUploadRow } from './upload-rows.js';
import { addReceipt, receiptCount, saveReceipt } from './request-receipt.js';

/**
 * What the intake answer says, checked.
 * @typedef {{ fromName: string, fromEmail: string, message: string, expiresAt: number,
 *   maxFiles: number, maxBytes: number, filesLeft: number, bytesLeft: number, state: string }} Intake
 */
/**
 * A file's row; a folder's files carry their path in its name, the name sealed with them.
 * @typedef {import('./upload-rows.js').UploadRow} Row
 */

// A drop of a thousand files too many would otherwise list a thousand sentences.
const MAX_REFUSALS_SHOWN = 10;
const WORKING = 'Encrypting and sending. Keep this tab open until every file shows Sent.';

const title = byId('title', HTMLElement);
const ask = byId('ask', HTMLElement);
const askFrom = byId('ask-from', HTMLElement);
const askMessageBox = byId('ask-message-box', HTMLElement);
const askMessage = byId('ask-message', HTMLElement);
const limitFiles = byId('limit-files', HTMLElement);
const limitBytes = byId('limit-bytes', HTMLElement);
const limitUntil = byId('limit-until', HTMLElement);
const pick = byId('pick', HTMLElement);
const dropZone = byId('drop-zone', HTMLElement);
const chooseButton = byId('choose-button', HTMLButtonElement);
const folderButton = byId('folder-button', HTMLButtonElement);
const fileInput = byId('file-input', HTMLInputElement);
const folderInput = byId('folder-input', HTMLInputElement);
const limitsHint = byId('limits-hint', HTMLElement);
const refusedList = byId('refused', HTMLUListElement);
const filesSection = byId('files', HTMLElement);
const fileList = byId('file-list', HTMLUListElement);
const uploadButton = byId('upload-button', HTMLButtonElement);
const cancelButton = byId('cancel', HTMLButtonElement);
const receiptHeading = byId('receipt-heading', HTMLElement);
const saveReceiptButton = byId('save-receipt', HTMLButtonElement);
const moreButton = byId('more-button', HTMLButtonElement);
const fingerprintNote = byId('fingerprint-note', HTMLElement);
const fingerprintEl = byId('fingerprint', HTMLElement);

let limits = DEFAULT_LIMITS;
/** @type {{ id: string, publicKey: string, requestSecret: string, token: string } | null} */
let link = null;
/** @type {Intake | null} */
let intake = null;
let fingerprint = '';
/** @type {Row[]} */
let rows = [];
/** @type {Row[]} the rows the running (or last) batch sends, by the worker's index */
let batch = [];
const uploader = new Uploader(cancelButton, {
  working: WORKING,
  lost: 'Connection lost. Sending resumes by itself when it is back; keep this tab open.',
  back: `Connection back. ${WORKING}`,
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
setupDropZone(dropZone, isEditable, addDropped);
uploadButton.addEventListener('click', startSend);
cancelButton.addEventListener('click', () => uploader.cancel());
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
  const path = /^\/r\/([A-Za-z0-9_-]{22})\/?$/.exec(location.pathname);
  // Two 32-byte keys: 43 base64url characters each, joined by a dot.
  const fragment = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/.exec(location.hash.slice(1));
  if (!path || !fragment) return badLink();
  /** @type {typeof import('../pkg/sealdrop_wasm.js')} */
  let sd;
  try {
    sd = await loadWasm();
  } catch {
    return fail('The encryption module could not be loaded. Nothing was sent. Reload the page to try again.');
  }
  try {
    // Strict decoding: a link with a non-canonical character was changed on its way here.
    sd.b64Decode(path[1]);
    const pk = sd.b64Decode(fragment[1]);
    const rs = sd.b64Decode(fragment[2]);
    fingerprint = sd.fingerprint(pk);
    const ut = sd.requestUploadToken(rs);
    link = { id: path[1], publicKey: fragment[1], requestSecret: fragment[2], token: sd.b64Encode(ut) };
    rs.fill(0);
    ut.fill(0);
  } catch {
    return badLink();
  }
  loadLimits();
  try {
    intake = await fetchIntake();
  } catch (err) {
    return refuse(err);
  }
  showIntake();
}

/** @returns {Promise<Intake>} */
async function fetchIntake() {
  const got = await withRetry(() => apiJson(`/api/requests/${link?.id}/intake`, { headers: uploadAuth() }), {
    tries: 3,
  });
  return {
    fromName: String(got.from?.name ?? ''),
    fromEmail: String(got.from?.email ?? ''),
    message: typeof got.message === 'string' ? got.message : '',
    expiresAt: Number(got.expires_at),
    maxFiles: Number(got.max_files),
    maxBytes: Number(got.max_bytes),
    filesLeft: Math.max(0, Number(got.files_left) || 0),
    bytesLeft: Math.max(0, Number(got.bytes_left) || 0),
    state: String(got.state),
  };
}

function uploadAuth() {
  return { Authorization: `Sealdrop-Upload ${link?.token}` };
}

async function loadLimits() {
  try {
    limits = (await fetchLimits()).limits;
  } catch {
    // The defaults stand; the server refuses a file that is too large when it is sent.
  }
  if (intake) showLimits();
}

/** The person who asked, for sentences: their name, else their address, else "the person who asked". */
function asker() {
  return intake?.fromName || intake?.fromEmail || 'the person who sent you the link';
}

function showIntake() {
  if (!intake) return;
  const name = intake.fromName || intake.fromEmail;
  title.textContent = name ? `Send files to ${name}` : 'Send files';
  askFrom.replaceChildren();
  if (name) {
    askFrom.append(el('strong', { text: name }));
    if (intake.fromName && intake.fromEmail) askFrom.append(` (${intake.fromEmail})`);
    askFrom.append(' asks you for files.');
  } else {
    askFrom.textContent = 'Someone asks you for files.';
  }
  askMessage.textContent = intake.message;
  askMessageBox.hidden = intake.message.trim() === '';
  ask.hidden = false;
  fingerprintEl.textContent = fingerprint;
  fingerprintNote.hidden = false;
  showLimits();
  const state = closedState();
  if (state) return closed(state);
  setPageState('idle');
  render();
  setStatus('Choose the files to send, or drop them on the box below.');
}

/** Whether the request takes no more files: 'expired', 'full' or null. */
function closedState() {
  if (!intake) return null;
  if (intake.state === 'expired' || intake.expiresAt <= Date.now()) return 'expired';
  if (intake.state === 'full' || intake.filesLeft <= 0 || intake.bytesLeft <= 0) return 'full';
  return null;
}

function showLimits() {
  if (!intake) return;
  const { filesLeft, bytesLeft, maxFiles, maxBytes } = intake;
  limitFiles.textContent =
    filesLeft === maxFiles ? `Up to ${plural(maxFiles, 'file')}` : `${plural(filesLeft, 'more file')} (of ${maxFiles})`;
  limitBytes.textContent =
    bytesLeft === maxBytes
      ? `${formatSize(maxBytes)} in all`
      : `${formatSize(bytesLeft)} more (of ${formatSize(maxBytes)})`;
  limitUntil.replaceChildren(
    ...(Number.isFinite(intake.expiresAt) && intake.expiresAt > 0
      ? [intake.expiresAt > Date.now() ? 'Closes ' : 'Closed ', timeEl(intake.expiresAt)]
      : []),
  );
  limitsHint.textContent = `Each file can be up to ${formatSize(Math.min(limits.max_file_bytes, bytesLeft))}.`;
}

/**
 * A request that takes no more files (at load, or after a batch).
 * @param {'expired' | 'full'} state
 */
function closed(state) {
  setPageState(state);
  render();
  setStatus(
    state === 'expired'
      ? `This request has expired, so no more files can be sent with this link. ${receiptCount() ? 'The files listed in the receipt were delivered. ' : 'Nothing was sent. '}Ask ${asker()} for a new link if you still need to send files.`
      : `This request has received all the files it allows, so no more can be sent. ${receiptCount() ? 'The files listed in the receipt were delivered. ' : 'Files sent earlier were delivered. '}If you have more to send, ask ${asker()} for a new link.`,
    receiptCount() ? 'info' : 'error',
  );
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
  if (status === 404 || code === 'not_found') {
    setPageState('not-found');
    setStatus(
      `No request with this link exists: it may have been mistyped, or the person who asked deleted it.${sent} Ask them for a new link.`,
      'error',
    );
  } else if (status === 403 || code === 'wrong_upload_token') {
    setPageState('wrong-token');
    setStatus(
      `This link’s key does not match the request: part of it was changed or cut off on its way to you.${sent} Ask the person who sent it for the whole link again.`,
      'error',
    );
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

/**
 * Files as they are; a folder's files named by their path in it.
 * @param {DataTransfer} data
 */
function addDropped(data) {
  const { files, folders } = splitDrop(data);
  if (folders.length === 0) return addFiles(files);
  setStatus('Reading the folder…');
  Promise.all(folders.map((dir) => walkFolder(dir)))
    .then((found) => addFiles([...files, ...found.flat()]))
    .catch(() => {
      addFiles(files);
      setStatus('A dropped folder could not be read. Choose its files with Choose files instead.', 'error');
    });
}

/** Rows that are still to be sent. */
function unsent() {
  return rows.filter((r) => r.li.dataset.state !== 'sent');
}

/** @param {{ file: File, name: string }[]} chosen */
function addFiles(chosen) {
  if (!isEditable() || !intake) return;
  refusedList.replaceChildren();
  /** @type {string[]} */
  const refused = [];
  const queued = unsent();
  let count = queued.length;
  let bytes = queued.reduce((sum, r) => sum + r.file.size, 0);
  const maxFile = Math.min(limits.max_file_bytes, intake.bytesLeft);
  for (const { file, name } of chosen) {
    if (file.size > maxFile) {
      refused.push(
        `“${name}” was not added: it is ${formatSize(file.size)}, and files can be at most ${formatSize(maxFile)} here.`,
      );
    } else if (count >= intake.filesLeft) {
      refused.push(`“${name}” was not added: this request takes ${plural(intake.filesLeft, 'more file')}.`);
    } else if (bytes + file.size > intake.bytesLeft) {
      refused.push(
        `“${name}” was not added: with it, the files would come to more than the ${formatSize(intake.bytesLeft)} this request still takes.`,
      );
    } else {
      rows.push(makeRow(file, name));
      count++;
      bytes += file.size;
    }
  }
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
  const editable = isEditable();
  const queued = unsent();
  fileList.replaceChildren(...rows.map((r) => r.li));
  for (const r of rows) r.remove.hidden = !editable || r.li.dataset.state === 'sent';
  pick.hidden = !editable;
  filesSection.hidden = rows.length === 0;
  uploadButton.hidden = !editable;
  uploadButton.disabled = queued.length === 0;
  uploadButton.textContent =
    state === 'error' && queued.some((r) => r.li.dataset.state === 'failed') ? 'Try again' : 'Send files';
  cancelButton.hidden = !working;
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
    request: { id: link.id, publicKey: link.publicKey, requestSecret: link.requestSecret },
  });
  render();
}

/**
 * What the request page adds to the rows' progress (js/upload-rows.js).
 * @param {any} msg
 */
function onWorkerMessage(msg) {
  switch (msg?.type) {
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
      finish(Number(msg.failed) || 0);
      break;
    case 'cancelled': {
      for (const r of batch) if (r.li.dataset.state !== 'sent') resetRow(r);
      setPageState('idle');
      render();
      const sent = batch.filter((r) => r.li.dataset.state === 'sent').length;
      setStatus(
        sent
          ? `Sending cancelled. ${plural(sent, 'file')} had already been delivered (see the receipt); the unfinished one was deleted.`
          : 'Sending cancelled. Nothing was sent, and the partial upload was deleted.',
      );
      uploadButton.focus();
      break;
    }
    case 'error':
      for (const r of batch) {
        if (r.li.dataset.state === 'waiting' || r.li.dataset.state === 'uploading') {
          r.li.dataset.state = 'failed';
          r.bar.hidden = true;
          r.detail.textContent = 'Not sent';
        }
      }
      if (['not_found', 'wrong_upload_token', 'request_expired'].includes(msg.code)) {
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
    intake = await fetchIntake();
  } catch {
    // The counts kept here stand.
  }
  const nowClosed = closedState();
  if (failed && nowClosed) return closed(nowClosed);
  setPageState(failed ? 'error' : 'done');
  render();
  showLimits();
  if (failed) {
    setStatus(
      sent === 0
        ? `${failed === 1 ? 'The file was not sent' : 'None of the files were sent'}: see why in the list above.`
        : `${sent} of ${plural(batch.length, 'file')} sent; ${failed} not: see why in the list above. The others were delivered.`,
      'error',
    );
    return;
  }
  const full = nowClosed === 'full' ? ' The request is now full: it takes no more files.' : '';
  const ended = nowClosed === 'expired' ? ' The request has now closed.' : '';
  setStatus(
    `${plural(sent, 'file')} sent to ${asker()}, encrypted so that only they can open ${sent === 1 ? 'it' : 'them'}. Your receipt is below.${full}${ended}`,
    'success',
  );
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
