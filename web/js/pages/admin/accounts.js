// The admin console's accounts (tbody#account-rows): role, and disable or enable after a
// confirmation in the row. An administrator can neither disable nor demote their own account.
//
// Rows: tr[data-account-id] (data-state active | disabled, data-role staff | admin) with
// select.role and button.disable (or button.enable); asking to confirm, the row shows
// button.disable (or button.enable) again to confirm and button.keep.
import { apiJson } from '../../lib/api.js';
import { byId, cell, el, setStatus, timeEl } from '../../lib/dom.js';
import { confirmGroup, focusIn, rowButton } from '../../ui/row-actions.js';

/**
 * @typedef {{ id: string, email: string, name: string, role: 'staff' | 'admin', created_at: number,
 *   disabled_at: number | null }} AccountSummary
 */
/**
 * @typedef {Object} AccountRow
 * @property {AccountSummary} account
 * @property {HTMLTableRowElement} tr
 * @property {boolean} confirming
 * @property {boolean} busy
 */

const accountRows = byId('account-rows', HTMLTableSectionElement);

/** @type {string} this administrator's own account id */
let selfId = '';
/** @type {(err: unknown, consequence: string) => void} */
let report = () => {};

/**
 * @param {AccountSummary[]} accounts
 * @param {string} self this administrator's own account id
 * @param {(err: unknown, consequence: string) => void} onError says what did not happen
 */
export function showAccounts(accounts, self, onError) {
  selfId = self;
  report = onError;
  const rows = accounts.map((account) => ({ account, tr: el('tr'), confirming: false, busy: false }));
  for (const row of rows) renderAccount(row);
  accountRows.replaceChildren(...rows.map((r) => r.tr));
}

/**
 * @param {any} a
 * @returns {AccountSummary}
 */
export function toAccount(a) {
  return {
    id: String(a?.id),
    email: String(a?.email ?? ''),
    name: String(a?.name ?? ''),
    role: a?.role === 'admin' ? 'admin' : 'staff',
    created_at: Number(a?.created_at),
    disabled_at: a?.disabled_at === null || a?.disabled_at === undefined ? null : Number(a.disabled_at),
  };
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
