// The admin console (/admin, administrators; others see a sentence), and what builds it: the
// accounts (js/pages/admin/accounts.js), the invitations (js/pages/admin/invites.js), every API
// key (js/ui/api-keys-table.js, revoke after a confirmation), every share in the shares table (js/ui/shares-table.js, revoke after a confirmation), and once the
// console shows, the access log (js/pages/admin/log.js) with the sections it ties together: the
// overview cards (js/pages/admin/overview.js, whose refusal count opens the refusals in the log),
// the policy form (js/pages/admin/policy.js, whose saves show at the top of the log at once) and
// the checkpoint card (js/pages/admin/checkpoint.js).
//
// body data-state: loading, ready, forbidden (not an administrator), error (the lists could not
// be loaded).
import { apiJson, ApiError, apiSentence } from '../../lib/api.js';
import { byId, setPageState, setStatus } from '../../lib/dom.js';
import { goToSignIn, isSignedOut, renderNav, requireSession } from '../../lib/session.js';
import { showApiKeys, toApiKey } from '../../ui/api-keys-table.js';
import { createSharesTable, toSummary } from '../../ui/shares-table.js';
import { showAccounts, toAccount } from './accounts.js';
import { startCheckpoint } from './checkpoint.js';
import { showInvites, startInvites, toInvite } from './invites.js';
import { startAccessLog } from './log.js';
import { startOverview } from './overview.js';
import { startPolicy } from './policy.js';

/** @typedef {import('./accounts.js').AccountSummary} AccountSummary */

const forbidden = byId('forbidden', HTMLElement);
const consoleBox = byId('console', HTMLElement);
const sharesTable = byId('all-shares', HTMLTableElement);
const sharesEmpty = byId('shares-empty', HTMLElement);
const keyRows = byId('admin-key-rows', HTMLTableSectionElement);
const keysEmpty = byId('keys-empty', HTMLElement);
const shares = createSharesTable({
  tbody: byId('share-rows', HTMLTableSectionElement),
  view: 'admin',
  again: 'Reload the page to see its current state.',
  report,
});

startInvites(report);
start();

async function start() {
  /** @type {AccountSummary[]} */
  let people = [];
  try {
    const { account } = await requireSession();
    renderNav(account, 'admin');
    if (account.role !== 'admin') return showForbidden();
    const [accounts, invites, all, keys] = await Promise.all([
      apiJson('/api/accounts'),
      apiJson('/api/invites'),
      apiJson('/api/admin/shares'),
      apiJson('/api/admin/api-keys'),
    ]);
    people = (Array.isArray(accounts?.accounts) ? accounts.accounts : []).map(toAccount);
    showAccounts(people, account.id, report);
    showInvites((Array.isArray(invites?.invites) ? invites.invites : []).map(toInvite));
    const keyList = (Array.isArray(keys?.api_keys) ? keys.api_keys : []).map(toApiKey);
    showApiKeys(keyRows, keyList, { owners: true, revokePath: (id) => `/api/admin/api-keys/${id}`, onError: report });
    keysEmpty.hidden = keyList.length > 0;
    const list = (Array.isArray(all?.shares) ? all.shares : []).map(toSummary);
    shares.show(list);
    sharesEmpty.hidden = list.length > 0;
    sharesTable.hidden = list.length === 0;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'admin_only') return showForbidden();
    if (isSignedOut(err)) return goToSignIn();
    setPageState('error');
    setStatus(`${apiSentence(err)} The console could not be loaded. Reload the page to try again.`, 'error');
    return;
  }
  consoleBox.hidden = false;
  setPageState('ready');
  setStatus('');
  const log = startAccessLog(people);
  startOverview(log.showRefusals);
  startPolicy(log.refresh);
  startCheckpoint();
}

function showForbidden() {
  forbidden.hidden = false;
  consoleBox.hidden = true;
  setPageState('forbidden');
  setStatus('');
}

/**
 * Something the server refused or did not answer, said in the status line.
 * @param {unknown} err
 * @param {string} consequence what did not happen, a sentence
 */
function report(err, consequence) {
  if (isSignedOut(err)) {
    goToSignIn();
    return;
  }
  if (err instanceof ApiError && err.code === 'admin_only') {
    showForbidden();
    return;
  }
  setStatus(`${apiSentence(err)} ${consequence}`, 'error');
}
