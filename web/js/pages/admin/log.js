// The admin console's access log (section#access-log on /admin): the filter bar, the table with
// its paging and detail (js/ui/log-table.js, prefix "log", GET /api/audit/events), Verify and the
// exports; and what the other sections of the console do with it: show the refusals of the
// last day (the overview's count) and the newest events (after a policy save).
//
// Hooks: form#log-filter with input#log-since, #log-until (datetime-local, sent as ms),
// select#log-actor ("", staff, staff:<account id>, partner, holder, anonymous, system),
// select#log-action ("", an action, or a prefix ending in "."), select#log-outcome,
// input#log-object (22 base64url characters), select#log-limit; button#log-apply (submit),
// button#log-clear. button#log-verify; div#verify-result with data-state checking | intact |
// broken | error, p.verify-summary (the server's sentence) and, when broken, button#verify-show
// ("Show seq N"). button#export-jsonl, #export-csv (GET /api/audit/export with the applied
// filters), p#export-status.
import { apiFetch, apiJson, ApiError, apiSentence, NETWORK_MESSAGE } from '../../lib/api.js';
import { byId, el, showStatus } from '../../lib/dom.js';
import { formatCount, formatSize } from '../../lib/format.js';
import { clearFieldErrors, fieldError } from '../../lib/forms.js';
import { goToSignIn, isSignedOut } from '../../lib/session.js';
import { createLogTable } from '../../ui/log-table.js';
import { fillActionSelect, fillOutcomeSelect, OBJECT_ID } from '../../ui/log-words.js';

const logSection = byId('access-log', HTMLElement);
const form = byId('log-filter', HTMLFormElement);
const sinceInput = byId('log-since', HTMLInputElement);
const untilInput = byId('log-until', HTMLInputElement);
const actorSelect = byId('log-actor', HTMLSelectElement);
const actionSelect = byId('log-action', HTMLSelectElement);
const outcomeSelect = byId('log-outcome', HTMLSelectElement);
const objectInput = byId('log-object', HTMLInputElement);
const limitSelect = byId('log-limit', HTMLSelectElement);
const clearButton = byId('log-clear', HTMLButtonElement);
const logStatus = byId('log-status', HTMLElement);
const verifyButton = byId('log-verify', HTMLButtonElement);
const verifyResult = byId('verify-result', HTMLElement);
const exportJsonl = byId('export-jsonl', HTMLButtonElement);
const exportCsv = byId('export-csv', HTMLButtonElement);
const exportStatus = byId('export-status', HTMLElement);

const table = createLogTable({
  prefix: 'log',
  section: 'access-log',
  path: '/api/audit/events',
  noun: 'events',
  onObject: showObject,
});

/**
 * Starts the log, once the console shows.
 * @param {{ id: string, email: string }[]} accounts every staff account, for the actor filter
 * @returns {{ showRefusals: () => Promise<void>, refresh: () => void }}
 */
export function startAccessLog(accounts) {
  fillActorSelect(accounts);
  fillActionSelect(actionSelect);
  fillOutcomeSelect(outcomeSelect);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const filters = readFilters();
    if (filters) table.load(filters);
  });
  clearButton.addEventListener('click', () => {
    resetFilters();
    table.load(new URLSearchParams());
  });
  verifyButton.addEventListener('click', verify);
  exportJsonl.addEventListener('click', () => exportAs('jsonl'));
  exportCsv.addEventListener('click', () => exportAs('csv'));
  table.load(new URLSearchParams());
  return { showRefusals, refresh: () => table.refresh() };
}

/** @param {{ id: string, email: string }[]} accounts */
function fillActorSelect(accounts) {
  /** @param {string} value @param {string} text */
  const option = (value, text) => el('option', { text, attrs: { value } });
  const staff = el('optgroup', { attrs: { label: 'Staff' } });
  staff.append(option('staff', 'Any staff account'));
  for (const account of [...accounts].sort((a, b) => a.email.localeCompare(b.email))) {
    staff.append(option(`staff:${account.id}`, account.email));
  }
  const others = el('optgroup', { attrs: { label: 'Others' } });
  others.append(
    option('partner', 'Partner (anyone sending to a request)'),
    option('holder', 'Link holder'),
    option('anonymous', 'Anonymous'),
    option('system', 'System'),
  );
  actorSelect.replaceChildren(option('', 'Any'), staff, others);
}

/** Empties the filters; the number of rows per page stays. */
function resetFilters() {
  const limit = limitSelect.value;
  form.reset();
  limitSelect.value = limit;
  clearFieldErrors(form);
}

/**
 * The filters in the bar as query parameters, or null when one is wrong (said at its field).
 * @returns {URLSearchParams | null}
 */
function readFilters() {
  clearFieldErrors(form);
  const since = moment(sinceInput);
  if (since === undefined) return problem(sinceInput, 'Type a complete date and time, or leave “From” empty.');
  const until = moment(untilInput);
  if (until === undefined) return problem(untilInput, 'Type a complete date and time, or leave “Until” empty.');
  if (since !== null && until !== null && until <= since) {
    return problem(untilInput, '“Until” must come after “From”. Change one of them.');
  }
  const object = objectInput.value.trim();
  if (object && !OBJECT_ID.test(object)) {
    return problem(
      objectInput,
      'An object id is 22 characters: letters, digits, - and _. Check it, or leave the field empty to see every object.',
    );
  }
  const params = new URLSearchParams();
  if (since !== null) params.set('since', String(since));
  if (until !== null) params.set('until', String(until));
  if (actorSelect.value) params.set('actor', actorSelect.value);
  if (actionSelect.value) params.set('action', actionSelect.value);
  if (outcomeSelect.value) params.set('outcome', outcomeSelect.value);
  if (object) params.set('object', object);
  return params;
}

