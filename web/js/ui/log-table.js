// The access log as a table, shared by the admin console (/admin, GET /api/audit/events) and the
// owners' activity (/mine, GET /api/activity): one page of events, newest first; Newer and Older
// follow the server's keyset cursors (never offsets); a row opens a panel with every field of
// its event. Event fields come from whoever made the request (a user agent, a detail object),
// so all of them are set as text, never parsed as markup.
//
// The page holds the markup, every id under one prefix P ("log" on /admin, "activity" on /mine):
// section#P (or the id the page names; data-state: loading, ready, empty, error), p#P-status (aria-live), tbody#P-rows,
// button#P-newer, button#P-older, select#P-limit (optional: rows per page), and
// section#P-detail (data-seq) with h3#P-detail-heading, dl#P-detail-fields (dd[data-field] for
// seq, time, actor, client, user_agent, action, object, outcome, bytes, content_id, detail,
// hash, prev) and button#P-detail-close.
// Rows: tr[data-seq] with data-action and data-outcome (the server's values) and data-open =
// "true" on the row whose detail is shown; th > button.log-open opens it.
import { apiJson, apiSentence, isAbort } from '../lib/api.js';
import { byId, el, showStatus, timeEl } from '../lib/dom.js';
import { formatCount, formatSize } from '../lib/format.js';
import { actorWords, exactTime, outcomeWords, shortId, toEvent } from './log-words.js';
import { goToSignIn, isSignedOut } from '../lib/session.js';

/** @typedef {import('./log-words.js').LogEvent} LogEvent */
/** @typedef {{ events: LogEvent[], older: number | null, newer: number | null, head: number | null }} LogPage */
/**
 * @typedef {Object} LoadOptions
 * @property {number} [before] the next older page: events below this seq
 * @property {number} [after] the next newer page: events above this seq
 * @property {number} [openSeq] opens this event's detail once the page shows
 * @property {HTMLElement} [from] the control that asked, to keep focus near it
 */
/**
 * @typedef {Object} LogTable
 * @property {(filters: URLSearchParams, options?: LoadOptions) => Promise<void>} load
 * @property {() => Promise<void>} refresh the newest page again, with the applied filters
 * @property {() => URLSearchParams} filters the filters of the page shown (a copy)
 * @property {() => void} focus moves focus to the table
 */

/** @param {any} got */
function toPage(got) {
  /** @param {unknown} v */
  const seqOrNull = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    events: Array.isArray(got?.events) ? got.events.map(toEvent) : [],
    older: seqOrNull(got?.older),
    newer: seqOrNull(got?.newer),
    head: seqOrNull(got?.head),
  };
}

/**
 * Binds the table whose markup carries ids under `prefix` to the events at `path`.
 * @param {{ prefix: string, section?: string, path: string, noun: string, onObject?: (id: string) => void }} options
 *   section: the id of the section that holds it, when not the prefix; noun: what the status
 *   line calls the list ("events"); onObject: offered in the detail as "Show events of this object"
 * @returns {LogTable}
 */
