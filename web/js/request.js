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
// states ready, waiting, uploading, sent, failed; the receipt ul#receipt with one
// li[data-name="<name>"][data-content-id] per delivered file; #save-receipt.
import { apiJson, ApiError, apiSentence, withRetry } from './api.js';
import { loadWasm } from './wasm.js';
import { byId, el, setStatus, setPageState, timeEl } from './dom.js';
import { formatDateTime, formatSize, plural } from './format.js';
import { RateMeter, progressLine, setBar } from './progress.js';

/** @typedef {{ max_file_bytes: number, log2_chunk: number | null }} Limits */
/**
 * What the intake answer says, checked.
 * @typedef {{ fromName: string, fromEmail: string, message: string, expiresAt: number,
 *   maxFiles: number, maxBytes: number, filesLeft: number, bytesLeft: number, state: string }} Intake
 */
/**
 * @typedef {Object} Row
 * @property {File} file
 * @property {string} name the name sealed with it: a folder's files carry their path in it
 * @property {HTMLLIElement} li
 * @property {HTMLButtonElement} remove
 * @property {HTMLProgressElement} bar
 * @property {HTMLElement} detail
 * @property {RateMeter} meter
 * @property {number} payloadSize
 * @property {number} sent
 */
/** @typedef {{ name: string, size: number, contentId: string, at: number }} Receipt */

const DEFAULT_LIMITS = { max_file_bytes: 10 * 2 ** 30, log2_chunk: null };
const CANCEL_GRACE_MS = 10000;
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
const totalBox = byId('total', HTMLElement);
const totalBar = byId('total-bar', HTMLProgressElement);
const totalDetail = byId('total-detail', HTMLElement);
const uploadButton = byId('upload-button', HTMLButtonElement);
const cancelButton = byId('cancel', HTMLButtonElement);
const receiptSection = byId('receipt-section', HTMLElement);
const receiptHeading = byId('receipt-heading', HTMLElement);
const receiptList = byId('receipt', HTMLUListElement);
const saveReceiptButton = byId('save-receipt', HTMLButtonElement);
const moreButton = byId('more-button', HTMLButtonElement);
const fingerprintNote = byId('fingerprint-note', HTMLElement);
const fingerprintEl = byId('fingerprint', HTMLElement);

/** @type {Limits} */
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
/** @type {Receipt[]} */
const receipts = [];
/** @type {Worker | null} */
let worker = null;
const totalMeter = new RateMeter();
let rowIds = 0;
let retrying = false;

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
setupDropZone();
uploadButton.addEventListener('click', startSend);
cancelButton.addEventListener('click', cancelSend);
saveReceiptButton.addEventListener('click', saveReceipt);
moreButton.addEventListener('click', sendMore);
window.addEventListener('beforeunload', (event) => {
  if (document.body.dataset.state === 'working') {
    event.preventDefault();
    event.returnValue = '';
  }
});
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
    const got = await apiJson('/api/limits');
    limits = {
      max_file_bytes: Number(got.max_file_bytes) || DEFAULT_LIMITS.max_file_bytes,
      log2_chunk:
        Number.isInteger(got.log2_chunk) && got.log2_chunk >= 16 && got.log2_chunk <= 24 ? got.log2_chunk : null,
    };
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
      ? `This request has expired, so no more files can be sent with this link. ${receipts.length ? 'The files listed in the receipt were delivered. ' : 'Nothing was sent. '}Ask ${asker()} for a new link if you still need to send files.`
      : `This request has received all the files it allows, so no more can be sent. ${receipts.length ? 'The files listed in the receipt were delivered. ' : 'Files sent earlier were delivered. '}If you have more to send, ask ${asker()} for a new link.`,
    receipts.length ? 'info' : 'error',
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
  const sent = receipts.length ? ' The files listed in the receipt were delivered.' : ' Nothing was sent.';
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

