// "My shares" (/mine): the shares made in this browser (js/owned.js), each looked up with its
// owner token: state, expiry, downloads used; Revoke after a confirmation in its own row, and
// Unlock for a link locked by wrong tries.
//
// body data-state: loading, ready, empty. Rows: tr[data-id] with data-state = the server's
// state, or loading, deleted (404) or error (not checked); data-locked = "true" | "false".
import { apiJson, ApiError, apiSentence, withRetry } from './api.js';
import { byId, el, setStatus, setPageState, timeEl } from './dom.js';
import { formatSize, plural } from './format.js';
import { loadOwned, forgetOwned } from './owned.js';

/** @typedef {import('./owned.js').OwnedShare} OwnedShare */
/**
 * @typedef {{ state: string, created_at: number, expires_at: number, max_downloads: number | null,
 *   downloads: number, file_count: number, locked: boolean }} OwnerView
 */
/**
 * @typedef {Object} Row
 * @property {OwnedShare} entry
 * @property {HTMLTableRowElement} tr
 * @property {OwnerView | null} view
 * @property {'loading' | 'ok' | 'deleted' | 'refused' | 'failed'} outcome
 * @property {string} note why a row could not be checked
 * @property {boolean} confirming the row asks "Revoke this link?"
 * @property {boolean} busy a revoke or unlock is on its way
 */

// Several at once, but not hundreds: the list grows with every share made in this browser.
const CONCURRENT_LOOKUPS = 4;

/** @type {Record<string, string>} */
const STATE_WORDS = {
  uploading: 'Uploading',
  active: 'Active',
  expired: 'Expired',
  exhausted: 'All downloads used',
  revoked: 'Revoked',
  purged: 'Files deleted',
};
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
// States a share never leaves: nothing more can be done with it but forget it here.
const FINAL_STATES = new Set(['expired', 'exhausted', 'revoked', 'purged']);
const REMOVE = 'Remove from this list';

const emptySection = byId('empty', HTMLElement);
const listSection = byId('list', HTMLElement);
const tbody = byId('share-rows', HTMLTableSectionElement);
const refreshButton = byId('refresh', HTMLButtonElement);

/** @type {Row[]} */
let rows = [];
// A refresh started while another runs makes the older one's answers moot.
let generation = 0;

refreshButton.addEventListener('click', () => load());
load();

async function load() {
  const gen = ++generation;
  rows = loadOwned().map((entry) => ({
    entry,
    tr: el('tr'),
    view: null,
    outcome: 'loading',
    note: '',
    confirming: false,
    busy: false,
  }));
  if (rows.length === 0) return showEmpty();
  setPageState('loading');
  setStatus(`Checking ${plural(rows.length, 'share')}…`);
  emptySection.hidden = true;
  listSection.hidden = false;
  refreshButton.disabled = true;
  for (const row of rows) renderRow(row);
  tbody.replaceChildren(...rows.map((r) => r.tr));
  let next = 0;
  const lookups = Array.from({ length: Math.min(CONCURRENT_LOOKUPS, rows.length) }, async () => {
    while (next < rows.length && gen === generation) {
      const row = rows[next++];
      await check(row);
      if (gen === generation) renderRow(row);
    }
  });
  await Promise.all(lookups);
  if (gen !== generation) return;
  refreshButton.disabled = false;
  setPageState('ready');
  setStatus(summary());
}

function showEmpty() {
  listSection.hidden = true;
  emptySection.hidden = false;
  tbody.replaceChildren();
  setPageState('empty');
  setStatus('No shares made in this browser yet.');
}

/**
 * Asks the server about one share; the row shows what it said.
 * @param {Row} row
 */
async function check(row) {
  try {
    const got = await withRetry(() => apiJson(`/api/shares/${row.entry.id}/owner`, { headers: owner(row) }), {
      tries: 3,
    });
    row.view = ownerView(got);
    row.outcome = 'ok';
  } catch (err) {
    row.view = null;
    if (err instanceof ApiError && err.status === 404) {
      row.outcome = 'deleted';
      row.note = 'The server no longer has this share.';
    } else if (err instanceof ApiError && err.status === 403) {
      row.outcome = 'refused';
      row.note = 'The server did not accept this browser’s key for this share.';
    } else {
      row.outcome = 'failed';
      row.note = apiSentence(err);
    }
  }
}

/**
 * @param {any} got
 * @returns {OwnerView}
 */
function ownerView(got) {
  return {
    state: String(got.state),
    created_at: Number(got.created_at),
    expires_at: Number(got.expires_at),
    max_downloads: got.max_downloads === null ? null : Number(got.max_downloads),
    downloads: Number(got.downloads),
    file_count: Number(got.file_count),
    locked: got.locked === true,
  };
}

/** @param {Row} row */
function renderRow(row) {
  const { entry, view, tr } = row;
  tr.dataset.id = entry.id;
  tr.dataset.state = view ? view.state : row.outcome === 'loading' || row.outcome === 'deleted' ? row.outcome : 'error';
  tr.dataset.locked = String(view?.locked ?? false);
  const created = cell('Created', timeEl(view?.created_at || entry.createdAt));
  created.id = `created-${entry.id}`;
  const files = cell('Files', `${plural(view?.file_count ?? entry.fileCount, 'file')}, ${formatSize(entry.totalSize)}`);
  files.id = `files-${entry.id}`;
  const unknown = () =>
    el('span', { className: 'detail', text: row.outcome === 'loading' ? 'Checking…' : 'Not known' });
  tr.replaceChildren(
    created,
    files,
    cell('State', ...stateWords(row)),
    cell('Expires', view ? timeEl(view.expires_at) : unknown()),
    cell('Downloads', view ? `${view.downloads} of ${view.max_downloads ?? 'unlimited'}` : unknown()),
    cell('Actions', ...actions(row)),
  );
}

