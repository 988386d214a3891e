// The offer to go on with an interrupted upload, on the share page and the file
// request page: a batch this browser still holds a record of (js/upload/state.js), which no
// other tab is uploading, is listed with how far it got; the person chooses the same files again
// (matched by name, size and modification time: the page cannot read a file it was not given),
// or discards it, which deletes what the server holds of it.
//
// Hooks: section#resume[data-state]: offer (waiting for the files), mismatch (the files chosen
// are not the same; #resume-problems says which and the status line that nothing was sent),
// confirm (Discard asks first, in place of #resume-actions: #resume-discard-confirm, #resume-keep),
// discarding. In it
// ul#resume-list with li[data-file="<name>"][data-state] (sent, partial, waiting, failed);
// #resume-choose opens #resume-input (multiple); #resume-folder-button opens
// #resume-folder-input where the batch holds a folder's files and the browser picks folders;
// #resume-discard.
import { apiFetch } from '../lib/api.js';
import { byId, el, setStatus } from '../lib/dom.js';
import { formatSize, plural } from '../lib/format.js';
import { deleteBatch, liveBatchKeys, listBatches, wipeBatch } from '../upload/state.js';

/** @typedef {import('../upload/state.js').Batch} Batch */

/**
 * What the page does with the offer.
 * @typedef {Object} OfferHooks
 * @property {(batch: Batch, files: (File | null)[]) => void} onFiles the same files, by the
 *   record's files (null where a request's file needs none: it was sent, or refused); the offer
 *   is hidden by then
 * @property {() => void} onDiscarded the batch was discarded and the offer hidden
 * @property {() => Record<string, string>} [uploadAuth] a request's upload token header, to
 *   delete its unfinished files
 */

export class ResumeOffer {
  /** @param {OfferHooks} hooks */
  constructor(hooks) {
    this.hooks = hooks;
    this.section = byId('resume', HTMLElement);
    this.lede = byId('resume-lede', HTMLElement);
    this.list = byId('resume-list', HTMLUListElement);
    this.problems = byId('resume-problems', HTMLUListElement);
    this.actions = byId('resume-actions', HTMLElement);
    this.choose = byId('resume-choose', HTMLButtonElement);
    this.input = byId('resume-input', HTMLInputElement);
    this.discard = byId('resume-discard', HTMLButtonElement);
    this.confirm = byId('resume-confirm', HTMLElement);
    this.question = byId('resume-confirm-question', HTMLElement);
    this.yes = byId('resume-discard-confirm', HTMLButtonElement);
    this.keep = byId('resume-keep', HTMLButtonElement);
    const folderButton = document.getElementById('resume-folder-button');
    const folderInput = document.getElementById('resume-folder-input');
    this.folderButton = folderButton instanceof HTMLButtonElement ? folderButton : null;
    this.folderInput = folderInput instanceof HTMLInputElement && 'webkitdirectory' in folderInput ? folderInput : null;
    if (this.folderInput) this.folderInput.webkitdirectory = true;
    /** @type {Batch | null} */
    this.batch = null;

    this.choose.addEventListener('click', () => this.input.click());
    this.folderButton?.addEventListener('click', () => this.folderInput?.click());
    for (const input of [this.input, this.folderInput]) {
      input?.addEventListener('change', () => {
        const picked = Array.from(input.files ?? []);
        input.value = '';
        if (picked.length) this.#picked(picked);
      });
    }
    this.discard.addEventListener('click', () => this.#setState('confirm'));
    this.keep.addEventListener('click', () => {
      this.#setState('offer');
      this.discard.focus();
    });
    this.confirm.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.keep.click();
    });
    this.yes.addEventListener('click', () => this.#discard());
  }

