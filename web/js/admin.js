// The admin console (/admin, administrators; others see a sentence): invitations (make one, see
// the pending ones, cancel), accounts (role, disable or enable after a confirmation in the row),
// every share (revoke after a confirmation). The overview cards, the policy form and the access
// log (#access-log) are js/admin-log.js's, started once the console shows.
//
// body data-state: loading, ready, forbidden (not an administrator), error (the lists could not
// be loaded).
// Rows: tr[data-account-id] (data-state active | disabled, data-role staff | admin) with
// select.role and button.disable (or button.enable); asking to confirm, the row shows
// button.disable (or button.enable) again to confirm and button.keep. tr[data-invite-id] with
// button.cancel. tr[data-share-id] (data-state = the share's state) with button.revoke, and
// button.revoke + button.keep to confirm.
import { apiJson, ApiError, apiSentence } from './api.js';
import { byId, cell, confirmGroup, el, setPageState, setStatus, timeEl } from './dom.js';
import { formatSize, plural } from './format.js';
import { clearFieldErrors, copyLink, fieldError, looksLikeEmail } from './forms.js';
import { goToSignIn, isSignedOut, renderNav, requireSession } from './session.js';
import { startAccessLog } from './admin-log.js';
import { STATE_WORDS, toSummary } from './share-summary.js';

/** @typedef {import('./share-summary.js').ShareSummary} ShareSummary */
/**
 * @typedef {{ id: string, email: string, name: string, role: 'staff' | 'admin', created_at: number,
 *   disabled_at: number | null }} AccountSummary
 */
/** @typedef {{ id: string, email: string, role: string, created_at: number, expires_at: number }} Invite */
/**
 * @typedef {Object} AccountRow
 * @property {AccountSummary} account
 * @property {HTMLTableRowElement} tr
 * @property {boolean} confirming
 * @property {boolean} busy
 */
/**
 * @typedef {Object} ShareRow
 * @property {ShareSummary} share
 * @property {HTMLTableRowElement} tr
 * @property {boolean} confirming
 * @property {boolean} busy
 */

const forbidden = byId('forbidden', HTMLElement);
const consoleBox = byId('console', HTMLElement);
const inviteForm = byId('invite-form', HTMLFormElement);
const inviteEmail = byId('invite-email', HTMLInputElement);
const inviteRole = byId('invite-role', HTMLSelectElement);
const inviteValid = byId('invite-valid', HTMLSelectElement);
const inviteButton = byId('invite-button', HTMLButtonElement);
const inviteResult = byId('invite-result', HTMLElement);
const inviteLink = byId('invite-link', HTMLInputElement);
const inviteCopy = byId('invite-copy', HTMLButtonElement);
const inviteExpires = byId('invite-expires', HTMLElement);
const invitesTable = byId('invites', HTMLTableElement);
const invitesEmpty = byId('invites-empty', HTMLElement);
const inviteRows = byId('invite-rows', HTMLTableSectionElement);
const accountRows = byId('account-rows', HTMLTableSectionElement);
const sharesTable = byId('all-shares', HTMLTableElement);
const sharesEmpty = byId('shares-empty', HTMLElement);
const shareRows = byId('share-rows', HTMLTableSectionElement);

/** @type {string} this administrator's own account id */
let selfId = '';

inviteForm.addEventListener('submit', (event) => {
  event.preventDefault();
  invite();
});
inviteCopy.addEventListener('click', () => copyLink(inviteLink, inviteCopy, 'invitation link'));
start();