/**
 * A cell that names its column, for the narrow layout where rows stack as cards.
 * @param {string} label
 * @param {(Node | string)[]} content
 */
function cell(label, ...content) {
  const td = el('td', { attrs: { 'data-label': label } });
  // One box for the content, so that the narrow layout's label and the content sit side by side.
  const body = el('div');
  body.append(...content);
  td.append(body);
  return td;
}

/**
 * @param {Row} row
 * @returns {(Node | string)[]}
 */
function stateWords(row) {
  const { view } = row;
  if (row.outcome === 'loading') return [el('span', { className: 'detail', text: 'Checking…' })];
  if (!view) {
    const word = row.outcome === 'deleted' ? 'Deleted' : row.outcome === 'refused' ? 'Not available' : 'Not checked';
    return [el('strong', { text: word }), el('span', { className: 'detail block', text: row.note })];
  }
  if (view.locked && view.state === 'active') {
    return [
      el('strong', { text: 'Locked' }),
      el('span', {
        className: 'detail block',
        text: 'After too many wrong tries. Unlock it to let the recipient try again.',
      }),
    ];
  }
  return [el('strong', { text: STATE_WORDS[view.state] ?? view.state })];
}

/**
 * @param {Row} row
 * @returns {Node[]}
 */
function actions(row) {
  const { view, entry } = row;
  const describedBy = `created-${entry.id} files-${entry.id}`;
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
      attrs: { id: `q-${entry.id}` },
    });
    const group = el('div', { className: 'confirm', attrs: { role: 'group', 'aria-labelledby': `q-${entry.id}` } });
    const yes = button('Revoke', 'danger', () => revoke(row));
    const keep = button('Keep', 'secondary', () => setConfirming(row, false));
    group.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') setConfirming(row, false);
    });
    group.append(question, el('div', { className: 'row-actions' }));
    /** @type {HTMLElement} */ (group.lastChild).append(yes, keep);
    return [group];
  }
  const list = el('div', { className: 'row-actions' });
  if (view && view.state === 'active' && view.locked) list.append(button('Unlock', 'secondary', () => unlock(row)));
  if (view && view.state === 'active') list.append(button('Revoke', 'secondary', () => setConfirming(row, true)));
  if ((view && FINAL_STATES.has(view.state)) || row.outcome === 'deleted' || row.outcome === 'refused') {
    list.append(button(REMOVE, 'secondary', () => forget(row)));
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
    await apiJson(`/api/shares/${row.entry.id}/revoke`, { method: 'POST', headers: owner(row) });
    if (row.view) row.view = { ...row.view, state: 'revoked' };
    setStatus('Link revoked. Nobody can download these files with it any more.', 'success');
  } catch (err) {
    const already = err instanceof ApiError && err.code === 'already_revoked';
    setStatus(
      already
        ? 'This link was already revoked. Nobody can download these files with it.'
        : `${apiSentence(err)} The link was not revoked. ${err instanceof ApiError && err.status === 0 ? 'Try again when the connection is back.' : 'Its current state is shown in the list.'}`,
      already ? 'success' : 'error',
    );
    await check(row);
  }
  row.confirming = false;
  setBusy(row, false);
  focusButton(row, REMOVE);
}

/** @param {Row} row */
async function unlock(row) {
  setBusy(row, true);
  try {
    await apiJson(`/api/shares/${row.entry.id}/unlock`, { method: 'POST', headers: owner(row) });
    if (row.view) row.view = { ...row.view, locked: false };
    setStatus('Link unlocked. The recipient can try the password again.', 'success');
  } catch (err) {
    setStatus(`${apiSentence(err)} The link is still locked.`, 'error');
    await check(row);
  }
  setBusy(row, false);
  focusButton(row, 'Revoke');
}

/** @param {Row} row */
function forget(row) {
  if (!forgetOwned(row.entry.id)) {
    setStatus('This browser did not let the page change the list. Nothing was removed.', 'error');
    return;
  }
  const index = rows.indexOf(row);
  rows = rows.filter((r) => r !== row);
  row.tr.remove();
  if (rows.length === 0) {
    showEmpty();
    setStatus('Removed from this list. No shares are left on it.');
    return;
  }
  setStatus('Removed from this list. The share itself was not changed.');
  // Keeps keyboard focus in the table instead of dropping it to the top of the page.
  const near = rows[Math.min(index, rows.length - 1)];
  (near.tr.querySelector('button') ?? near.tr.querySelector('time') ?? refreshButton).focus();
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

/** @param {Row} row */
function owner(row) {
  return { Authorization: `Bearer ${row.entry.ownerToken}` };
}

/** "3 shares: 2 active, 1 expired." and what could not be checked. */
function summary() {
  /** @type {Map<string, number>} */
  const counts = new Map();
  let failed = 0;
  for (const row of rows) {
    if (row.outcome === 'failed') failed++;
    const word = row.view
      ? row.view.locked && row.view.state === 'active'
        ? 'locked'
        : (SUMMARY_WORDS[row.view.state] ?? row.view.state)
      : row.outcome === 'deleted'
        ? 'deleted'
        : 'not checked';
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const parts = Array.from(counts, ([word, n]) => `${n} ${word}`).join(', ');
  const text = `${plural(rows.length, 'share')}: ${parts}.`;
  return failed ? `${text} ${failed} could not be checked; choose Refresh to try again.` : text;
}
