// The share page's options, folded under the drop zone: expiry, download limit and password.
// Reading and checking them, and saying in words what they will do; the upload worker turns
// them into the share's fields when it creates the share.
import { byId, setupPasswordToggle } from '../../lib/dom.js';
import { formatDateTime, formatDuration, formatRelative, plural } from '../../lib/format.js';
import { DEFAULT_LIMITS } from '../../lib/limits.js';

/** @typedef {import('../../upload/protocol.js').ShareOptions} ShareOptions */

// A custom expiry closer than this would pass before the files are up.
const MIN_AHEAD_MS = 60_000;
const DEFAULT_PRESET_SECONDS = 7 * 86400;

const summary = byId('options-summary', HTMLElement);
const details = byId('options', HTMLDetailsElement);
const presets = /** @type {HTMLInputElement[]} */ (Array.from(document.querySelectorAll('input[name="expiry"]')));
const customBox = byId('custom-expiry', HTMLElement);
const customAt = byId('expiry-at', HTMLInputElement);
const expiryHint = byId('expiry-hint', HTMLElement);
const limitInput = byId('download-limit', HTMLInputElement);
const unlimited = byId('unlimited', HTMLInputElement);
const limitHint = byId('limit-hint', HTMLElement);
const passwordInput = byId('share-password', HTMLInputElement);
const hidePassword = setupPasswordToggle(passwordInput, byId('password-toggle', HTMLButtonElement));
const errorEl = byId('options-error', HTMLElement);

// The policy as /api/limits states it; the defaults stand until it answers, and if it never does.
let capMs = DEFAULT_LIMITS.max_expiry_seconds * 1000;
let maxDownloads = DEFAULT_LIMITS.max_download_limit;
let clockOffsetMs = 0;
/** @type {() => void} */
let changed = () => {};

for (const radio of presets) radio.addEventListener('change', onExpiryChoice);
customAt.addEventListener('input', refresh);
limitInput.addEventListener('input', refresh);
unlimited.addEventListener('change', () => {
  limitInput.disabled = unlimited.checked;
  refresh();
});
passwordInput.addEventListener('input', refresh);
// The hints and the expiries offered come from the policy only: the defaults until it is known.
setPolicy({});

/**
 * Takes the limits /api/limits states: the hints say them, and no preset expiry longer than the
 * cap can be chosen (a custom one past it is refused before the share starts). Values that are
 * missing or make no sense leave the defaults.
 * @param {{ capSeconds?: unknown, maxDownloads?: unknown, clockOffsetMs?: number }} policy
 */
export function setPolicy(policy) {
  const cap = Number(policy.capSeconds);
  const max = Number(policy.maxDownloads);
  capMs = Number.isInteger(cap) && cap > 0 ? cap * 1000 : DEFAULT_LIMITS.max_expiry_seconds * 1000;
  maxDownloads = Number.isInteger(max) && max >= 1 ? max : DEFAULT_LIMITS.max_download_limit;
  clockOffsetMs = policy.clockOffsetMs ?? 0;
  limitInput.max = String(maxDownloads);
  expiryHint.textContent = `Links can last up to ${formatDuration(capMs)}.`;
  limitHint.textContent = `Every opening of the link counts as one download: 1 to ${maxDownloads.toLocaleString('en')}.`;
  // A preset longer than the policy allows is not offered rather than refused after a click.
  for (const radio of presets) {
    if (radio.value !== 'custom') radio.disabled = Number(radio.value) * 1000 > capMs;
  }
  const checked = presets.find((r) => r.checked);
  if (!checked || checked.disabled) {
    const allowed = presets.filter((r) => !r.disabled && r.value !== 'custom');
    (allowed[allowed.length - 1] ?? presets[presets.length - 1]).checked = true;
  }
  // Also bounds a custom time already chosen by the new cap.
  onExpiryChoice();
}

/** @param {() => void} callback told whenever the options change or become (in)valid */
export function onOptionsChange(callback) {
  changed = callback;
}

