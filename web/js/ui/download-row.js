// One file's download into its row, on the pages that save files (the download page, the
// inbox): js/download/payload.js fetches, checks and decrypts it into a js/download/save.js sink while the row
// shows its progress, then the verified content id, or why nothing was saved.
//
// Rows carry data-state downloading, verified, tampered, failed, or the page's idle state.
import { ApiError, apiSentence } from '../lib/api.js';
import { el, setStatus } from '../lib/dom.js';
import { RateMeter, progressLine, setBar } from '../lib/progress.js';
import { downloadFile, TamperedError } from '../download/payload.js';
import { SaveError, isPickerCancel, openSink, safeFileName, watchWriter } from '../download/save.js';

/** @typedef {import('../download/save.js').Sink} Sink */
/** @typedef {Omit<Parameters<typeof downloadFile>[0], 'sink' | 'onProgress' | 'onRetry'>} Job */

/**
 * The parts of a file row that show a download.
 * @typedef {Object} DownloadRow
 * @property {HTMLLIElement} li
 * @property {HTMLProgressElement} bar
 * @property {HTMLElement} detail
 * @property {HTMLDetailsElement} proof
 * @property {HTMLElement} contentId
 */

export const TAMPERED = 'This file was changed after it was sent. Nothing was saved.';
// The same through the browser's own download (js/download/save.js): some browsers keep the part
// they wrote before the change showed.
const TAMPERED_PARTIAL =
  'This file was changed after it was sent. Your browser may have kept the part it saved before the change: delete it from your Downloads folder.';
const PROGRESS_INTERVAL_MS = 100;

/**
 * A row's bar, the line under it and the folded content id, hidden until they have something
 * to show.
 * @param {string} labelledBy the id of the row's name
 * @param {string} detailClass
 * @returns {Omit<DownloadRow, 'li'>}
 */
export function downloadParts(labelledBy, detailClass) {
  const bar = el('progress', { attrs: { max: '1', value: '0', 'aria-labelledby': labelledBy } });
  bar.hidden = true;
  const detail = el('p', { className: detailClass });
  const proof = el('details', { className: 'proof' });
  const contentId = el('code', { className: 'content-id' });
  proof.append(el('summary', { text: 'Content id' }), contentId);
  proof.hidden = true;
  return { bar, detail, proof, contentId };
}

/**
 * Says in #save-how how this browser saves (and what it needs), and marks the chosen writer on
 * the body (data-writer: picker, staged or memory), again should it change.
 * @param {HTMLElement} saveHow
 */
export function showSaveHow(saveHow) {
  watchWriter((sentence, writer) => {
    document.body.dataset.writer = writer;
    saveHow.textContent = sentence;
    saveHow.hidden = false;
  });
}

/**
 * Where one file goes, by this browser's writer (js/download/save.js chooseWriter). Called
 * straight from the click: browsers refuse a picker once it is stale.
 * @param {string} name
 * @param {number} size
 * @param {(sentence: string) => void} onFailure told why, when the browser could not save there
 * @returns {Promise<Sink | null>} null when nothing is to be saved (the picker was closed, or it failed)
 */
export async function sinkFromClick(name, size, onFailure) {
  try {
    return await openSink(name, size);
  } catch (err) {
    if (!isPickerCancel(err)) onFailure(`${errorSentence(err)} Nothing was saved.`);
    return null;
  }
}

/**
 * Downloads one file into its row. The status line hears of a lost connection and of its
 * return; the rest of what it says is the page's.
 * @param {DownloadRow} row
 * @param {Object} how
 * @param {string} how.name the file's name, for the status line
 * @param {string} how.logId the file, for the console
 * @param {Job} how.job
 * @param {() => Promise<Sink>} how.sink where the plaintext goes, asked for once the row shows the download
 * @param {string} how.verified what the row says once the file verified
 * @param {string} how.idleState the row's state after a cancel
 * @returns {Promise<'verified' | 'tampered' | 'cancelled'>} rejects with any other failure, for
 *   the page to word (failureSentence) and show (showFailed)
 */
