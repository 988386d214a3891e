// Sending files from the upload pages (the share page, the file request page): one row per file
// with its bar, and the run that hands the files to js/upload/worker.js and shows its progress,
// per file and in total. The worker's messages are typed in js/upload/protocol.js; the page adds
// what only it does with them (a share's link, a request's receipt).
//
// body data-state while files go up: working; paused after the worker's last retry failed (the
// upload is kept, and resumes: js/ui/upload-offer.js, js/upload/state.js). Rows carry data-state
// waiting, checking (a resumed file is sealed again and checked against what was sent before),
// uploading, paused, sent (and the page's own states besides).
// Both pages name the total's elements alike: #total, #total-bar, #total-detail.
import { byId, el, setStatus } from '../lib/dom.js';
import { formatSize } from '../lib/format.js';
import { RateMeter, progressLine, setBar } from '../lib/progress.js';
import { getBatch, wipeBatch } from '../upload/state.js';
import { discardBatch } from './upload-offer.js';

/**
 * @typedef {Object} UploadRow
 * @property {File} file
 * @property {string} name the name shown (on the request page, also the one sealed)
 * @property {HTMLLIElement} li
 * @property {HTMLButtonElement} remove
 * @property {HTMLProgressElement} bar
 * @property {HTMLElement} detail
 * @property {RateMeter} meter
 * @property {number} payloadSize
 * @property {number} sent ciphertext bytes stored so far
 */

/** @typedef {import('../upload/protocol.js').ToWorker} ToWorker */
/** @typedef {import('../upload/protocol.js').FromWorker} FromWorker */
/** @typedef {import('../upload/protocol.js').Start} Start */
/**
 * What a resume's start message has besides the record and the files: a share's CSRF token and
 * password, or a request's link.
 * @typedef {{ kind: 'share', csrf: string | null, password: string | null }
 *   | { kind: 'request', request: import('../upload/protocol.js').RequestLink }} ResumeExtra
 */

const CANCEL_GRACE_MS = 10000;

let rowIds = 0;

/**
 * A file's row: its name and size, a Remove button, and a bar hidden until it is sent.
 * @param {File} file
 * @param {string} name
 * @param {Record<string, string>} attrs the row's own attributes
 * @param {(row: UploadRow) => void} onRemove
 * @returns {UploadRow}
 */
export function makeUploadRow(file, name, attrs, onRemove) {
  const id = `file-${++rowIds}`;
  const li = el('li', { className: 'file-row', attrs });
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
  /** @type {UploadRow} */
  const row = { file, name, li, remove, bar, detail, meter: new RateMeter(), payloadSize: 0, sent: 0 };
  remove.addEventListener('click', () => onRemove(row));
  return row;
}

/**
 * Shows a row as sent: on the worker's file-done, and for a resumed batch's files sent before.
 * @param {UploadRow} r
 */
export function showSent(r) {
  r.li.dataset.state = 'sent';
  r.sent = r.payloadSize;
  r.bar.hidden = false;
  setBar(r.bar, 1, 1);
  r.detail.textContent = `Sent · ${formatSize(r.file.size)}`;
}

/** Whether the page takes files: ready for them, or after a failure (Try again). */
export function isEditable() {
  const state = document.body.dataset.state;
  return state === 'idle' || state === 'error';
}

/**
 * Asks before the tab closes while files go up: closing it would stop them (the record of the
 * upload lets it resume on the next visit, but only if this browser could keep one).
 */
export function guardUnload() {
  window.addEventListener('beforeunload', (event) => {
    if (document.body.dataset.state === 'working') {
      event.preventDefault();
      // Older Chromium and Safari only ask when returnValue is set.
      event.returnValue = '';
    }
  });
}

/**
 * What the page says and does around a run.
 * @typedef {Object} UploadHooks
 * @property {string} working the status line while files go up
 * @property {string} lost said once when the connection drops; the worker retries by itself
 * @property {string} back said when it is back
 * @property {string} unkept said (as an 'error') when Resume finds the paused batch's record gone
 * @property {() => Record<string, string>} [uploadAuth] a request's upload token header, to
 *   delete the unfinished file of a paused batch that is cancelled
 * @property {() => void} onLoadError the worker could not run (its module did not load)
 * @property {(msg: FromWorker) => void} onMessage each message of the worker, after the rows show it;
 *   by 'done', 'cancelled', 'paused' and 'error' the worker is already stopped
 */