  /**
   * Lists the batch and waits for its files.
   * @param {Batch} batch
   */
  show(batch) {
    this.batch = batch;
    const share = batch.kind === 'share';
    const count = batch.files.length;
    this.lede.textContent = share
      ? `Sharing ${plural(count, 'file')} was interrupted before the link was made; choose the same files again to continue where it stopped.`
      : `Sending ${plural(count, 'file')} was interrupted; choose the same files again to continue where it stopped.`;
    this.question.textContent = share
      ? 'Discard this upload? What was sent of it is deleted, and it cannot be continued later.'
      : 'Discard this upload? Files marked Sent stay delivered; the rest is deleted and cannot be continued later.';
    this.list.replaceChildren(...batch.files.map((f) => offerRow(f)));
    const folder = !share && batch.files.some((f) => f.state !== 'sent' && f.name.includes('/'));
    if (this.folderButton) this.folderButton.hidden = !(folder && this.folderInput);
    this.problems.hidden = true;
    this.section.hidden = false;
    this.#setState('offer');
  }

  hide() {
    this.section.hidden = true;
    delete this.section.dataset.state;
    wipeBatch(this.batch);
    this.batch = null;
  }

  /** @param {'offer' | 'mismatch' | 'confirm' | 'discarding'} state */
  #setState(state) {
    this.section.dataset.state = state;
    const asking = state === 'confirm' || state === 'discarding';
    // The question takes the place of the actions until it is answered.
    this.confirm.hidden = !asking;
    this.actions.hidden = asking;
    this.yes.disabled = state === 'discarding';
    this.keep.disabled = state === 'discarding';
    if (state === 'confirm') this.keep.focus();
  }

  /** @param {File[]} picked */
  #picked(picked) {
    const batch = this.batch;
    if (!batch) return;
    const { files, problems } = matchFiles(batch, picked);
    if (problems.length) {
      this.problems.replaceChildren(...problems.map((text) => el('li', { text })));
      this.problems.hidden = false;
      this.#setState('mismatch');
      setStatus(
        `${problems.length === 1 ? problems[0] : 'Some of the files chosen are not the ones that were being sent; see the list above.'} Nothing was sent: choose the same files again, or discard the interrupted upload.`,
        'error',
      );
      return;
    }
    this.batch = null;
    this.section.hidden = true;
    delete this.section.dataset.state;
    this.hooks.onFiles(batch, files);
  }

  async #discard() {
    const batch = this.batch;
    if (!batch) return;
    this.#setState('discarding');
    setStatus('Discarding the interrupted upload…');
    await discardBatch(batch, this.hooks.uploadAuth?.());
    this.hide();
    this.hooks.onDiscarded();
  }
}

/**
 * The first batch of this kind (and request) that no tab is uploading, newest first; null when
 * there is none, or this browser keeps none. Expired records are never offered: listing the
 * records deletes them (js/upload/state.js).
 * @param {'share' | 'request'} kind
 * @param {string} [requestId]
 * @returns {Promise<Batch | null>}
 */
export async function findInterrupted(kind, requestId) {
  // Without Web Locks this page cannot tell a batch another tab is uploading from one cut off.
  if (!navigator.locks) return null;
  try {
    const live = await liveBatchKeys();
    const all = await listBatches();
    const found =
      all.find(
        (b) =>
          b.kind === kind &&
          !live.has(b.key) &&
          (b.kind === 'share' || requestId === undefined || b.requestId === requestId),
      ) ?? null;
    // The others' secrets are not needed here.
    for (const b of all) if (b !== found) wipeBatch(b);
    return found;
  } catch {
    return null;
  }
}

/**
 * Deletes what the server holds of an interrupted batch (best effort: it purges abandoned uploads
 * after a day anyway) and the record.
 * @param {Batch} batch
 * @param {Record<string, string>} [uploadAuth] a request's upload token header
 */
