// "My shares" (/mine, signed in): the person's shares as the server lists them (GET /api/shares),
// newest first: state, expiry, downloads used; Revoke after a confirmation in its own row, and
// Unlock for a link locked by wrong tries. Both go with the session and its CSRF token.
//
// body data-state: loading, ready, empty, error. Rows: tr[data-id] with data-state = the
// server's state; data-locked = "true" | "false".
import { apiJson, ApiError, apiSentence, withRetry } from './api.js';
import { byId, cell, el, setStatus, setPageState, timeEl } from './dom.js';
import { formatSize, plural } from './format.js';
import { STATE_WORDS, toSummary } from './share-summary.js';
import { requireSession, renderNav, isSignedOut, goToSignIn } from './session.js';

/** @typedef {import('./share-summary.js').ShareSummary} ShareSummary */
/**
 * @typedef {Object} Row
 * @property {ShareSummary} view
 * @property {HTMLTableRowElement} tr
 * @property {boolean} confirming the row asks "Revoke this link?"
 * @property {boolean} busy a revoke or unlock is on its way
 */

// The same, for the one-line count above the table ("3 shares: 2 active, 1 used up.").
/** @type {Record<string, string>} */
const SUMMARY_WORDS = {
  uploading: 'uploading',
  active: 'active',
  expired: 'expired',
  exhausted: 'used up',
  revoked: 'revoked',
  purged: 'deleted',
};

const emptySection = byId('empty', HTMLElement);
const listSection = byId('list', HTMLElement);
const tbody = byId('share-rows', HTMLTableSectionElement);
const refreshButton = byId('refresh', HTMLButtonElement);

/** @type {Row[]} */
let rows = [];
// A refresh started while another runs makes the older one's answer moot.
let generation = 0;

refreshButton.addEventListener('click', () => load());
start();

async function start() {
  try {
    const session = await requireSession();
    renderNav(session.account, 'mine');
  } catch (err) {
    setPageState('error');
    setStatus(`${apiSentence(err)} Reload the page to try again.`, 'error');
    return;
  }
  await load();
}

async function load() {
  const gen = ++generation;
  setPageState('loading');
  setStatus('Loading your shares…');
  refreshButton.disabled = true;
  /** @type {ShareSummary[]} */
  let shares;
  try {
    const got = await withRetry(() => apiJson('/api/shares'), { tries: 3 });
    shares = Array.isArray(got?.shares) ? got.shares.map(toSummary) : [];
  } catch (err) {
    if (gen !== generation) return;
    if (isSignedOut(err)) return goToSignIn();
    refreshButton.disabled = false;
    setPageState('error');
    setStatus(`${apiSentence(err)} Your shares could not be listed. Choose Refresh to try again.`, 'error');
    return;
  }
  if (gen !== generation) return;
  refreshButton.disabled = false;
  rows = shares.map((view) => ({ view, tr: el('tr'), confirming: false, busy: false }));
  if (rows.length === 0) return showEmpty();
  emptySection.hidden = true;
  listSection.hidden = false;
  for (const row of rows) renderRow(row);
  tbody.replaceChildren(...rows.map((r) => r.tr));
  setPageState('ready');
  setStatus(summary());
}

function showEmpty() {
  listSection.hidden = true;
  emptySection.hidden = false;
  tbody.replaceChildren();
  setPageState('empty');
  setStatus('You have no shares yet.');
}

/** @param {Row} row */
function renderRow(row) {
  const { view, tr } = row;
  tr.dataset.id = view.id;
  tr.dataset.state = view.state;
  tr.dataset.locked = String(view.locked);
  const created = cell('Created', timeEl(view.created_at));
  created.id = `created-${view.id}`;
  const files = cell('Files', `${plural(view.file_count, 'file')}, ${formatSize(view.payload_bytes)}`);
  files.id = `files-${view.id}`;
  tr.replaceChildren(
    created,
    files,
    cell('State', ...stateWords(view)),
    cell('Expires', timeEl(view.expires_at)),
    cell('Downloads', `${view.downloads} of ${view.max_downloads ?? 'unlimited'}`),
    cell('Actions', ...actions(row)),
  );
}

/**
 * @param {ShareSummary} view
 * @returns {(Node | string)[]}
 */
function stateWords(view) {
  if (view.locked && view.state === 'active') {
    return [
      el('strong', { text: 'Locked' }),
      el('span', {
        className: 'detail block',
        text: 'After too many wrong tries. Unlock it to let the recipient try again.',
      }),
    ];
  }
  const words = [el('strong', { text: STATE_WORDS[view.state] ?? view.state })];
  if (view.failed_proofs > 0 && view.state === 'active') {
    // The owner hears of guessing before it locks the link (worker/src/attempts.rs).
    words.push(
      el('span', {
        className: 'detail block',
        text: `${view.failed_proofs} wrong ${view.failed_proofs === 1 ? 'try' : 'tries'} from ${view.failing_addresses === 1 ? 'one address' : `${view.failing_addresses} addresses`}.`,
      }),
    );
  }
  return words;
}

