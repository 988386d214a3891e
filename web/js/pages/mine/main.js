// "My shares" (/mine, signed in): the person's shares as the server lists them (GET /api/shares),
// newest first, in the shares table (js/ui/shares-table.js: Revoke, and Unlock for a link locked
// by wrong tries, both with the session and its CSRF token), and the owner's activity
// (js/pages/mine/activity.js), which loads beside the list from the start.
//
// body data-state: loading, ready, empty, error.
import { apiJson, apiSentence, withRetry } from '../../lib/api.js';
import { byId, setStatus, setPageState } from '../../lib/dom.js';
import { plural } from '../../lib/format.js';
import { createSharesTable, toSummary } from '../../ui/shares-table.js';
import { requireSession, renderNav, isSignedOut, goToSignIn } from '../../lib/session.js';
import { startActivity } from './activity.js';

/** @typedef {import('../../ui/shares-table.js').ShareSummary} ShareSummary */

// The states' words for the one-line count above the table ("3 shares: 2 active, 1 used up.").
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

const table = createSharesTable({
  tbody,
  view: 'owner',
  again: 'Choose Refresh to see its current state.',
  report(err, consequence) {
    if (isSignedOut(err)) return goToSignIn();
    setStatus(`${apiSentence(err)} ${consequence}`, 'error');
  },
});
// A refresh started while another runs makes the older one's answer moot.
let generation = 0;

refreshButton.addEventListener('click', () => load());
start();
startActivity();

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
  table.show(shares);
  if (shares.length === 0) return showEmpty();
  emptySection.hidden = true;
  listSection.hidden = false;
  setPageState('ready');
  setStatus(summary(shares));
}

function showEmpty() {
  listSection.hidden = true;
  emptySection.hidden = false;
  setPageState('empty');
  setStatus('You have no shares yet.');
}

/**
 * "3 shares: 2 active, 1 expired."
 * @param {ShareSummary[]} shares
 */
function summary(shares) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const share of shares) {
    const word = share.locked && share.state === 'active' ? 'locked' : (SUMMARY_WORDS[share.state] ?? share.state);
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const parts = Array.from(counts, ([word, n]) => `${n} ${word}`).join(', ');
  return `${plural(shares.length, 'share')}: ${parts}.`;
}