export async function discardBatch(batch, uploadAuth) {
  try {
    if (batch.kind === 'share') {
      await apiFetch(`/api/shares/${batch.shareId}/abort`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${batch.ownerToken}` },
      });
    } else {
      for (const f of batch.files) {
        if (f.state !== 'uploading' || !f.fileId) continue;
        await apiFetch(`/api/requests/${batch.requestId}/uploads/${f.fileId}`, {
          method: 'DELETE',
          headers: uploadAuth,
        });
      }
    }
  } catch {
    // Left to the server's purge.
  }
  try {
    await deleteBatch(batch.key);
  } catch {
    // Nothing more this page can do.
  }
  wipeBatch(batch);
}

/**
 * The files of a batch that must be chosen again, by the record's index: every file of a share
 * (its slots are fixed), the unfinished files of a request.
 * @param {Batch} batch
 */
function needed(batch) {
  return batch.files.map((f) => {
    if (batch.kind === 'share') return { name: f.name, fileName: f.name, path: '', size: f.size, at: f.lastModified };
    const r = /** @type {import('../upload/state.js').RequestBatchFile} */ (f);
    if (r.state === 'sent' || r.state === 'failed') return null;
    return { name: r.name, fileName: r.fileName, path: r.name, size: r.size, at: r.lastModified };
  });
}

/**
 * Pairs the files chosen with the batch's: same name (or folder path), size and modification
 * time, each file chosen used once.
 * @param {Batch} batch
 * @param {File[]} picked
 * @returns {{ files: (File | null)[], problems: string[] }}
 */
export function matchFiles(batch, picked) {
  const left = new Set(picked);
  /** @type {string[]} */
  const problems = [];
  const files = needed(batch).map((want) => {
    if (!want) return null;
    const same = (/** @type {File} */ file) => file.size === want.size && file.lastModified === want.at;
    const found =
      [...left].find((file) => same(file) && want.path !== '' && file.webkitRelativePath === want.path) ??
      [...left].find((file) => same(file) && file.name === want.fileName);
    if (found) {
      left.delete(found);
      return found;
    }
    problems.push(
      picked.some((file) => file.name === want.fileName)
        ? `“${want.name}” is not the file that was being sent: its size or modification time differs.`
        : `“${want.name}” was not among the files chosen.`,
    );
    return null;
  });
  return { files, problems };
}

/**
 * A file of the offer: its name and size, and how far it got.
 * @param {Batch['files'][number]} f
 */
function offerRow(f) {
  const state =
    'state' in f
      ? f.state === 'uploading'
        ? 'partial'
        : f.state
      : f.complete
        ? 'sent'
        : Object.keys(f.parts).length
          ? 'partial'
          : 'waiting';
  const li = el('li', { className: 'file-row', attrs: { 'data-file': f.name, 'data-state': state } });
  const head = el('div', { className: 'file-head' });
  head.append(
    el('span', { className: 'file-name', text: f.name }),
    el('span', { className: 'file-size', text: formatSize(f.size) }),
  );
  /** @type {string} */
  let detail;
  if (state === 'sent') detail = 'Sent';
  else if (state === 'failed') detail = ('message' in f && f.message) || 'Not sent';
  else if (state === 'waiting') detail = 'Not started';
  else {
    // The parts the server confirmed, in plaintext terms.
    const layout = f.layout;
    const cipher = layout ? Math.min(layout.payloadSize, new Set(f.sent ?? []).size * layout.partSize) : 0;
    const plain = layout?.payloadSize ? Math.round((cipher / layout.payloadSize) * f.size) : 0;
    detail = `${formatSize(plain)} of ${formatSize(f.size)} sent`;
  }
  li.append(head, el('p', { className: 'detail', text: detail }));
  return li;
}

/**
 * The files of a request batch delivered before (its receipt, and those marked sent).
 * @param {Batch} batch
 * @returns {{ name: string, size: number, contentId: string, at?: number }[]}
 */
export function deliveredOf(batch) {
  if (batch.kind !== 'request') return [];
  const sent = batch.files.flatMap((f) =>
    f.state === 'sent' && f.contentId ? [{ name: f.name, size: f.size, contentId: f.contentId, at: f.sentAt }] : [],
  );
  return [...batch.receipt, ...sent];
}

/**
 * Cuts a request batch, offered and matched, to the files still to send: those sent go on its
 * receipt, those refused before are left out (they can be added again afterwards).
 * @param {Batch} batch
 * @param {(File | null)[]} files as matchFiles pairs them
 * @returns {{ file: File, name: string }[]} the files the batch holds now, in its order
 */
export function keepUnfinished(batch, files) {
  if (batch.kind !== 'request') return [];
  const left = batch.files.flatMap((f, i) => {
    const file = files[i];
    return file && (f.state === 'waiting' || f.state === 'uploading') ? [{ f, file }] : [];
  });
  batch.receipt = deliveredOf(batch);
  batch.files = left.map(({ f }) => f);
  return left.map(({ f, file }) => ({ file, name: f.name }));
}
