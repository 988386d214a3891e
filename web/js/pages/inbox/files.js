// The inbox's file rows: one per file sent to a request, with what opening its stanza gave
// (js/pages/inbox/keys.js), Download and Delete. A file whose stanza does not open is flagged, never
// shown as a partner's upload. Downloads stream to disk through js/ui/download-row.js like a
// share's, checking every part's BLAKE3 and, at the end, the content id the uploader recorded;
// one at a time, the others' buttons wait.
//
// Hooks: li[data-file-id][data-state][data-unread] ("true" or "false"), states ready,
// downloading, verified, tampered, failed, planted; the name in .name; button.download,
// button.delete; deleting asks first, in the row: button.confirm-delete / button.keep.
import { apiJson, ApiError, apiSentence, withRetry } from '../../lib/api.js';
import { el, setStatus, timeEl } from '../../lib/dom.js';
import { formatSize } from '../../lib/format.js';
import {
  TAMPERED,
  downloadInto,
  downloadParts,
  failureSentence,
  showFailed,
  sinkFromClick,
} from '../../ui/download-row.js';
import { openFile, openKeys } from './keys.js';
import { confirmDelete, isUnread, nextId, renderHead, views } from './views.js';
import { redirectIfSignedOut } from '../../lib/session.js';

/** @typedef {import('./views.js').InboxFile} InboxFile */
/** @typedef {import('./views.js').FileView} FileView */
/** @typedef {import('./views.js').RequestView} RequestView */

const VERIFIED = 'Verified: content matches what the partner sent';
const PLANTED = 'Not sent through your link: this file cannot be opened. Do not trust it.';

let downloading = false;

/**
 * Opens a file's stanza and metadata: what the row may show depends on it.
 * @param {RequestView} view
 * @param {InboxFile} file
 * @returns {FileView}
 */
export function makeFileView(view, file) {
  const { kind, fs, name, size } = openFile(view.summary.id, view.rs, file);
  const n = nextId();
  const li = el('li', { className: 'file-row inbox-file' });
  const head = el('div', { className: 'file-head' });
  const nameEl = el('span', { className: 'file-name name', text: name, attrs: { id: `file-${n}-name` } });
  const badge = el('span', { className: 'new-badge', text: 'New' });
  head.append(nameEl, badge);
  if (kind === 'ok') head.append(el('span', { className: 'file-size', text: formatSize(size) }));
  const received = el('p', { className: 'hint received' });
  received.append('Received ', timeEl(Number(file.received_at)));
  const { bar, detail, proof, contentId } = downloadParts(nameEl.id, 'detail file-detail');
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
  renderFile(view, fv);
  return fv;
}

/**
 * The unread mark and the buttons, after the state changed.
 * @param {RequestView} view
 * @param {FileView} fv
 */
export function renderFile(view, fv) {
  const unread = isUnread(fv.file);
  // A planted or tampered file is no partner's upload: nothing about it is "new" to read.
  const isNew = unread && fv.kind === 'ok';
  fv.li.dataset.unread = String(isNew);
  fv.badge.hidden = !isNew;
  fv.badge.textContent = isNew ? 'New' : '';
  renderFileActions(view, fv);
}

/**
 * @param {RequestView} view
 * @param {FileView} fv
 */
function renderFileActions(view, fv) {
  const label = fv.kind === 'ok' ? fv.name : 'this unverified file';
  if (fv.confirming) {
    fv.actions.replaceChildren(
      confirmDelete(
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
    if (redirectIfSignedOut(err)) return;
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
  const keys = openKeys();
  if (downloading || !keys || !fv.fs) return;
  const sink = await sinkFromClick(fv.name, fv.size, (sentence) => showFailure(fv, sentence));
  if (!sink) return;
  downloading = true;
  fv.busy = true;
  setDownloadButtons();
  const { file } = fv;
  setStatus(`Downloading “${fv.name}”…`);
  try {
    const outcome = await downloadInto(fv, {
      name: fv.name,
      logId: String(file.id),
      job: {
        sd: keys.sd,
        payloadUrl: `/api/requests/${view.summary.id}/files/${file.id}/payload`,
        // The session cookie goes by itself; a Range is added per part.
        headers: {},
        fileSecret: fv.fs,
        file: contentsFile(file),
        contentId: String(file.content_id),
        size: fv.size,
      },
      sink: async () => sink,
      verified: VERIFIED,
      idleState: 'ready',
    });
    if (outcome === 'verified') {
      setStatus(`“${fv.name}” saved. ${VERIFIED}.`, 'success');
      await markRead(view, fv);
    } else if (outcome === 'tampered') {
      setStatus(`“${fv.name}”: ${fv.detail.textContent}`, 'error');
    } else {
      setStatus(`Download of “${fv.name}” cancelled. Nothing was saved.`);
    }
  } catch (err) {
    if (!redirectIfSignedOut(err)) {
      fv.busy = false;
      showFailure(fv, failureSentence(err, refreshAdvice));
    }
  } finally {
    downloading = false;
    fv.busy = false;
    setDownloadButtons();
  }
}

/**
 * The inbox's file in the shape js/download/payload.js reads: its parts as {n, size, blake3}.
 * @param {InboxFile} file
 * @returns {import('../../download/payload.js').ContentsFile}
 */
function contentsFile(file) {
  const count = Number(file.part_count) || file.parts.length;
  const partSize = Number(file.part_size);
  const payloadSize = Number(file.payload_size);
  const parts = file.parts.map((p, i) => {
    if (p && typeof p === 'object') return /** @type {import('../../download/payload.js').PartInfo} */ (p);
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
    renderFile(view, fv);
  } catch (err) {
    redirectIfSignedOut(err);
  }
}

/**
 * @param {FileView} fv
 * @param {string} sentence
 */
function showFailure(fv, sentence) {
  showFailed(fv, sentence);
  setStatus(`“${fv.name}”: ${sentence}`, 'error');
}

/**
 * A file deleted since the list was fetched: the list is out of date.
 * @param {ApiError} err
 */
function refreshAdvice(err) {
  return err.status === 404
    ? 'The server no longer has this file. Nothing was saved. Choose Refresh to update the list.'
    : null;
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