/**
 * The options as they stand, or the sentence that says why they cannot be used.
 * @returns {{ options: ShareOptions, error: null } | { options: null, error: string, field: HTMLElement }}
 */
export function readOptions() {
  const now = serverNow();
  const choice = presets.find((r) => r.checked)?.value ?? String(DEFAULT_PRESET_SECONDS);
  /** @type {ShareOptions['expiry']} */
  let expiry;
  if (choice === 'custom') {
    const at = new Date(customAt.value).getTime();
    if (!customAt.value || !Number.isFinite(at)) {
      return { options: null, error: 'Enter the date and time when the link should expire.', field: customAt };
    }
    if (at < now + MIN_AHEAD_MS) {
      return {
        options: null,
        error: 'That expiry time has passed or is less than a minute away. Choose a later time.',
        field: customAt,
      };
    }
    if (at > now + capMs) {
      return {
        options: null,
        error: `Links can last at most ${formatDuration(capMs)}, until ${formatDateTime(now + capMs)}. Choose an earlier time.`,
        field: customAt,
      };
    }
    expiry = { atMs: at };
  } else {
    const afterMs = Number(choice) * 1000;
    if (afterMs > capMs) {
      const field = presets.find((r) => r.checked) ?? customAt;
      return { options: null, error: `Links can last at most ${formatDuration(capMs)}. Choose a shorter time.`, field };
    }
    expiry = { afterMs };
  }
  /** @type {number | null} */
  let limit = null;
  if (!unlimited.checked) {
    limit = Number(limitInput.value);
    if (limitInput.value.trim() === '' || !Number.isInteger(limit) || limit < 1 || limit > maxDownloads) {
      return {
        options: null,
        error: `Enter a download limit from 1 to ${maxDownloads.toLocaleString('en')}, or choose Unlimited.`,
        field: limitInput,
      };
    }
  }
  return {
    options: { expiry, maxDownloads: limit, password: passwordInput.value || null, clockOffsetMs },
    error: null,
  };
}

/**
 * Shows why the options cannot be used and takes the keyboard there.
 * @param {HTMLElement} field
 */
export function focusProblem(field) {
  details.open = true;
  field.focus();
}

/** Clears the password after a share, so that it is not left for the next person at the desk. */
export function clearPassword() {
  hidePassword();
  passwordInput.value = '';
  refresh();
}

function serverNow() {
  return Date.now() + clockOffsetMs;
}

function onExpiryChoice() {
  const custom = presets.find((r) => r.checked)?.value === 'custom';
  customBox.hidden = !custom;
  if (custom) {
    // Local wall-clock time, the form datetime-local reads and writes.
    const now = serverNow();
    customAt.min = localInputValue(now + MIN_AHEAD_MS);
    customAt.max = localInputValue(now + capMs);
    if (!customAt.value) customAt.value = localInputValue(now + Math.min(DEFAULT_PRESET_SECONDS * 1000, capMs));
  }
  refresh();
}

/**
 * @param {number} at
 * @returns {string} "2025-12-01T14:05", in this browser's time zone
 */
function localInputValue(at) {
  const d = new Date(at);
  const two = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** Updates the summary line, the error sentence and the invalid marks; tells the page. */
function refresh() {
  const result = readOptions();
  for (const field of [customAt, limitInput]) field.removeAttribute('aria-invalid');
  if (result.error === null) {
    errorEl.hidden = true;
    errorEl.textContent = '';
    const { expiry, maxDownloads: limit, password } = result.options;
    const when =
      'afterMs' in expiry ? `expires in ${formatDuration(expiry.afterMs)}` : `expires ${formatRelative(expiry.atMs)}`;
    const count = limit === null ? 'unlimited downloads' : plural(limit, 'download');
    summary.textContent = `(${when}, ${count}, ${password ? 'password' : 'no password'})`;
  } else {
    errorEl.hidden = false;
    errorEl.textContent = result.error;
    result.field.setAttribute('aria-invalid', 'true');
    summary.textContent = '(needs a change)';
    details.open = true;
  }
  changed();
}