async function start() {
  /** @type {AccountSummary[]} */
  let people = [];
  try {
    const { account } = await requireSession();
    selfId = account.id;
    renderNav(account, 'admin');
    if (account.role !== 'admin') return showForbidden();
    const [accounts, invites, shares] = await Promise.all([
      apiJson('/api/accounts'),
      apiJson('/api/invites'),
      apiJson('/api/admin/shares'),
    ]);
    people = (Array.isArray(accounts?.accounts) ? accounts.accounts : []).map(toAccount);
    showAccounts(people);
    showInvites((Array.isArray(invites?.invites) ? invites.invites : []).map(toInvite));
    showShares((Array.isArray(shares?.shares) ? shares.shares : []).map(toSummary));
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
  startAccessLog(people);
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

/**
 * @param {string} text
 * @param {string} className
 * @param {() => void} onClick
 * @param {{ busy?: boolean, describedBy?: string, label?: string }} [options]
 */
function rowButton(text, className, onClick, options = {}) {
  /** @type {Record<string, string>} */
  const attrs = { type: 'button' };
  if (options.describedBy) attrs['aria-describedby'] = options.describedBy;
  if (options.label) attrs['aria-label'] = options.label;
  const b = el('button', { className: `button small ${className}`, text, attrs });
  b.disabled = options.busy === true;
  b.addEventListener('click', onClick);
  return b;
}

/**
 * @param {HTMLTableRowElement} tr
 * @param {string} className
 */
function focusIn(tr, className) {
  const target =
    tr.querySelector(`button.${className}:not(:disabled)`) ?? tr.querySelector('button:not(:disabled), select, time');
  if (target instanceof HTMLElement) target.focus();
}

// Accounts

/**
 * @param {any} a
 * @returns {AccountSummary}
 */
function toAccount(a) {
  return {
    id: String(a?.id),
    email: String(a?.email ?? ''),
    name: String(a?.name ?? ''),
    role: a?.role === 'admin' ? 'admin' : 'staff',
    created_at: Number(a?.created_at),
    disabled_at: a?.disabled_at === null || a?.disabled_at === undefined ? null : Number(a.disabled_at),
  };
}

/** @param {AccountSummary[]} accounts */
function showAccounts(accounts) {
  const rows = accounts.map((account) => ({ account, tr: el('tr'), confirming: false, busy: false }));
  for (const row of rows) renderAccount(row);
  accountRows.replaceChildren(...rows.map((r) => r.tr));
}

/** @param {AccountRow} row */
function renderAccount(row) {
  const { account, tr } = row;
  const self = account.id === selfId;
  const emailId = `account-${account.id}`;
  tr.dataset.accountId = account.id;
  tr.dataset.state = account.disabled_at === null ? 'active' : 'disabled';
  tr.dataset.role = account.role;

  const email = cell('Email', account.email);
  email.id = emailId;
  if (self)
    /** @type {HTMLElement} */ (email.firstChild).append(el('span', { className: 'detail block', text: 'You' }));

  const select = el('select', { className: 'role', attrs: { 'aria-label': `Role of ${account.email}` } });
  for (const [value, text] of [
    ['staff', 'Staff'],
    ['admin', 'Administrator'],
  ]) {
    const option = el('option', { text, attrs: { value } });
    option.selected = value === account.role;
    select.append(option);
  }
  select.disabled = row.busy || self;
  select.addEventListener('change', () => changeRole(row, select));

  const state =
    account.disabled_at === null
      ? [el('strong', { text: 'Active' })]
      : [el('strong', { text: 'Disabled' }), ' ', timeEl(account.disabled_at)];

  tr.replaceChildren(
    email,
    cell('Name', account.name),
    cell('Role', select),
    cell('State', ...state),
    cell('Actions', ...accountActions(row, self, emailId)),
  );
}

/**
 * @param {AccountRow} row
 * @param {boolean} self
 * @param {string} describedBy
 * @returns {Node[]}
 */
function accountActions(row, self, describedBy) {
  const { account } = row;
  const disabled = account.disabled_at !== null;
  const verb = disabled ? 'Enable' : 'Disable';
  const className = disabled ? 'enable' : 'disable';
  if (row.confirming) {
    const yes = rowButton(verb, `${className} ${disabled ? '' : 'danger'}`.trim(), () => setDisabled(row, !disabled), {
      busy: row.busy,
      describedBy,
    });
    const keep = rowButton('Keep', 'keep secondary', () => confirmAccount(row, false), { busy: row.busy, describedBy });
    const question = disabled
      ? `Enable ${account.email}? They can sign in again.`
      : `Disable ${account.email}? They are signed out at once.`;
    return [confirmGroup(`q-${account.id}`, question, yes, keep)];
  }
  const list = el('div', { className: 'row-actions' });
  const button = rowButton(verb, `${className} secondary`, () => confirmAccount(row, true), {
    busy: row.busy || self,
    describedBy,
  });
  list.append(button);
  if (self) list.append(el('span', { className: 'detail block', text: 'You cannot disable or demote yourself.' }));
  return [list];
}

/**
 * @param {AccountRow} row
 * @param {boolean} confirming
 */
function confirmAccount(row, confirming) {
  row.confirming = confirming;
  renderAccount(row);
  focusIn(row.tr, confirming ? 'keep' : row.account.disabled_at === null ? 'disable' : 'enable');
}

/**
 * @param {AccountRow} row
 * @param {boolean} disable
 */
async function setDisabled(row, disable) {
  row.busy = true;
  renderAccount(row);
  setStatus(disable ? 'Disabling the account…' : 'Enabling the account…');
  try {
    const got = await apiJson(`/api/accounts/${row.account.id}`, { method: 'PATCH', json: { disabled: disable } });
    row.account = got?.account ? toAccount(got.account) : { ...row.account, disabled_at: disable ? Date.now() : null };
    setStatus(
      disable
        ? `${row.account.email} is disabled and was signed out.`
        : `${row.account.email} is enabled and can sign in again.`,
      'success',
    );
  } catch (err) {
    report(err, disable ? 'The account was not disabled.' : 'The account was not enabled.');
  }
  row.busy = false;
  row.confirming = false;
  renderAccount(row);
  focusIn(row.tr, row.account.disabled_at === null ? 'disable' : 'enable');
}

/**
 * @param {AccountRow} row
 * @param {HTMLSelectElement} select
 */
async function changeRole(row, select) {
  const role = select.value === 'admin' ? 'admin' : 'staff';
  if (role === row.account.role) return;
  row.busy = true;
  select.disabled = true;
  setStatus('Changing the role…');
  try {
    const got = await apiJson(`/api/accounts/${row.account.id}`, { method: 'PATCH', json: { role } });
    row.account = got?.account ? toAccount(got.account) : { ...row.account, role };
    setStatus(`${row.account.email} is now ${row.account.role === 'admin' ? 'an administrator' : 'staff'}.`, 'success');
  } catch (err) {
    report(err, 'The role was not changed.');
  }
  row.busy = false;
  renderAccount(row);
  const again = row.tr.querySelector('select.role');
  if (again instanceof HTMLSelectElement) again.focus();
}

// Invitations

/**
 * @param {any} i
 * @returns {Invite}
 */
function toInvite(i) {
  return {
    id: String(i?.id),
    email: String(i?.email ?? ''),
    role: i?.role === 'admin' ? 'admin' : 'staff',
    created_at: Number(i?.created_at),
    expires_at: Number(i?.expires_at),
  };
}

/** @param {Invite[]} invites */
function showInvites(invites) {
  inviteRows.replaceChildren(...invites.map(inviteRow));
  updateInvitesEmpty();
}

function updateInvitesEmpty() {
  const none = inviteRows.childElementCount === 0;
  invitesEmpty.hidden = !none;
  invitesTable.hidden = none;
}

/** @param {Invite} inv */
function inviteRow(inv) {
  const tr = el('tr');
  tr.dataset.inviteId = inv.id;
  const email = cell('Email', inv.email);
  email.id = `invite-${inv.id}`;
  const cancel = rowButton('Cancel', 'cancel secondary', () => cancelInvite(inv, tr, cancel), {
    describedBy: email.id,
    label: `Cancel the invitation of ${inv.email}`,
  });
  tr.append(
    email,
    cell('Role', inv.role === 'admin' ? 'Administrator' : 'Staff'),
    cell('Sent', Number.isFinite(inv.created_at) ? timeEl(inv.created_at) : ''),
    cell('Expires', timeEl(inv.expires_at)),
    cell('Actions', cancel),
  );
  return tr;
}

/**
 * @param {Invite} inv
 * @param {HTMLTableRowElement} tr
 * @param {HTMLButtonElement} button
 */
async function cancelInvite(inv, tr, button) {
  button.disabled = true;
  setStatus('Cancelling the invitation…');
  try {
    await apiJson(`/api/invites/${inv.id}`, { method: 'DELETE' });
    setStatus(`The invitation of ${inv.email} was cancelled. Its link no longer works.`, 'success');
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) {
      button.disabled = false;
      report(err, 'The invitation was not cancelled.');
      return;
    }
    setStatus(`The invitation of ${inv.email} was already used, cancelled or expired.`);
  }
  const next = tr.nextElementSibling ?? tr.previousElementSibling;
  tr.remove();
  updateInvitesEmpty();
  const target = next?.querySelector('button') ?? inviteEmail;
  if (target instanceof HTMLElement) target.focus();
}

async function invite() {
  clearFieldErrors(inviteForm);
  const email = inviteEmail.value.trim();
  if (!looksLikeEmail(email)) {
    const message = 'Type the email address of the person to invite, like name@example.org.';
    fieldError(inviteEmail, message);
    setStatus(message, 'error');
    inviteEmail.focus();
    return;
  }
  const validHours = Number(inviteValid.value) || 168;
  inviteButton.disabled = true;
  setStatus('Creating the invitation…');
  try {
    const got = await apiJson('/api/invites', {
      method: 'POST',
      json: { email, role: inviteRole.value === 'admin' ? 'admin' : 'staff', valid_hours: validHours },
    });
    const inv = toInvite({ ...got, created_at: Date.now() });
    inviteLink.value = `${location.origin}/join#${String(got?.token ?? '')}`;
    inviteCopy.textContent = 'Copy';
    inviteExpires.replaceChildren('The link works once, until ', timeEl(inv.expires_at), '.');
    inviteResult.hidden = false;
    inviteRows.prepend(inviteRow(inv));
    updateInvitesEmpty();
    inviteForm.reset();
    setStatus(`Invitation created for ${inv.email}. Copy the link and send it to them.`, 'success');
    inviteLink.focus();
    inviteLink.select();
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'email_taken' || err.code === 'bad_email')) {
      fieldError(inviteEmail, apiSentence(err));
      inviteEmail.focus();
    }
    report(err, 'No invitation was created.');
  } finally {
    inviteButton.disabled = false;
  }
}