/**
 * @param {Row} row
 * @returns {Node[]}
 */
function actions(row) {
  const { view } = row;
  const describedBy = `created-${view.id} files-${view.id}`;
  /** @param {string} text @param {string} kind @param {() => void} onClick */
  const button = (text, kind, onClick) => {
    const b = el('button', {
      className: `button small ${kind}`,
      text,
      attrs: { type: 'button', 'aria-describedby': describedBy },
    });
    b.disabled = row.busy;
    b.addEventListener('click', onClick);
    return b;
  };
  if (row.confirming) {
    const question = el('p', {
      className: 'confirm-question',
      text: 'Revoke this link?',
      attrs: { id: `q-${view.id}` },
    });
    const group = el('div', { className: 'confirm', attrs: { role: 'group', 'aria-labelledby': `q-${view.id}` } });
    const yes = button('Revoke', 'danger', () => revoke(row));
    const keep = button('Keep', 'secondary', () => setConfirming(row, false));
    group.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') setConfirming(row, false);
    });
    const buttons = el('div', { className: 'row-actions' });
    buttons.append(yes, keep);
    group.append(question, buttons);
    return [group];
  }
  const list = el('div', { className: 'row-actions' });
  if (view.state === 'active' && view.locked) list.append(button('Unlock', 'secondary', () => unlock(row)));
  if (view.state === 'active' || view.state === 'uploading') {
    list.append(button('Revoke', 'secondary', () => setConfirming(row, true)));
  }
  return list.childElementCount ? [list] : [];
}

/**
 * @param {Row} row
 * @param {boolean} confirming
 */
function setConfirming(row, confirming) {
  row.confirming = confirming;
  renderRow(row);
  // Into the question on the way in; back to Revoke on the way out. "Keep" first: a stray
  // Enter must not revoke a link.
  focusButton(row, confirming ? 'Keep' : 'Revoke');
}

/** @param {Row} row */
async function revoke(row) {
  setBusy(row, true);
  setStatus('Revoking the link…');
  try {
    await apiJson(`/api/shares/${row.view.id}/revoke`, { method: 'POST' });
    row.view = { ...row.view, state: 'revoked' };
    setStatus('Link revoked. Nobody can download these files with it any more.', 'success');
  } catch (err) {
    if (isSignedOut(err)) return goToSignIn();
    const already = err instanceof ApiError && err.code === 'already_revoked';
    if (already) row.view = { ...row.view, state: 'revoked' };
    setStatus(
      already
        ? 'This link was already revoked. Nobody can download these files with it.'
        : `${apiSentence(err)} The link was not revoked. ${err instanceof ApiError && err.status === 0 ? 'Try again when the connection is back.' : 'Choose Refresh to see its current state.'}`,
      already ? 'success' : 'error',
    );
  }
  row.confirming = false;
  setBusy(row, false);
  focusButton(row, 'Revoke');
}

/** @param {Row} row */
async function unlock(row) {
  setBusy(row, true);
  try {
    await apiJson(`/api/shares/${row.view.id}/unlock`, { method: 'POST' });
    row.view = { ...row.view, locked: false };
    setStatus('Link unlocked. The recipient can try the password again.', 'success');
  } catch (err) {
    if (isSignedOut(err)) return goToSignIn();
    setStatus(`${apiSentence(err)} The link is still locked.`, 'error');
  }
  setBusy(row, false);
  focusButton(row, 'Revoke');
}

/**
 * @param {Row} row
 * @param {boolean} busy
 */
function setBusy(row, busy) {
  row.busy = busy;
  renderRow(row);
}

/**
 * Focuses the row's button of that name, or else its first control, so that focus never falls
 * back to the top of the page when the row is redrawn.
 * @param {Row} row
 * @param {string} name
 */
function focusButton(row, name) {
  const buttons = Array.from(row.tr.querySelectorAll('button'));
  const target = buttons.find((b) => b.textContent === name) ?? buttons[0] ?? row.tr.querySelector('time');
  target?.focus();
}

/** "3 shares: 2 active, 1 expired." */
function summary() {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const { view } of rows) {
    const word = view.locked && view.state === 'active' ? 'locked' : (SUMMARY_WORDS[view.state] ?? view.state);
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const parts = Array.from(counts, ([word, n]) => `${n} ${word}`).join(', ');
  return `${plural(rows.length, 'share')}: ${parts}.`;
}