function setupDropZone() {
  // Without these, a file dropped next to the zone would replace the page with the file.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  dropZone.addEventListener('dragenter', (e) => {
    e.preventDefault();
    if (canEdit()) dropZone.classList.add('dragging');
  });
  dropZone.addEventListener('dragover', (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = canEdit() ? 'copy' : 'none';
  });
  dropZone.addEventListener('dragleave', (e) => {
    if (!(e.relatedTarget instanceof Node && dropZone.contains(e.relatedTarget))) dropZone.classList.remove('dragging');
  });
  dropZone.addEventListener('drop', (e) => {
    e.preventDefault();
    dropZone.classList.remove('dragging');
    if (!canEdit() || !e.dataTransfer) return;
    // Entries must be taken while the drop event runs: the list empties once it returns.
    const items = Array.from(e.dataTransfer.items ?? []).filter((item) => item.kind === 'file');
    const entries = items.map((item) => item.webkitGetAsEntry?.() ?? null);
    /** @type {{ file: File, name: string }[]} */
    const plain = [];
    /** @type {FileSystemDirectoryEntry[]} */
    const folders = [];
    if (items.length === 0 || entries.every((entry) => entry === null)) {
      for (const file of Array.from(e.dataTransfer.files)) plain.push({ file, name: file.name });
    } else {
      entries.forEach((entry, i) => {
        if (entry?.isDirectory) {
          folders.push(/** @type {FileSystemDirectoryEntry} */ (entry));
        } else {
          const file = items[i].getAsFile();
          if (file) plain.push({ file, name: file.name });
        }
      });
    }
    if (folders.length === 0) return addFiles(plain);
    setStatus('Reading the folder…');
    Promise.all(folders.map((dir) => walk(dir, `${dir.name}/`)))
      .then((found) => addFiles([...plain, ...found.flat()]))
      .catch(() => {
        addFiles(plain);
        setStatus('A dropped folder could not be read. Choose its files with Choose files instead.', 'error');
      });
  });
}

/**
 * Every file under a dropped folder, named by its path from the folder's parent ("Photos/2024/a.jpg").
 * @param {FileSystemDirectoryEntry} dir
 * @param {string} prefix
 * @returns {Promise<{ file: File, name: string }[]>}
 */
async function walk(dir, prefix) {
  /** @type {{ file: File, name: string }[]} */
  const out = [];
  const reader = dir.createReader();
  // readEntries answers in batches (100 in Chromium) until it answers an empty one.
  for (;;) {
    /** @type {FileSystemEntry[]} */
    const entries = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (entries.length === 0) break;
    for (const entry of entries) {
      if (entry.isDirectory) {
        out.push(...(await walk(/** @type {FileSystemDirectoryEntry} */ (entry), `${prefix}${entry.name}/`)));
      } else if (entry.isFile) {
        const fileEntry = /** @type {FileSystemFileEntry} */ (entry);
        /** @type {File} */
        const file = await new Promise((resolve, reject) => fileEntry.file(resolve, reject));
        out.push({ file, name: `${prefix}${entry.name}` });
      }
    }
  }
  return out;
}

function canEdit() {
  const state = document.body.dataset.state;
  return state === 'idle' || state === 'error';
}

/** Rows that are still to be sent. */
function unsent() {
  return rows.filter((r) => r.li.dataset.state !== 'sent');
}