export async function downloadInto(row, how) {
  const { job } = how;
  const payloadSize = job.file.payload_size;
  row.li.dataset.state = 'downloading';
  row.li.querySelector('a.save-file')?.remove();
  row.bar.hidden = false;
  row.proof.hidden = true;
  setBar(row.bar, 0, 1);
  row.detail.textContent = 'Starting…';
  const meter = new RateMeter();
  let shownAt = 0;
  let resuming = false;
  let keepsPartial = false;
  try {
    const sink = await how.sink();
    keepsPartial = sink.keepsPartial === true;
    const contentId = await downloadFile({
      ...job,
      sink,
      onProgress: (received) => {
        const now = performance.now();
        if (now - shownAt < PROGRESS_INTERVAL_MS && received < payloadSize) return;
        shownAt = now;
        if (resuming && received > 0) {
          resuming = false;
          setStatus(`Connection back. Downloading “${how.name}”…`);
        }
        meter.sample(received, now);
        setBar(row.bar, received, payloadSize);
        row.detail.textContent = progressLine(Math.round((received / payloadSize) * job.size), job.size, meter);
      },
      onRetry: (waitMs) => {
        row.detail.textContent = `Connection lost. Resuming by itself in ${Math.ceil(waitMs / 1000)} s…`;
        setStatus(`Connection lost while downloading “${how.name}”. It resumes by itself; nothing is lost.`);
        resuming = true;
      },
    });
    row.li.dataset.state = 'verified';
    setBar(row.bar, 1, 1);
    row.detail.textContent = `${how.verified}.`;
    row.contentId.textContent = contentId;
    row.proof.hidden = false;
    const href = sink.offer?.() ?? null;
    if (href) offerSave(row, how.name, href);
    return 'verified';
  } catch (err) {
    if (err instanceof TamperedError) {
      console.warn(`file ${how.logId}: ${err.message}`);
      row.li.dataset.state = 'tampered';
      row.bar.hidden = true;
      row.detail.textContent = keepsPartial ? TAMPERED_PARTIAL : TAMPERED;
      return 'tampered';
    }
    if (err instanceof DOMException && err.name === 'AbortError') {
      row.li.dataset.state = how.idleState;
      row.bar.hidden = true;
      row.detail.textContent = 'Download cancelled. Nothing was saved.';
      return 'cancelled';
    }
    throw err;
  }
}

/**
 * The staged and memory writers' verified file: a link that saves it, clicked once here. A
 * browser may want the person's own click for it (this one came after a download, not from the
 * click), so the link stays.
 * @param {DownloadRow} row
 * @param {string} name
 * @param {string} href a blob: URL
 */
function offerSave(row, name, href) {
  row.li.querySelector('a.save-file')?.remove();
  const link = el('a', {
    className: 'button small save-file',
    text: `Save “${name}”`,
    attrs: { href, download: safeFileName(name) },
  });
  row.detail.textContent += ' If saving did not start, choose Save.';
  row.detail.after(link);
  link.click();
}

/**
 * @param {DownloadRow} row
 * @param {string} sentence why nothing was saved
 */
export function showFailed(row, sentence) {
  row.li.dataset.state = 'failed';
  row.bar.hidden = true;
  row.detail.textContent = sentence;
}

/**
 * Why a download failed and what to do: the page's own advice where it has some for the
 * server's answer, else try again.
 * @param {unknown} err
 * @param {(err: ApiError) => string | null} advice
 */
export function failureSentence(err, advice) {
  // A writer's failure is never the connection's: its own sentence, and no "try again" when
  // trying again here cannot help (the file is too large for this browser).
  if (err instanceof SaveError) {
    return `${err.message} Nothing was saved.${err.kind === 'too-large' ? '' : ' Choose Download to try again.'}`;
  }
  if (err instanceof ApiError && err.status === 0) {
    return 'The connection was lost and did not come back. Nothing was saved. Choose Download to try again.';
  }
  return (
    (err instanceof ApiError ? advice(err) : null) ??
    `${errorSentence(err)} Nothing was saved. Choose Download to try again.`
  );
}

/**
 * What went wrong, in a sentence the page can add to.
 * @param {unknown} err
 */
export function errorSentence(err) {
  if (err instanceof SaveError) return err.message;
  if (err instanceof ApiError) return apiSentence(err);
  if (err instanceof Error && err.name === 'SealdropError') return 'Decrypting failed in this browser.';
  if (err instanceof DOMException && err.name === 'NotAllowedError') return 'The browser did not allow saving there.';
  if (err instanceof DOMException && err.name === 'QuotaExceededError') return 'The disk is full.';
  if (err instanceof Error && err.message && !(err instanceof DOMException)) return err.message;
  return 'Saving the file failed.';
}
