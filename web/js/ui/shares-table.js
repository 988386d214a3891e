// The shares table of "My shares" (the person's own, GET /api/shares) and of the admin console
// (everybody's, GET /api/admin/shares): a row per share, its state in words, and Revoke after a
// question in the row. The owner's view also says how many wrong tries a link had and offers
// Unlock for a link locked by them (only the owner may unlock); the admin's names the owner.
//
// Rows: tr[data-id] with data-state = the server's state and data-locked = "true" | "false";
// button.revoke (and, asking to confirm, button.revoke + button.keep), button.unlock.
import { apiJson, ApiError } from '../lib/api.js';
import { cell, el, setStatus, timeEl } from '../lib/dom.js';
import { formatSize, plural } from '../lib/format.js';
import { confirmGroup, focusIn, rowButton } from './row-actions.js';

/**
 * @typedef {{ id: string, state: string, created_at: number, expires_at: number,
 *   max_downloads: number | null, downloads: number, file_count: number, locked: boolean,
 *   failed_proofs: number, failing_addresses: number, payload_bytes: number,
 *   owner_email: string }} ShareSummary
 */
/**
 * @typedef {Object} Row
 * @property {ShareSummary} share
 * @property {HTMLTableRowElement} tr
 * @property {boolean} confirming the row asks whether to revoke
 * @property {boolean} busy a revoke or unlock is on its way
 */

/** @type {Record<string, string>} */
export const STATE_WORDS = {
  uploading: 'Uploading',
  active: 'Active',
  expired: 'Expired',
  exhausted: 'All downloads used',
  revoked: 'Revoked',
  purged: 'Files deleted',
};

/**
 * @param {any} got
 * @returns {ShareSummary}
 */
export function toSummary(got) {
  return {
    id: String(got?.id),
    state: String(got?.state),
    created_at: Number(got?.created_at),
    expires_at: Number(got?.expires_at),
    max_downloads: got?.max_downloads === null || got?.max_downloads === undefined ? null : Number(got.max_downloads),
    downloads: Number(got?.downloads) || 0,
    file_count: Number(got?.file_count) || 0,
    locked: got?.locked === true,
    failed_proofs: Number(got?.failed_proofs) || 0,
    failing_addresses: Number(got?.failing_addresses) || 0,
    payload_bytes: Number(got?.payload_bytes) || 0,
    owner_email: typeof got?.owner_email === 'string' ? got.owner_email : '',
  };
}

/**
 * @param {Object} options
 * @param {HTMLTableSectionElement} options.tbody
 * @param {'owner' | 'admin'} options.view
 * @param {string} options.again how to see a share's current state after a failed revoke
 * @param {(err: unknown, consequence: string) => void} options.report says a failure in the
 *   page's status line (or signs the person out, ...)
 */