/** @param {{ file: File, name: string }[]} chosen */
function addFiles(chosen) {
  if (!canEdit() || !intake) return;
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
  const id = `file-${++rowIds}`;
  const li = el('li', { className: 'file-row', attrs: { 'data-file': name, 'data-state': 'ready' } });
  const head = el('div', { className: 'file-head' });
  const nameEl = el('span', { className: 'file-name', text: name, attrs: { id: `${id}-name` } });
  const size = el('span', { className: 'file-size', text: formatSize(file.size) });
  const remove = el('button', {
    className: 'button small secondary',
    text: 'Remove',
    attrs: { type: 'button', 'aria-label': `Remove ${name}` },
  });
  head.append(nameEl, size, remove);
  const bar = el('progress', { attrs: { max: '1', value: '0', 'aria-labelledby': `${id}-name` } });
  bar.hidden = true;
  const detail = el('p', { className: 'detail' });
  li.append(head, bar, detail);
  /** @type {Row} */
  const row = { file, name, li, remove, bar, detail, meter: new RateMeter(), payloadSize: 0, sent: 0 };
  remove.addEventListener('click', () => {
    const index = rows.indexOf(row);
    rows = rows.filter((r) => r !== row);
    render();
    setStatus(`“${name}” removed. ${readySummary()}`);
    const next = rows.slice(index).find((r) => !r.remove.hidden) ?? rows.find((r) => !r.remove.hidden);
    (next ? next.remove : chooseButton).focus();
  });
  return row;
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
  const editable = state === 'idle' || state === 'error';
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
  receiptSection.hidden = receipts.length === 0;
  moreButton.hidden = state !== 'done';
}

function startSend() {
  if (!canEdit() || !link || !intake) return;
  batch = unsent();
  if (batch.length === 0) return;
  setPageState('working');
  refusedList.hidden = true;
  totalMeter.reset();
  for (const r of batch) {
    r.sent = 0;
    r.payloadSize = 0;
    r.meter.reset();
    r.li.dataset.state = 'waiting';
    r.bar.hidden = false;
    setBar(r.bar, 0, 1);
    r.detail.textContent = 'Waiting';
  }
  totalBox.hidden = batch.length < 2;
  setBar(totalBar, 0, 1);
  totalDetail.textContent = '';
  cancelButton.disabled = false;
  retrying = false;
  render();
  setStatus(WORKING);

  worker = new Worker('/js/upload-worker.js', { type: 'module' });
  const current = worker;
  current.addEventListener('message', (e) => {
    if (current === worker) onWorkerMessage(e.data);
  });
  current.addEventListener('error', () => {
    if (current !== worker) return;
    fail(
      'The encryption module could not be loaded. Nothing was sent; your files are unchanged. Reload the page and try again.',
    );
  });
  current.postMessage({
    type: 'start',
    kind: 'request',
    files: batch.map((r) => r.file),
    names: batch.map((r) => r.name),
    log2Chunk: limits.log2_chunk,
    request: { id: link.id, publicKey: link.publicKey, requestSecret: link.requestSecret },
  });
}

