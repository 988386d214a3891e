// The inbox's list of requests: one row per request with its label, counts and state, opening
// onto its message, its link with the key code, its files (js/pages/inbox/files.js) and its delete.
//
// Hooks: #refresh. Request rows li[data-request-id][data-state] (open, expired, full) with
// data-unread = the unread count, also on their .unread-count[data-unread] badge; button.open
// shows and hides a request's files, its link (input.request-link, button.copy-link) and
// button.delete-request. Deleting asks first, in the row: button.confirm-delete / button.keep.
import { apiJson, ApiError, apiSentence, withRetry } from '../../lib/api.js';
import { byId, el, setStatus } from '../../lib/dom.js';
import { plural } from '../../lib/format.js';
import { copyLink } from '../../lib/forms.js';
import { openKeys, requestLink, unwrapRs } from './keys.js';
import { confirmDelete, nextId, renderHead, toSummary, views } from './views.js';
import { makeFileView, renderFile } from './files.js';
import { redirectIfSignedOut } from '../../lib/session.js';

/** @typedef {import('./views.js').InboxFile} InboxFile */
/** @typedef {import('./views.js').RequestSummary} RequestSummary */
/** @typedef {import('./views.js').RequestView} RequestView */

const refreshButton = byId('refresh', HTMLButtonElement);
const noRequests = byId('no-requests', HTMLElement);
const requestList = byId('request-list', HTMLUListElement);

let refreshing = false;

refreshButton.addEventListener('click', () => refresh(true));

/**
 * Fetches the requests (and the files of the open ones) and updates the rows in place, so that
 * focus and downloads in progress are left alone.
 * @param {boolean} announce whether the status line reports it (a click, the first load)
 */
export async function refresh(announce) {
  if (!openKeys() || refreshing) return;
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
    if (!redirectIfSignedOut(err) && announce) {
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
 * A request just created here, first in the list.
 * @param {RequestSummary} summary
 * @param {Uint8Array} rs its secret, which the row keeps
 * @returns {RequestView}
 */
export function addRequest(summary, rs) {
  const view = makeRequestView(summary, rs);
  views.set(summary.id, view);
  requestList.prepend(view.li);
  noRequests.hidden = true;
  return view;
}

/**
 * @param {RequestSummary} summary
 * @param {Uint8Array | null} rs
 * @returns {RequestView}
 */
function makeRequestView(summary, rs) {
  const n = nextId();
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
  button.addEventListener('click', () => copyLink(input, button));
  row.append(label, input, button);
  const key = el('p', { className: 'hint' });
  key.append(
    'Key code ',
    el('code', { className: 'fingerprint', text: openKeys()?.fingerprint ?? '' }),
    ': the partner’s page shows the same one.',
  );
  out.push(row, key);
  return out;
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
        if (!fv.busy) renderFile(view, fv);
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
    if (redirectIfSignedOut(err)) return;
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

/** @param {RequestView} view */
function renderRequestActions(view) {
  if (view.confirming) {
    const n = view.summary.files;
    view.actions.replaceChildren(
      confirmDelete(
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
    if (redirectIfSignedOut(err)) return;
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