export function createSharesTable({ tbody, view, again, report }) {
  /** @type {Row[]} */
  let rows = [];

  /** @param {Row} row */
  function render(row) {
    const { share, tr } = row;
    tr.dataset.id = share.id;
    tr.dataset.state = share.state;
    tr.dataset.locked = String(share.locked);
    const created = cell('Created', timeEl(share.created_at));
    created.id = `created-${share.id}`;
    const files = cell('Files', `${plural(share.file_count, 'file')}, ${formatSize(share.payload_bytes)}`);
    files.id = `files-${share.id}`;
    /** @type {HTMLTableCellElement[]} */
    const first = [];
    if (view === 'admin') {
      const owner = cell('Owner', share.owner_email || 'Unknown');
      owner.id = `owner-${share.id}`;
      first.push(owner);
    }
    tr.replaceChildren(
      ...first,
      created,
      files,
      cell('State', ...stateWords(share)),
      cell('Expires', timeEl(share.expires_at)),
      cell('Downloads', `${share.downloads} of ${share.max_downloads ?? 'unlimited'}`),
      cell('Actions', ...actions(row)),
    );
  }

  /**
   * @param {ShareSummary} share
   * @returns {(Node | string)[]}
   */
  function stateWords(share) {
    if (share.locked && share.state === 'active') {
      const words = [el('strong', { text: 'Locked' })];
      if (view === 'owner') {
        words.push(
          el('span', {
            className: 'detail block',
            text: 'After too many wrong tries. Unlock it to let the recipient try again.',
          }),
        );
      }
      return words;
    }
    const words = [el('strong', { text: STATE_WORDS[share.state] ?? share.state })];
    if (view === 'owner' && share.failed_proofs > 0 && share.state === 'active') {
      // The owner hears of guessing before it locks the link (worker/src/rules/attempts.rs).
      words.push(
        el('span', {
          className: 'detail block',
          text: `${share.failed_proofs} wrong ${share.failed_proofs === 1 ? 'try' : 'tries'} from ${share.failing_addresses === 1 ? 'one address' : `${share.failing_addresses} addresses`}.`,
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
    const { share, busy } = row;
    const describedBy = `${view === 'admin' ? `owner-${share.id} ` : ''}created-${share.id} files-${share.id}`;
    if (row.confirming) {
      const yes = rowButton('Revoke', 'revoke danger', () => revoke(row), { busy, describedBy });
      const keep = rowButton('Keep', 'keep secondary', () => confirm(row, false), { busy, describedBy });
      return [confirmGroup(`q-${share.id}`, 'Revoke this link? Nobody can download with it after.', yes, keep)];
    }
    const list = el('div', { className: 'row-actions' });
    if (view === 'owner' && share.state === 'active' && share.locked) {
      list.append(rowButton('Unlock', 'unlock secondary', () => unlock(row), { busy, describedBy }));
    }
    if (share.state === 'active' || share.state === 'uploading') {
      list.append(rowButton('Revoke', 'revoke secondary', () => confirm(row, true), { busy, describedBy }));
    }
    return list.childElementCount ? [list] : [];
  }

  /**
   * Into the question on the way in (Keep first: a stray Enter must not revoke a link); back to
   * Revoke on the way out.
   * @param {Row} row
   * @param {boolean} confirming
   */
  function confirm(row, confirming) {
    row.confirming = confirming;
    render(row);
    focusIn(row.tr, confirming ? 'keep' : 'revoke');
  }

  /**
   * @param {Row} row
   * @param {boolean} busy
   */
  function setBusy(row, busy) {
    row.busy = busy;
    render(row);
  }

  /** @param {Row} row */
  async function revoke(row) {
    setBusy(row, true);
    setStatus('Revoking the link…');
    try {
      await apiJson(`/api/shares/${row.share.id}/revoke`, { method: 'POST' });
      row.share = { ...row.share, state: 'revoked' };
      setStatus('Link revoked. Nobody can download these files with it any more.', 'success');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'already_revoked') {
        row.share = { ...row.share, state: 'revoked' };
        setStatus('This link was already revoked. Nobody can download these files with it.', 'success');
      } else {
        const next = err instanceof ApiError && err.status === 0 ? 'Try again when the connection is back.' : again;
        report(err, `The link was not revoked. ${next}`);
      }
    }
    row.confirming = false;
    setBusy(row, false);
    focusIn(row.tr, 'revoke');
  }

  /** @param {Row} row */
  async function unlock(row) {
    setBusy(row, true);
    try {
      await apiJson(`/api/shares/${row.share.id}/unlock`, { method: 'POST' });
      row.share = { ...row.share, locked: false };
      setStatus('Link unlocked. The recipient can try the password again.', 'success');
    } catch (err) {
      report(err, 'The link is still locked.');
    }
    setBusy(row, false);
    focusIn(row.tr, 'revoke');
  }

  return {
    /** @param {ShareSummary[]} shares */
    show(shares) {
      rows = shares.map((share) => ({ share, tr: el('tr'), confirming: false, busy: false }));
      for (const row of rows) render(row);
      tbody.replaceChildren(...rows.map((r) => r.tr));
    },
    /** @returns {ShareSummary[]} the shares as shown, with what was revoked or unlocked since */
    shares: () => rows.map((r) => r.share),
  };
}
