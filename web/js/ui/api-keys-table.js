// The one table of API keys, for the account page (a person's own keys) and the admin console
// (everyone's, with an Owner column): name, scopes, expiry, last use, state, and Revoke after a
// confirmation in the row. The key itself is never in it: the server shows it once, when made.
//
// Rows: tr[data-key-id] (data-state active | expired | revoked) with button.revoke; asking to
// confirm, button.revoke again and button.keep.
import { apiJson } from '../lib/api.js';
import { cell, el, setStatus, timeEl } from '../lib/dom.js';
import { confirmGroup, focusIn, rowButton } from './row-actions.js';

/**
 * @typedef {{ id: string, name: string, scopes: string[], state: 'active' | 'expired' | 'revoked',
 *   created_at: number, expires_at: number, last_used_at: number | null, revoked_at: number | null,
 *   owner_email: string | null }} ApiKey
 */
/**
 * @typedef {Object} KeyRow
 * @property {ApiKey} key
 * @property {HTMLTableRowElement} tr
 * @property {boolean} confirming
 * @property {boolean} busy
 */

/** What each scope lets a key do, in the words the pages use. */
export const SCOPE_WORDS = {
  share: 'Share files',
  request: 'Ask for files',
  inbox: 'Read the inbox',
};

/**
 * @param {any} k
 * @returns {ApiKey}
 */
export function toApiKey(k) {
  const state = k?.state === 'expired' || k?.state === 'revoked' ? k.state : 'active';
  const at = (/** @type {unknown} */ v) => (typeof v === 'number' ? v : null);
  return {
    id: String(k?.id),
    name: String(k?.name ?? ''),
    scopes: Array.isArray(k?.scopes) ? k.scopes.map(String) : [],
    state,
    created_at: Number(k?.created_at),
    expires_at: Number(k?.expires_at),
    last_used_at: at(k?.last_used_at),
    revoked_at: at(k?.revoked_at),
    owner_email: typeof k?.owner_email === 'string' ? k.owner_email : null,
  };
}

/**
 * Fills `tbody` with a row per key. `revokePath` is where a key is revoked (the person's own
 * endpoint, or the admins'); `onError` says what did not happen.
 * @param {HTMLTableSectionElement} tbody
 * @param {ApiKey[]} keys
 * @param {{ owners: boolean, revokePath: (id: string) => string, onError: (err: unknown, consequence: string) => void }} options
 */
export function showApiKeys(tbody, keys, options) {
  const rows = keys.map((key) => ({ key, tr: el('tr'), confirming: false, busy: false }));
  for (const row of rows) render(row, options);
  tbody.replaceChildren(...rows.map((r) => r.tr));
}

/**
 * @param {KeyRow} row
 * @param {{ owners: boolean, revokePath: (id: string) => string, onError: (err: unknown, consequence: string) => void }} options
 */
function render(row, options) {
  const { key, tr } = row;
  tr.dataset.keyId = key.id;
  tr.dataset.state = key.state;
  const nameId = `key-${key.id}`;
  const name = cell('Name', key.name);
  name.id = nameId;
  const scopes = key.scopes.map((s) => SCOPE_WORDS[/** @type {keyof SCOPE_WORDS} */ (s)] ?? s).join(', ');
  const state =
    key.state === 'revoked' && key.revoked_at !== null
      ? [el('strong', { text: 'Revoked' }), ' ', timeEl(key.revoked_at)]
      : [el('strong', { text: key.state === 'expired' ? 'Expired' : 'Active' })];
  const cells = [name];
  if (options.owners) cells.push(cell('Owner', key.owner_email ?? ''));
  cells.push(
    cell('Scopes', scopes),
    cell('Expires', timeEl(key.expires_at)),
    cell('Last used', key.last_used_at === null ? 'Never' : timeEl(key.last_used_at)),
    cell('State', ...state),
    cell('Actions', ...actions(row, options, nameId)),
  );
  tr.replaceChildren(...cells);
}

/**
 * @param {KeyRow} row
 * @param {{ owners: boolean, revokePath: (id: string) => string, onError: (err: unknown, consequence: string) => void }} options
 * @param {string} describedBy
 * @returns {Node[]}
 */
function actions(row, options, describedBy) {
  if (row.key.state === 'revoked') return [];
  const confirm = (/** @type {boolean} */ confirming) => {
    row.confirming = confirming;
    render(row, options);
    focusIn(row.tr, confirming ? 'keep' : 'revoke');
  };
  if (row.confirming) {
    const yes = rowButton('Revoke', 'revoke danger', () => revoke(row, options), { busy: row.busy, describedBy });
    const keep = rowButton('Keep', 'keep secondary', () => confirm(false), { busy: row.busy, describedBy });
    const question = `Revoke “${row.key.name}”? Every job that uses it stops at once.`;
    return [confirmGroup(`q-key-${row.key.id}`, question, yes, keep)];
  }
  const list = el('div', { className: 'row-actions' });
  list.append(rowButton('Revoke', 'revoke secondary', () => confirm(true), { busy: row.busy, describedBy }));
  return [list];
}

/**
 * @param {KeyRow} row
 * @param {{ owners: boolean, revokePath: (id: string) => string, onError: (err: unknown, consequence: string) => void }} options
 */
async function revoke(row, options) {
  row.busy = true;
  render(row, options);
  setStatus('Revoking the key…');
  try {
    await apiJson(options.revokePath(row.key.id), { method: 'DELETE' });
    row.key = { ...row.key, state: 'revoked', revoked_at: Date.now() };
    setStatus(`The key “${row.key.name}” is revoked: nothing can use it any more.`, 'success');
  } catch (err) {
    options.onError(err, 'The key was not revoked.');
  }
  row.busy = false;
  row.confirming = false;
  render(row, options);
  focusIn(row.tr, 'revoke');
}
