// The share page (staff, signed in): pick files and options, hand them to the upload worker
// (with the session's CSRF token), show progress, show the link; the share is then listed in
// "My shares".
//
// body data-state: loading (the session is being checked), idle, working, done, error.
import { apiFetch, apiSentence } from './api.js';
import { formatSize, plural } from './format.js';
import { RateMeter, progressLine, setBar } from './progress.js';
import { byId, el, setStatus, setPageState, timeEl } from './dom.js';
import { setPolicy, onOptionsChange, readOptions, focusProblem, clearPassword } from './share-options.js';
import { requireSession, renderNav } from './session.js';

/** @typedef {{ max_file_bytes: number, max_files: number, log2_chunk: number | null }} Limits */

/** @type {Limits} Used until /api/limits answers, and if it never does. */
const DEFAULT_LIMITS = { max_file_bytes: 10 * 2 ** 30, max_files: 100, log2_chunk: null };
const CANCEL_GRACE_MS = 10000;
const WORKING = 'Encrypting and uploading. Keep this tab open until the link appears.';

const pick = byId('pick', HTMLElement);
const dropZone = byId('drop-zone', HTMLElement);
const chooseButton = byId('choose-button', HTMLButtonElement);
const fileInput = byId('file-input', HTMLInputElement);
const limitsHint = byId('limits-hint', HTMLElement);
const refusedList = byId('refused', HTMLUListElement);
const filesSection = byId('files', HTMLElement);
const fileList = byId('file-list', HTMLUListElement);
const totalBox = byId('total', HTMLElement);
const totalBar = byId('total-bar', HTMLProgressElement);
const totalDetail = byId('total-detail', HTMLElement);
const shareButton = byId('share-button', HTMLButtonElement);
const cancelButton = byId('cancel-button', HTMLButtonElement);
const result = byId('result', HTMLElement);
const resultHeading = byId('result-heading', HTMLElement);
const linkField = byId('share-link', HTMLInputElement);
const copyButton = byId('copy-button', HTMLButtonElement);
const againButton = byId('again-button', HTMLButtonElement);
const shareExpires = byId('share-expires', HTMLElement);
const shareLimit = byId('share-limit', HTMLElement);
const resultLede = byId('result-lede', HTMLElement);
const passwordReminder = byId('password-reminder', HTMLElement);

/** @type {Limits} */
let limits = DEFAULT_LIMITS;

/**
 * @typedef {Object} Row
 * @property {File} file
 * @property {HTMLLIElement} li
 * @property {HTMLButtonElement} remove
 * @property {HTMLProgressElement} bar
 * @property {HTMLElement} detail
 * @property {RateMeter} meter
 * @property {number} payloadSize
 * @property {number} sent
 */
/** @type {Row[]} */
let rows = [];
/** @type {Worker | null} */
let worker = null;
const totalMeter = new RateMeter();
let rowIds = 0;
// Set while the worker retries after a lost connection, so the status says so once.
let retrying = false;
// Set while the worker derives the password's key, so the status goes back to WORKING after.
let protecting = false;

// Staff only: nothing below runs before the session is known (the CSRF token goes to the worker).
const session = await start();
onOptionsChange(render);
loadLimits();
chooseButton.addEventListener('click', () => fileInput.click());
fileInput.addEventListener('change', () => {
  addFiles(Array.from(fileInput.files ?? []), []);
  // Lets the same file be chosen again after it was removed.
  fileInput.value = '';
});
setupDropZone();
shareButton.addEventListener('click', startShare);
cancelButton.addEventListener('click', cancelShare);
copyButton.addEventListener('click', copyLink);
againButton.addEventListener('click', reset);
window.addEventListener('beforeunload', (event) => {
  if (document.body.dataset.state === 'working') {
    event.preventDefault();
    // Older Chromium and Safari only ask when returnValue is set.
    event.returnValue = '';
  }
});

/**
 * Signed in, or on the way to the sign-in page (the promise then never resolves).
 * @returns {Promise<import('./session.js').Session>}
 */
async function start() {
  try {
    const got = await requireSession();
    renderNav(got.account, 'share');
    setPageState('idle');
    return got;
  } catch (err) {
    setPageState('error');
    setStatus(`${apiSentence(err)} Nothing was shared. Reload the page to try again.`, 'error');
    return new Promise(() => {});
  }
}

