// The admin console's overview cards (ul#overview on /admin, GET /api/admin/overview): active
// shares, active requests, storage used, refusals in the last 24 hours. When there were
// refusals, button#overview-refusals shows them in the access log below.
//
// Hooks: ul#overview with data-state loading | ready | error; li[data-card] (active_shares,
// active_requests, storage_bytes, refusals_24h) with the number in data-value (bytes for
// storage) and data-attention="true" on the refusals card when it is not 0; p#overview-status.
import { apiJson, apiSentence } from '../../lib/api.js';
import { byId, showStatus } from '../../lib/dom.js';
import { formatCount, formatSize } from '../../lib/format.js';
import { goToSignIn, isSignedOut } from '../../lib/session.js';

const list = byId('overview', HTMLElement);
const status = byId('overview-status', HTMLElement);
const refusalsButton = byId('overview-refusals', HTMLButtonElement);

/** @type {[key: string, words: (n: number) => string][]} */
const CARDS = [
  ['active_shares', formatCount],
  ['active_requests', formatCount],
  ['storage_bytes', formatSize],
  ['refusals_24h', formatCount],
];

/**
 * Loads the cards.
 * @param {() => void} showRefusals shows the last day's refusals in the log
 */
export async function startOverview(showRefusals) {
  refusalsButton.addEventListener('click', showRefusals);
  /** @type {any} */
  let got;
  try {
    got = await apiJson('/api/admin/overview');
  } catch (err) {
    if (isSignedOut(err)) return void goToSignIn();
    list.dataset.state = 'error';
    for (const [key] of CARDS) card(key).querySelector('.card-value')?.replaceChildren('Not known');
    showStatus(status, `${apiSentence(err)} The overview could not be loaded. Reload the page to try again.`, 'error');
    return;
  }
  for (const [key, words] of CARDS) {
    const value = Number(got?.[key]);
    const n = Number.isFinite(value) && value >= 0 ? value : 0;
    const li = card(key);
    li.dataset.value = String(n);
    li.querySelector('.card-value')?.replaceChildren(words(n));
  }
  const refusals = Number(card('refusals_24h').dataset.value);
  card('refusals_24h').dataset.attention = String(refusals > 0);
  refusalsButton.hidden = refusals === 0;
  list.dataset.state = 'ready';
}

/** @param {string} key */
function card(key) {
  const li = list.querySelector(`[data-card="${key}"]`);
  if (!(li instanceof HTMLElement)) throw new Error(`the ${key} card is missing from the page`);
  return li;
}