/** @param {any} msg */
function onWorkerMessage(msg) {
  switch (msg?.type) {
    case 'created':
      msg.files.forEach((/** @type {{ payloadSize: number }} */ f, /** @type {number} */ j) => {
        batch[j].payloadSize = f.payloadSize;
      });
      break;
    case 'progress':
      showProgress(msg.sent);
      if (retrying) {
        retrying = false;
        setStatus(`Connection back. ${WORKING}`);
      }
      break;
    case 'retrying':
      if (!retrying) setStatus('Connection lost. Sending resumes by itself when it is back; keep this tab open.');
      retrying = true;
      break;
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
      stopWorker();
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
      stopWorker();
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
 * @param {Row} r
 * @param {string} contentId
 */
function fileSent(r, contentId) {
  r.li.dataset.state = 'sent';
  r.sent = r.payloadSize;
  r.remove.hidden = true;
  setBar(r.bar, 1, 1);
  r.detail.textContent = `Sent · ${formatSize(r.file.size)}`;
  if (intake) {
    intake.filesLeft = Math.max(0, intake.filesLeft - 1);
    intake.bytesLeft = Math.max(0, intake.bytesLeft - r.file.size);
  }
  const receipt = { name: r.name, size: r.file.size, contentId, at: Date.now() };
  receipts.push(receipt);
  receiptList.append(receiptRow(receipt));
  receiptSection.hidden = false;
}

/** @param {Receipt} receipt */
function receiptRow(receipt) {
  const li = el('li', {
    className: 'receipt-row',
    attrs: { 'data-name': receipt.name, 'data-content-id': receipt.contentId },
  });
  const head = el('div', { className: 'file-head' });
  head.append(
    el('span', { className: 'file-name', text: receipt.name }),
    el('span', { className: 'file-size', text: formatSize(receipt.size) }),
  );
  const id = el('p', { className: 'detail' });
  id.append('Content id ', el('code', { className: 'content-id', text: receipt.contentId }));
  li.append(head, id);
  return li;
}

/** @param {number} failed files the server refused or that could not be read */
async function finish(failed) {
  stopWorker();
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
  totalBox.hidden = true;
  setPageState('idle');
  render();
  setStatus('Ready for more files.');
  chooseButton.focus();
}

/** @param {number[]} sent ciphertext bytes stored so far, per file of the batch */
function showProgress(sent) {
  const now = performance.now();
  let done = 0;
  let total = 0;
  sent.forEach((bytes, j) => {
    const r = batch[j];
    done += bytes;
    total += r.payloadSize;
    const state = r.li.dataset.state;
    if (bytes === r.sent || state === 'sent' || state === 'failed') return;
    r.sent = bytes;
    r.li.dataset.state = 'uploading';
    r.meter.sample(bytes, now);
    setBar(r.bar, bytes, r.payloadSize);
    r.detail.textContent = progressLine(plainShare(r, bytes), r.file.size, r.meter);
  });
  totalMeter.sample(done, now);
  setBar(totalBar, done, total);
  const plainTotal = batch.reduce((sum, r) => sum + r.file.size, 0);
  totalDetail.textContent = progressLine(Math.round((done / (total || 1)) * plainTotal), plainTotal, totalMeter);
}

/**
 * The plaintext bytes a count of ciphertext bytes stands for, so rows speak in file sizes.
 * @param {Row} r
 * @param {number} cipherBytes
 */
function plainShare(r, cipherBytes) {
  return r.payloadSize ? Math.min(r.file.size, Math.round((cipherBytes / r.payloadSize) * r.file.size)) : 0;
}

function cancelSend() {
  if (!worker) return;
  cancelButton.disabled = true;
  setStatus('Cancelling…');
  worker.postMessage({ type: 'cancel' });
  const current = worker;
  // A worker stuck in a long encryption step still gets stopped; the server purges the rest.
  setTimeout(() => {
    if (current === worker) onWorkerMessage({ type: 'cancelled' });
  }, CANCEL_GRACE_MS);
}

function stopWorker() {
  worker?.terminate();
  worker = null;
}

/** @param {Row} r */
function resetRow(r) {
  r.li.dataset.state = 'ready';
  r.bar.hidden = true;
  r.detail.textContent = '';
}

/** A small text file of what was delivered, made in this browser (nothing is sent for it). */
function saveReceipt() {
  const lines = [
    'sealdrop receipt: files delivered through a file request',
    '',
    `To: ${[intake?.fromName, intake?.fromEmail ? `<${intake.fromEmail}>` : ''].filter(Boolean).join(' ')}`,
    `Request: ${link?.id ?? ''}`,
    `Key code: ${fingerprint}`,
    `Saved: ${formatDateTime(Date.now())} (${new Date().toISOString()})`,
    '',
    'The content id is BLAKE3 of the encrypted file. The recipient sees the same one when they',
    'download the file, so it shows that what they have is what was sent.',
    '',
  ];
  receipts.forEach((r, i) => {
    lines.push(
      `${i + 1}. ${r.name}`,
      `   Size: ${formatSize(r.size)} (${r.size} bytes)`,
      `   Sent: ${formatDateTime(r.at)} (${new Date(r.at).toISOString()})`,
      `   Content id: ${r.contentId}`,
      '',
    );
  });
  const url = URL.createObjectURL(new Blob([lines.join('\r\n')], { type: 'text/plain;charset=utf-8' }));
  const a = el('a', {
    attrs: { href: url, download: `sealdrop-receipt-${new Date().toISOString().slice(0, 10)}.txt` },
  });
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: some browsers start reading the file only after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  setStatus('Receipt saved to your downloads.', 'success');
}