async function loadLimits() {
  try {
    const res = await apiFetch('/api/limits');
    const answeredAt = Date.now();
    const got = await res.json();
    limits = {
      max_file_bytes: Number(got.max_file_bytes) || DEFAULT_LIMITS.max_file_bytes,
      max_files: Number(got.max_files) || DEFAULT_LIMITS.max_files,
      log2_chunk:
        Number.isInteger(got.log2_chunk) && got.log2_chunk >= 16 && got.log2_chunk <= 24 ? got.log2_chunk : null,
    };
    // The server refuses an expiry past its own now + cap, so a clock running ahead of the
    // server's would have the longest preset refused. Date has whole seconds and lags the
    // answer's true time, so the estimate errs towards the safe side. Without the header (the
    // local stack sends none) this clock is trusted.
    const serverDate = Date.parse(res.headers.get('Date') ?? '');
    setPolicy({
      capSeconds: got.max_expiry_seconds,
      maxDownloads: got.max_download_limit,
      clockOffsetMs: Number.isFinite(serverDate) ? serverDate - answeredAt : 0,
    });
  } catch {
    // The defaults stand; the server enforces its own limits when the share is created.
  }
  limitsHint.textContent = `Up to ${plural(limits.max_files, 'file')}, each up to ${formatSize(limits.max_file_bytes)}.`;
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
    /** @type {File[]} */
    const dropped = [];
    /** @type {string[]} */
    const folders = [];
    const items = Array.from(e.dataTransfer.items ?? []);
    const entries = items.map((item) => (item.kind === 'file' ? item.webkitGetAsEntry?.() : null));
    Array.from(e.dataTransfer.files).forEach((file, i) => {
      if (entries[i]?.isDirectory) folders.push(file.name);
      else dropped.push(file);
    });
    addFiles(dropped, folders);
  });
}

function canEdit() {
  const state = document.body.dataset.state;
  return state === 'idle' || state === 'error';
}

/**
 * @param {File[]} chosen
 * @param {string[]} folders names of dropped folders, which cannot be sent as they are
 */
function addFiles(chosen, folders) {
  if (!canEdit()) return;
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
  const id = `file-${++rowIds}`;
  const li = el('li', { className: 'file-row' });
  const head = el('div', { className: 'file-head' });
  const name = el('span', { className: 'file-name', text: file.name, attrs: { id: `${id}-name` } });
  const size = el('span', { className: 'file-size', text: formatSize(file.size) });
  const remove = el('button', {
    className: 'button small secondary',
    text: 'Remove',
    attrs: { type: 'button', 'aria-label': `Remove ${file.name}` },
  });
  head.append(name, size, remove);
  const bar = el('progress', { attrs: { max: '1', value: '0', 'aria-labelledby': `${id}-name` } });
  bar.hidden = true;
  const detail = el('p', { className: 'detail' });
  li.append(head, bar, detail);
  /** @type {Row} */
  const row = { file, li, remove, bar, detail, meter: new RateMeter(), payloadSize: 0, sent: 0 };
  remove.addEventListener('click', () => {
    const index = rows.indexOf(row);
    rows = rows.filter((r) => r !== row);
    render();
    setStatus(`“${file.name}” removed. ${readySummary()}`);
    // Keeps keyboard focus in the list instead of dropping it to the top of the page.
    const next = rows[Math.min(index, rows.length - 1)];
    (next ? next.remove : chooseButton).focus();
  });
  return row;
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
  const done = state === 'done';
  fileList.replaceChildren(...rows.map((r) => r.li));
  for (const r of rows) r.remove.hidden = working || done;
  pick.hidden = working || done;
  filesSection.hidden = rows.length === 0;
  shareButton.hidden = working || done;
  shareButton.disabled = rows.length === 0 || readOptions().error !== null;
  shareButton.textContent = state === 'error' ? 'Try again' : 'Share';
  cancelButton.hidden = !working;
  result.hidden = !done;
}

function startShare() {
  if (rows.length === 0 || !canEdit()) return;
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
  totalMeter.reset();
  for (const r of rows) {
    r.sent = 0;
    r.payloadSize = 0;
    r.meter.reset();
    r.li.dataset.state = 'waiting';
    r.bar.hidden = false;
    setBar(r.bar, 0, 1);
    r.detail.textContent = 'Waiting';
  }
  totalBox.hidden = rows.length < 2;
  setBar(totalBar, 0, 1);
  totalDetail.textContent = '';
  cancelButton.disabled = false;
  render();
  retrying = false;
  protecting = false;
  setStatus(WORKING);

  worker = new Worker('/js/upload-worker.js', { type: 'module' });
  const current = worker;
  current.addEventListener('message', (e) => {
    if (current === worker) onWorkerMessage(e.data);
  });
  current.addEventListener('error', () => {
    if (current !== worker) return;
    fail(
      'The encryption module could not be loaded. Nothing was shared; your files are unchanged. Reload the page and try again.',
    );
  });
  current.postMessage({
    type: 'start',
    files: rows.map((r) => r.file),
    log2Chunk: limits.log2_chunk,
    options: chosen.options,
    csrf: session.csrf,
  });
}