/**
 * A datetime-local field as ms since the epoch (it reads in the browser's time zone): null when
 * empty, undefined when half typed.
 * @param {HTMLInputElement} input
 * @returns {number | null | undefined}
 */
function moment(input) {
  if (input.value === '') return input.validity.badInput ? undefined : null;
  const ms = new Date(input.value).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A datetime-local value for a moment, in the browser's time zone, to the minute.
 * @param {number} ms
 */
function localValue(ms) {
  const d = new Date(ms);
  /** @param {number} n */
  const two = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

/**
 * @param {HTMLInputElement} input
 * @param {string} message
 * @returns {null}
 */
function problem(input, message) {
  fieldError(input, message);
  showStatus(logStatus, `${message} The table still shows the filters applied before.`, 'error');
  input.focus();
  return null;
}

/**
 * "Show events of this object", from an event's detail: that object alone, from the newest.
 * @param {string} id
 */
async function showObject(id) {
  resetFilters();
  objectInput.value = id;
  await table.load(new URLSearchParams({ object: id }));
  table.focus();
}

/** The overview's refusal count: the refusals of the last 24 hours. */
async function showRefusals() {
  resetFilters();
  const since = Date.now() - 24 * 3600 * 1000;
  sinceInput.value = localValue(since);
  outcomeSelect.value = 'refused';
  logSection.scrollIntoView({ block: 'start' });
  await table.load(new URLSearchParams({ since: String(since), outcome: 'refused' }));
  table.focus();
}

/**
 * The page of the log where seq N is the newest row, its detail open: where Verify found the
 * first bad record. The filters are emptied, since they might hide it.
 * @param {number} seq
 */
async function showAround(seq) {
  resetFilters();
  await table.load(new URLSearchParams(), { before: seq + 1, openSeq: seq });
}

async function verify() {
  verifyButton.disabled = true;
  verifyResult.dataset.state = 'checking';
  verifyResult.replaceChildren(el('p', { text: 'Checking every record of the log. A long log takes a moment…' }));
  try {
    const got = await apiJson('/api/audit/verify');
    const intact = got?.intact === true;
    const bad = typeof got?.first_bad_seq === 'number' ? got.first_bad_seq : null;
    const summary = typeof got?.summary === 'string' && got.summary ? got.summary : intact ? 'Chain intact.' : '';
    verifyResult.dataset.state = intact ? 'intact' : 'broken';
    /** @type {HTMLElement[]} */
    const parts = [el('p', { className: 'verify-summary', text: summary || 'The chain does not check out.' })];
    if (!intact) {
      parts.push(
        el('p', {
          text:
            'Records of the log were changed, removed or added outside sealdrop. This check changed nothing. ' +
            'Export the log now and keep the file with your saved checkpoints, then look at the events from the first bad one on.',
        }),
      );
      if (bad !== null) {
        const show = el('button', {
          className: 'button small secondary',
          text: `Show seq ${formatCount(bad)}`,
          attrs: { type: 'button', id: 'verify-show' },
        });
        show.addEventListener('click', () => showAround(bad));
        parts.push(show);
      }
    }
    verifyResult.replaceChildren(...parts);
  } catch (err) {
    if (isSignedOut(err)) return void goToSignIn();
    verifyResult.dataset.state = 'error';
    verifyResult.replaceChildren(
      el('p', { text: `${apiSentence(err)} The log was not checked, and nothing was changed. Try again in a moment.` }),
    );
  } finally {
    verifyButton.disabled = false;
  }
}

/**
 * Exports what the table's filters select (every page of it) as a file. Fetched rather than
 * followed as a link, so that a refusal is said here in words, not saved as the file.
 * @param {'jsonl' | 'csv'} format
 */
async function exportAs(format) {
  const params = table.filters();
  params.set('format', format);
  exportJsonl.disabled = true;
  exportCsv.disabled = true;
  showStatus(exportStatus, 'Preparing the export…');
  try {
    const res = await apiFetch(`/api/audit/export?${params}`);
    /** @type {Blob} */
    let blob;
    try {
      blob = await res.blob();
    } catch {
      throw new ApiError(0, 'network', NETWORK_MESSAGE);
    }
    const name = fileName(res.headers.get('Content-Disposition'), format);
    saveBlob(blob, name);
    showStatus(
      exportStatus,
      `Exported ${name} (${formatSize(blob.size)}). Your browser keeps it with your downloads.`,
      'success',
    );
  } catch (err) {
    if (isSignedOut(err)) return void goToSignIn();
    showStatus(exportStatus, `${apiSentence(err)} Nothing was exported. Try again in a moment.`, 'error');
  } finally {
    exportJsonl.disabled = false;
    exportCsv.disabled = false;
  }
}

/**
 * The server's name for the file when it is a plain one, else ours.
 * @param {string | null} disposition
 * @param {string} format
 */
function fileName(disposition, format) {
  const named = /filename="([^"]+)"/.exec(disposition ?? '')?.[1] ?? '';
  return /^[\w.-]{1,120}$/.test(named) ? named : `sealdrop-access-log.${format}`;
}

/**
 * Hands a file to the browser as a download.
 * @param {Blob} blob
 * @param {string} name
 */
function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { attrs: { href: url, download: name } });
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: some browsers start reading the file only after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