export function createLogTable({ prefix, section: sectionId = prefix, path, noun, onObject }) {
  const section = byId(sectionId, HTMLElement);
  const status = byId(`${prefix}-status`, HTMLElement);
  const rows = byId(`${prefix}-rows`, HTMLTableSectionElement);
  const wrap = /** @type {HTMLElement} */ (rows.closest('.table-scroll') ?? rows);
  const newerButton = byId(`${prefix}-newer`, HTMLButtonElement);
  const olderButton = byId(`${prefix}-older`, HTMLButtonElement);
  const limitSelect = document.getElementById(`${prefix}-limit`);
  const detail = byId(`${prefix}-detail`, HTMLElement);
  const detailHeading = byId(`${prefix}-detail-heading`, HTMLElement);
  const detailFields = byId(`${prefix}-detail-fields`, HTMLDListElement);
  const detailClose = byId(`${prefix}-detail-close`, HTMLButtonElement);

  /** @type {URLSearchParams} */
  let applied = new URLSearchParams();
  /** @type {LogPage} */
  let page = { events: [], older: null, newer: null, head: null };
  /** @type {number | null} */
  let openSeq = null;
  let generation = 0;
  /** @type {AbortController | null} */
  let inFlight = null;

  newerButton.addEventListener('click', () => {
    if (page.newer !== null) load(applied, { after: page.newer, from: newerButton });
  });
  olderButton.addEventListener('click', () => {
    if (page.older !== null) load(applied, { before: page.older, from: olderButton });
  });
  detailClose.addEventListener('click', () => closeDetail());
  detail.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeDetail();
  });

  /** @type {LogTable['load']} */
  async function load(filters, options = {}) {
    const gen = ++generation;
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    applied = new URLSearchParams(filters);
    const query = new URLSearchParams(filters);
    if (options.before !== undefined) query.set('before', String(options.before));
    if (options.after !== undefined) query.set('after', String(options.after));
    if (limitSelect instanceof HTMLSelectElement && limitSelect.value) query.set('limit', limitSelect.value);
    section.dataset.state = 'loading';
    section.setAttribute('aria-busy', 'true');
    newerButton.disabled = true;
    olderButton.disabled = true;
    showStatus(status, `Loading ${noun}…`);
    try {
      page = toPage(await apiJson(`${path}?${query}`, { signal: controller.signal }));
    } catch (err) {
      if (gen !== generation || isAbort(err)) return;
      if (isSignedOut(err)) return void goToSignIn();
      section.dataset.state = 'error';
      section.removeAttribute('aria-busy');
      newerButton.disabled = page.newer === null;
      olderButton.disabled = page.older === null;
      showStatus(
        status,
        `${apiSentence(err)} The ${noun} could not be loaded; nothing in the log was changed. Try again in a moment.`,
        'error',
      );
      return;
    }
    if (gen !== generation) return;
    inFlight = null;
    section.removeAttribute('aria-busy');
    render();
    const wanted = options.openSeq ?? openSeq;
    const shown = page.events.find((ev) => ev.seq === wanted);
    if (shown) openDetail(shown, options.openSeq !== undefined);
    else if (openSeq !== null) closeDetail(false);
    if (options.from) keepFocus(options.from);
  }

  function render() {
    rows.replaceChildren(...page.events.map(row));
    newerButton.disabled = page.newer === null;
    olderButton.disabled = page.older === null;
    const { events } = page;
    if (events.length === 0) {
      section.dataset.state = 'empty';
      const filtered = [...applied.keys()].length > 0;
      showStatus(status, filtered ? `No ${noun} match these filters.` : `There are no ${noun} yet.`);
      return;
    }
    section.dataset.state = 'ready';
    const first = formatCount(events[0].seq);
    const last = formatCount(events[events.length - 1].seq);
    const count = events.length === 1 ? `1 ${noun.replace(/s$/, '')}` : `${events.length} ${noun}`;
    const more = [page.newer !== null ? 'newer' : '', page.older !== null ? 'older' : ''].filter(Boolean);
    const hint = more.length ? ` There are ${more.join(' and ')} ${noun} too.` : '';
    showStatus(status, `Showing seq ${first} to ${last} (${count}).${hint}`);
  }

  /**
   * @param {LogEvent} ev
   * @returns {HTMLTableRowElement}
   */
  function row(ev) {
    const tr = el('tr');
    tr.dataset.seq = String(ev.seq);
    tr.dataset.action = ev.action;
    tr.dataset.outcome = ev.outcome;
    const outcome = outcomeWords(ev.outcome);
    tr.dataset.kind = outcome.kind;
    const open = el('button', {
      className: 'log-open',
      text: formatCount(ev.seq),
      attrs: {
        type: 'button',
        'aria-controls': detail.id,
        'aria-expanded': 'false',
        'aria-label': `Event ${formatCount(ev.seq)}: show details`,
      },
    });
    open.addEventListener('click', () => openDetail(ev, true));
    // A click anywhere on the row opens it too (the button is the way in for the keyboard).
    tr.addEventListener('click', (e) => {
      if (e.target instanceof Element && !e.target.closest('button, time')) openDetail(ev, true);
    });
    const seq = el('th', { attrs: { scope: 'row' } });
    seq.append(open);
    const time = el('td');
    time.append(timeEl(ev.at));
    const object = el('td', { className: 'mono' });
    if (ev.object) object.append(el('span', { text: shortId(ev.object), attrs: { title: ev.object } }));
    else object.append(el('span', { className: 'detail', text: 'None' }));
    const result = el('td');
    result.append(el('span', { className: `outcome outcome-${outcome.kind}`, text: outcome.words }));
    tr.append(
      seq,
      time,
      el('td', { className: 'actor', text: actorWords(ev) }),
      el('td', { className: 'mono', text: ev.action }),
      object,
      result,
    );
    return tr;
  }

  /**
   * @param {LogEvent} ev
   * @param {boolean} focus
   */
  function openDetail(ev, focus) {
    openSeq = ev.seq;
    for (const tr of rows.querySelectorAll('tr')) {
      const mine = tr.getAttribute('data-seq') === String(ev.seq);
      if (mine) tr.setAttribute('data-open', 'true');
      else tr.removeAttribute('data-open');
      tr.querySelector('.log-open')?.setAttribute('aria-expanded', String(mine));
    }
    detail.dataset.seq = String(ev.seq);
    detailHeading.textContent = `Event ${formatCount(ev.seq)}`;
    const outcome = outcomeWords(ev.outcome);
    /** @type {[string, string, (Node | string)[], string?][]} [field, label, content, class] */
    const fields = [
      ['seq', 'Seq', [String(ev.seq)]],
      ['time', 'Time', [exactTime(ev.at)]],
      [
        'actor',
        'Actor',
        [
          actorWords(ev),
          ...(ev.actor.includes(':') ? [el('span', { className: 'detail block mono', text: ev.actor })] : []),
        ],
      ],
      ['client', 'Client address', [ev.client || 'Not recorded'], 'mono'],
      ['user_agent', 'User agent', [ev.user_agent || 'Not recorded'], 'mono'],
      ['action', 'Action', [ev.action], 'mono'],
      ['object', 'Object', objectContent(ev.object)],
      ['outcome', 'Outcome', [outcome.words, ...(outcome.kind === 'refused' ? [` (${ev.outcome})`] : [])]],
      ['bytes', 'Bytes', [ev.bytes === null ? 'None' : `${formatSize(ev.bytes)} (${formatCount(ev.bytes)} bytes)`]],
      ['content_id', 'Content id', [ev.content_id ?? 'None'], 'mono'],
      ['detail', 'Detail', [detailContent(ev.detail)]],
      ['hash', 'Hash', [ev.hash], 'mono'],
      ['prev', 'Prev', [ev.prev], 'mono'],
    ];
    detailFields.replaceChildren();
    for (const [field, label, content, className] of fields) {
      const dd = el('dd', { attrs: { 'data-field': field } });
      if (className) dd.className = className;
      dd.append(...content);
      detailFields.append(el('dt', { text: label }), dd);
    }
    detail.hidden = false;
    if (focus) detailHeading.focus();
  }

  /**
   * @param {string | null} id
   * @returns {(Node | string)[]}
   */
  function objectContent(id) {
    if (!id) return ['None'];
    const text = el('span', { className: 'mono', text: id });
    if (!onObject) return [text];
    const show = el('button', {
      className: 'button small secondary',
      text: 'Show events of this object',
      attrs: { type: 'button' },
    });
    show.addEventListener('click', () => onObject(id));
    const actions = el('div', { className: 'row-actions' });
    actions.append(show);
    return [text, actions];
  }

  /** @param {boolean} [restore] whether focus goes back to the row that opened it */
  function closeDetail(restore = true) {
    const seq = openSeq;
    openSeq = null;
    detail.hidden = true;
    delete detail.dataset.seq;
    for (const tr of rows.querySelectorAll('tr[data-open]')) {
      tr.removeAttribute('data-open');
      tr.querySelector('.log-open')?.setAttribute('aria-expanded', 'false');
    }
    if (!restore) return;
    const button = rows.querySelector(`tr[data-seq="${seq}"] .log-open`);
    if (button instanceof HTMLElement) button.focus();
    else wrap.focus();
  }

  /**
   * After a page change, focus stays on the button that asked, or the other one, or the table.
   * @param {HTMLElement} from
   */
  function keepFocus(from) {
    if (from instanceof HTMLButtonElement && !from.disabled) return from.focus();
    const other = from === newerButton ? olderButton : newerButton;
    if (!other.disabled) other.focus();
    else wrap.focus();
  }

  return {
    load,
    refresh: () => load(applied),
    filters: () => new URLSearchParams(applied),
    focus: () => wrap.focus(),
  };
}

/**
 * The detail object as indented JSON, as text.
 * @param {unknown} value
 */
function detailContent(value) {
  if (value === null || value === undefined) return document.createTextNode('None');
  let text;
  try {
    text = JSON.stringify(value, null, 2);
  } catch {
    text = String(value);
  }
  return el('pre', { className: 'log-json', text });
}