/** Runs one batch of rows through js/upload/worker.js at a time. */
export class Uploader {
  /**
   * @param {HTMLButtonElement} cancelButton
   * @param {UploadHooks} hooks
   */
  constructor(cancelButton, hooks) {
    this.cancelButton = cancelButton;
    this.hooks = hooks;
    this.totalBox = byId('total', HTMLElement);
    this.totalBar = byId('total-bar', HTMLProgressElement);
    this.totalDetail = byId('total-detail', HTMLElement);
    /** @type {Worker | null} */
    this.worker = null;
    /** @type {UploadRow[]} the rows of the running (or last) batch, by the worker's index */
    this.rows = [];
    this.totalMeter = new RateMeter();
    // Set while the worker retries after a lost connection, so the status says so once.
    this.retrying = false;
    /** @type {string | null} the record of the batch paused after the worker's last retry */
    this.pausedKey = null;
  }

  /**
   * @param {UploadRow[]} rows
   * @param {Start} start the worker's start message, its files in the rows' order; a resume's
   *   (start.resume) keeps the rows already sent or refused as they are
   */
  start(rows, start) {
    this.rows = rows;
    this.totalMeter.reset();
    for (const r of rows) {
      if (start.resume && (r.li.dataset.state === 'sent' || r.li.dataset.state === 'failed')) continue;
      r.payloadSize = 0;
      this.#resetRow(r);
    }
    this.totalBox.hidden = rows.length < 2;
    setBar(this.totalBar, 0, 1);
    this.totalDetail.textContent = '';
    this.cancelButton.disabled = false;
    this.retrying = false;
    setStatus(this.hooks.working);

    const worker = new Worker(new URL('../upload/worker.js', import.meta.url), { type: 'module' });
    this.worker = worker;
    worker.addEventListener('message', (e) => {
      if (worker === this.worker) this.#handle(/** @type {FromWorker} */ (e.data));
    });
    worker.addEventListener('error', () => {
      if (worker !== this.worker) return;
      this.stop();
      this.hooks.onLoadError();
    });
    this.#post(worker, start);
  }

  /**
   * Resumes a batch from its record (js/upload/state.js), with the same files.
   * @param {UploadRow[]} rows by the record's files
   * @param {import('../upload/state.js').Batch} batch
   * @param {ResumeExtra} extra what else the worker's start message needs
   */
  resume(rows, batch, extra) {
    this.pausedKey = null;
    this.start(rows, { type: 'start', resume: batch, files: rows.map((r) => r.file), ...extra });
    // The worker has its copy.
    wipeBatch(batch);
  }

  /**
   * Resumes the paused batch.
   * @param {UploadRow[]} rows the paused batch's
   * @param {ResumeExtra} extra
   */
  async resumePaused(rows, extra) {
    const batch = this.pausedKey ? await getBatch(this.pausedKey).catch(() => null) : null;
    if (batch) return this.resume(rows, batch, extra);
    this.pausedKey = null;
    this.#handle({ type: 'error', message: this.hooks.unkept, code: null });
  }

  /** Stops the batch on its way up, or deletes the paused one; either ends in 'cancelled'. */
  async cancel() {
    const worker = this.worker;
    if (!worker && this.pausedKey) {
      this.cancelButton.disabled = true;
      setStatus('Cancelling…');
      const batch = await getBatch(this.pausedKey).catch(() => null);
      if (batch) await discardBatch(batch, this.hooks.uploadAuth?.());
      this.pausedKey = null;
      this.#handle({ type: 'cancelled' });
      return;
    }
    if (!worker) return;
    this.cancelButton.disabled = true;
    setStatus('Cancelling…');
    this.#post(worker, { type: 'cancel' });
    // A worker stuck in a long encryption step still gets stopped; the server purges the rest.
    setTimeout(() => {
      if (worker === this.worker) this.#handle({ type: 'cancelled' });
    }, CANCEL_GRACE_MS);
  }

  stop() {
    this.worker?.terminate();
    this.worker = null;
  }

