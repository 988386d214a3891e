// The inbox's requests as the page keeps them: what the server says of each request and file,
// the rows that show them (js/pages/inbox/requests.js, js/pages/inbox/files.js), how a request's head reads
// and the question before a delete. Rows are updated in place, so that focus and downloads in
// progress are left alone.
import { el, timeEl } from '../../lib/dom.js';
import { confirmGroup } from '../../ui/row-actions.js';
import { formatSize, plural } from '../../lib/format.js';

/**
 * @typedef {{ id: string, label: string, message: string, wrapped_rs: string, created_at: number,
 *   expires_at: number, max_files: number, max_bytes: number, state: string, files: number,
 *   unread: number, bytes: number }} RequestSummary
 */
/**
 * @typedef {{ id: string, header: string, metadata: string, stanza: string, plaintext_size: number,
 *   payload_size: number, chunks_per_part: number, part_size: number, part_count: number,
 *   content_id: string, parts: unknown[], received_at: number, read_at: number | null }} InboxFile
 */
/**
 * @typedef {Object} FileView
 * @property {InboxFile} file
 * @property {'ok' | 'planted' | 'tampered'} kind what opening its stanza and metadata gave
 * @property {Uint8Array | null} fs its file secret, when the stanza opened
 * @property {string} name
 * @property {number} size
 * @property {HTMLLIElement} li
 * @property {HTMLElement} badge
 * @property {HTMLProgressElement} bar
 * @property {HTMLElement} detail
 * @property {HTMLDetailsElement} proof
 * @property {HTMLElement} contentId
 * @property {HTMLElement} actions
 * @property {boolean} confirming
 * @property {boolean} busy
 */
/**
 * @typedef {Object} RequestView
 * @property {RequestSummary} summary
 * @property {Uint8Array | null} rs the request secret, or null when it does not unwrap
 * @property {HTMLLIElement} li
 * @property {HTMLButtonElement} open
 * @property {HTMLElement} badge
 * @property {HTMLElement} facts
 * @property {HTMLElement} body
 * @property {HTMLElement} filesNote
 * @property {HTMLUListElement} fileList
 * @property {HTMLElement} actions
 * @property {Map<string, FileView>} files
 * @property {boolean} loaded whether its files were fetched
 * @property {boolean} confirming
 * @property {boolean} busy
 */

/** @type {Record<string, string>} */
const STATE_WORDS = { open: 'Open', expired: 'Expired', full: 'Full' };

/** @type {Map<string, RequestView>} by request id */
export const views = new Map();

let ids = 0;

/** A number for the ids of a new row's elements, unique on the page. */
export function nextId() {
  return ++ids;
}

/**
 * @param {any} r
 * @returns {RequestSummary}
 */
export function toSummary(r) {
  return {
    id: String(r.id),
    label: String(r.label ?? ''),
    message: String(r.message ?? ''),
    wrapped_rs: String(r.wrapped_rs ?? ''),
    created_at: Number(r.created_at),
    expires_at: Number(r.expires_at),
    max_files: Number(r.max_files),
    max_bytes: Number(r.max_bytes),
    state: String(r.state),
    files: Number(r.files) || 0,
    unread: Number(r.unread) || 0,
    bytes: Number(r.bytes) || 0,
  };
}

/** @param {InboxFile} file */
export function isUnread(file) {
  return file.read_at === null || file.read_at === undefined;
}

/**
 * The request's label, its counts and state, after any of them changed.
 * @param {RequestView} view
 */
export function renderHead(view) {
  const { summary, li, open, badge, facts } = view;
  li.dataset.requestId = summary.id;
  li.dataset.state = summary.state;
  li.dataset.unread = String(summary.unread);
  open.textContent = summary.label || 'Untitled request';
  badge.dataset.unread = String(summary.unread);
  badge.textContent = summary.unread ? `${summary.unread} new` : '';
  badge.hidden = summary.unread === 0;
  const when = summary.expires_at > Date.now() ? 'closes ' : 'closed ';
  facts.replaceChildren(
    `${plural(summary.files, 'file')} received (${formatSize(summary.bytes)})`,
    summary.unread ? `, ${summary.unread} unread` : '',
    ` · ${STATE_WORDS[summary.state] ?? summary.state} · ${when}`,
    timeEl(summary.expires_at),
  );
}

/**
 * The question before a delete, for a file and a request alike, with its destructive answer and
 * Keep (the caller focuses Keep first).
 * @param {string} question
 * @param {string} yesText
 * @param {() => void} onYes
 * @param {() => void} onKeep
 */
export function confirmDelete(question, yesText, onYes, onKeep) {
  const yes = el('button', {
    className: 'button small danger confirm-delete',
    text: yesText,
    attrs: { type: 'button' },
  });
  const keep = el('button', { className: 'button small secondary keep', text: 'Keep', attrs: { type: 'button' } });
  yes.addEventListener('click', onYes);
  keep.addEventListener('click', onKeep);
  return confirmGroup(`confirm-${nextId()}`, question, yes, keep);
}