/** @param {any} msg */
function onWorkerMessage(msg) {
  switch (msg?.type) {
    case 'protecting':
      protecting = true;
      setStatus('Protecting the share with the password… This takes a second or two.');
      break;
    case 'created':
      if (protecting) setStatus(WORKING);
      protecting = false;
      msg.files.forEach((/** @type {{ payloadSize: number }} */ f, /** @type {number} */ j) => {
        rows[j].payloadSize = f.payloadSize;
      });
      break;
    case 'progress':
      showProgress(msg.sent);
      if (retrying) {
        retrying = false;
        setStatus('Connection back. Encrypting and uploading; keep this tab open until the link appears.');
      }
      break;
    case 'retrying':
      if (!retrying) setStatus('Connection lost. The upload resumes by itself when it is back; keep this tab open.');
      retrying = true;
      break;
    case 'file-done': {
      const r = rows[msg.j];
      r.li.dataset.state = 'sent';
      r.sent = r.payloadSize;
      setBar(r.bar, 1, 1);
      r.detail.textContent = `Sent · ${formatSize(r.file.size)}`;
      break;
    }
    case 'done':
      finish(msg);
      break;
    case 'cancelled':
      stopWorker();
      for (const r of rows) resetRow(r);
      setPageState('idle');
      render();
      setStatus('Upload cancelled. Nothing was shared, and the partial upload was deleted.');
      shareButton.focus();
      break;
    case 'error':
      fail(msg.message);
      break;
  }
}

/** @param {number[]} sent ciphertext bytes stored so far, per file */
function showProgress(sent) {
  const now = performance.now();
  let done = 0;
  let total = 0;
  sent.forEach((bytes, j) => {
    const r = rows[j];
    done += bytes;
    total += r.payloadSize;
    if (bytes === r.sent || r.li.dataset.state === 'sent') return;
    r.sent = bytes;
    r.li.dataset.state = 'uploading';
    r.meter.sample(bytes, now);
    setBar(r.bar, bytes, r.payloadSize);
    r.detail.textContent = progressLine(plainShare(r, bytes), r.file.size, r.meter);
  });
  totalMeter.sample(done, now);
  setBar(totalBar, done, total);
  const plainTotal = rows.reduce((sum, r) => sum + r.file.size, 0);
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

function cancelShare() {
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

/**
 * @param {{ link: string, id: string, ownerToken: string, expiresAt: number,
 *   maxDownloads: number | null, password: boolean }} done
 */
function finish(done) {
  stopWorker();
  setPageState('done');
  linkField.value = done.link;
  copyButton.textContent = 'Copy';
  shareExpires.replaceChildren('Expires ', timeEl(done.expiresAt));
  shareLimit.textContent =
    done.maxDownloads === null ? 'Unlimited downloads until then' : plural(done.maxDownloads, 'download');
  passwordReminder.hidden = !done.password;
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
  stopWorker();
  for (const r of rows) {
    if (r.li.dataset.state !== 'sent') r.detail.textContent = 'Not sent';
  }
  setPageState('error');
  render();
  setStatus(message, 'error');
}

function stopWorker() {
  worker?.terminate();
  worker = null;
}

/** @param {Row} r */
function resetRow(r) {
  delete r.li.dataset.state;
  r.bar.hidden = true;
  r.detail.textContent = '';
}

async function copyLink() {
  try {
    await navigator.clipboard.writeText(linkField.value);
  } catch {
    // Clipboard API refused (permissions, older browser): fall back to copying the selection.
    linkField.select();
    if (!document.execCommand('copy')) {
      setStatus('Copying was blocked by the browser. The link is selected: press Ctrl+C (or ⌘C) to copy it.', 'error');
      return;
    }
  }
  copyButton.textContent = 'Copied';
  setStatus('Copied. The link is on your clipboard.', 'success');
  setTimeout(() => {
    copyButton.textContent = 'Copy';
  }, 3000);
}

function reset() {
  stopWorker();
  rows = [];
  linkField.value = '';
  shareExpires.replaceChildren();
  shareLimit.textContent = '';
  passwordReminder.hidden = true;
  refusedList.replaceChildren();
  refusedList.hidden = true;
  totalBox.hidden = true;
  setPageState('idle');
  render();
  setStatus('Ready for new files.');
  chooseButton.focus();
}