  /** Hides the total until the next run: the page is ready for new files. */
  hideTotal() {
    this.totalBox.hidden = true;
  }

  /**
   * @param {Worker} worker
   * @param {ToWorker} msg
   */
  #post(worker, msg) {
    worker.postMessage(msg);
  }

  /** @param {FromWorker} msg */
  #handle(msg) {
    switch (msg.type) {
      case 'created':
        msg.files.forEach((f, j) => {
          this.rows[j].payloadSize = f.payloadSize;
        });
        break;
      case 'progress':
        this.#showProgress(msg.sent);
        if (this.retrying) {
          this.retrying = false;
          setStatus(this.hooks.back);
        }
        break;
      case 'retrying':
        if (!this.retrying) setStatus(this.hooks.lost);
        this.retrying = true;
        break;
      case 'file-done':
        showSent(this.rows[msg.j]);
        break;
      case 'resume-check': {
        const r = this.rows[msg.j];
        r.li.dataset.state = 'checking';
        /** @param {number} bytes */
        const plain = (bytes) => formatSize(plainShare(r, bytes));
        r.detail.textContent = `Checking what was already sent… ${plain(msg.checked)} of ${plain(msg.total)}`;
        break;
      }
      case 'resume-checked':
        // The figure of the check, for whoever measures resumes (the object, and in words).
        console.info(
          `sealdrop resume-checked: ${formatSize(msg.bytes)} sent before of “${this.rows[msg.j]?.name}” sealed again and matched in ${msg.ms} ms`,
          { type: 'resume-checked', j: msg.j, ms: msg.ms, bytes: msg.bytes },
        );
        break;
      case 'restarted':
        for (const [j, r] of this.rows.entries()) {
          if (msg.scope === 'share' || j === msg.j) this.#resetRow(r);
        }
        setStatus(String(msg.message));
        break;
      case 'paused':
        this.stop();
        this.pausedKey = String(msg.key);
        for (const r of this.rows) {
          const state = r.li.dataset.state;
          if (state === 'sent' || state === 'failed') continue;
          r.li.dataset.state = 'paused';
          r.detail.textContent = `Paused · ${formatSize(plainShare(r, r.sent))} of ${formatSize(r.file.size)} sent`;
        }
        break;
      case 'done':
      case 'cancelled':
      case 'error':
        this.stop();
        break;
    }
    this.hooks.onMessage(msg);
  }

  /** @param {UploadRow} r a row that starts again from nothing */
  #resetRow(r) {
    r.sent = 0;
    r.meter.reset();
    r.li.dataset.state = 'waiting';
    r.bar.hidden = false;
    setBar(r.bar, 0, 1);
    r.detail.textContent = 'Waiting';
  }

  /** @param {number[]} sent ciphertext bytes stored so far, per file of the batch */
  #showProgress(sent) {
    const now = performance.now();
    let done = 0;
    let total = 0;
    sent.forEach((bytes, j) => {
      const r = this.rows[j];
      done += bytes;
      total += r.payloadSize;
      const state = r.li.dataset.state;
      // A file the request refused keeps the sentence that says why.
      if (bytes === r.sent || state === 'sent' || state === 'failed') return;
      r.sent = bytes;
      r.li.dataset.state = 'uploading';
      r.meter.sample(bytes, now);
      setBar(r.bar, bytes, r.payloadSize);
      r.detail.textContent = progressLine(plainShare(r, bytes), r.file.size, r.meter);
    });
    this.totalMeter.sample(done, now);
    setBar(this.totalBar, done, total);
    const plainTotal = this.rows.reduce((sum, r) => sum + r.file.size, 0);
    this.totalDetail.textContent = progressLine(
      Math.round((done / (total || 1)) * plainTotal),
      plainTotal,
      this.totalMeter,
    );
  }
}

/**
 * The plaintext bytes a count of ciphertext bytes stands for, so rows speak in file sizes.
 * @param {UploadRow} r
 * @param {number} cipherBytes
 */
function plainShare(r, cipherBytes) {
  return r.payloadSize ? Math.min(r.file.size, Math.round((cipherBytes / r.payloadSize) * r.file.size)) : 0;
}