// Shares

/** @param {ShareSummary[]} shares */
function showShares(shares) {
  const rows = shares.map((share) => ({ share, tr: el('tr'), confirming: false, busy: false }));
  for (const row of rows) renderShare(row);
  shareRows.replaceChildren(...rows.map((r) => r.tr));
  sharesEmpty.hidden = rows.length > 0;
  sharesTable.hidden = rows.length === 0;
}

/** @param {ShareRow} row */
function renderShare(row) {
  const { share, tr } = row;
  tr.dataset.shareId = share.id;
  tr.dataset.state = share.state;
  const owner = cell('Owner', share.owner_email || 'Unknown');
  owner.id = `owner-${share.id}`;
  const created = cell('Created', timeEl(share.created_at));
  created.id = `created-${share.id}`;
  const describedBy = `owner-${share.id} created-${share.id}`;
  const state = share.locked && share.state === 'active' ? 'Locked' : (STATE_WORDS[share.state] ?? share.state);
  /** @type {Node[]} */
  let actions = [];
  if (row.confirming) {
    const yes = rowButton('Revoke', 'revoke danger', () => revoke(row), { busy: row.busy, describedBy });
    const keep = rowButton('Keep', 'keep secondary', () => confirmShare(row, false), { busy: row.busy, describedBy });
    actions = [confirmGroup(`q-${share.id}`, 'Revoke this link? Nobody can download with it after.', yes, keep)];
  } else if (share.state === 'active' || share.state === 'uploading') {
    actions = [rowButton('Revoke', 'revoke secondary', () => confirmShare(row, true), { busy: row.busy, describedBy })];
  }
  tr.replaceChildren(
    owner,
    created,
    cell('Files', `${plural(share.file_count, 'file')}, ${formatSize(share.payload_bytes)}`),
    cell('State', el('strong', { text: state })),
    cell('Expires', timeEl(share.expires_at)),
    cell('Downloads', `${share.downloads} of ${share.max_downloads ?? 'unlimited'}`),
    cell('Actions', ...actions),
  );
}

/**
 * @param {ShareRow} row
 * @param {boolean} confirming
 */
function confirmShare(row, confirming) {
  row.confirming = confirming;
  renderShare(row);
  focusIn(row.tr, confirming ? 'keep' : 'revoke');
}

/** @param {ShareRow} row */
async function revoke(row) {
  row.busy = true;
  renderShare(row);
  setStatus('Revoking the link…');
  try {
    await apiJson(`/api/shares/${row.share.id}/revoke`, { method: 'POST' });
    row.share = { ...row.share, state: 'revoked' };
    setStatus('Link revoked. Nobody can download these files with it any more.', 'success');
  } catch (err) {
    if (err instanceof ApiError && err.code === 'already_revoked') {
      row.share = { ...row.share, state: 'revoked' };
      setStatus('This link was already revoked.', 'success');
    } else {
      report(err, 'The link was not revoked.');
    }
  }
  row.busy = false;
  row.confirming = false;
  renderShare(row);
  focusIn(row.tr, 'revoke');
}
