// The admin console's policy form (form#policy-form on /admin, GET and PUT /api/admin/policy):
// the longest expiry of links and requests, the largest file, who may share and who may ask for
// files, whether API keys may be used, and how long the access log keeps events. The server's ceiling shows as hints; Save
// sends only the fields the person changed, and the log shows the change (policy.changed).
//
// Hooks: form#policy-form with data-state loading | ready | saving | error; input#policy-expiry
// with select#policy-expiry-unit (3600 | 86400: seconds per unit); input#policy-file with
// select#policy-file-unit (1048576 | 1073741824: bytes per unit); select#policy-share and
// #policy-request (everyone | admins); select#policy-api-keys (allowed | forbidden);
// input#policy-retention (days); button#policy-save;
// p#policy-status. A field's error is p#<field id>-error (js/lib/forms.js).
import { apiJson, ApiError, apiSentence } from '../../lib/api.js';
import { byId, showStatus } from '../../lib/dom.js';
import { formatCount, formatSize, plural } from '../../lib/format.js';
import { clearFieldErrors, fieldError } from '../../lib/forms.js';
import { goToSignIn, isSignedOut } from '../../lib/session.js';

/**
 * @typedef {Object} Policy
 * @property {number} max_expiry_seconds
 * @property {number} max_file_bytes
 * @property {'everyone' | 'admins'} who_may_share
 * @property {'everyone' | 'admins'} who_may_request
 * @property {'allowed' | 'forbidden'} api_keys
 * @property {number} retention_days
 */
/** @typedef {{ max_expiry_seconds: number, max_file_bytes: number }} Ceiling */
/** @typedef {'expiry' | 'file' | 'share' | 'request' | 'keys' | 'retention'} Field */

const HOUR = 3600;
const DAY = 24 * HOUR;
const MB = 1024 * 1024;
const GB = 1024 * MB;
const RETENTION_MIN = 30;
const RETENTION_MAX = 3650;

const form = byId('policy-form', HTMLFormElement);
const expiryInput = byId('policy-expiry', HTMLInputElement);
const expiryUnit = byId('policy-expiry-unit', HTMLSelectElement);
const expiryHint = byId('policy-expiry-hint', HTMLElement);
const fileInput = byId('policy-file', HTMLInputElement);
const fileUnit = byId('policy-file-unit', HTMLSelectElement);
const fileHint = byId('policy-file-hint', HTMLElement);
const shareSelect = byId('policy-share', HTMLSelectElement);
const requestSelect = byId('policy-request', HTMLSelectElement);
const keysSelect = byId('policy-api-keys', HTMLSelectElement);
const retentionInput = byId('policy-retention', HTMLInputElement);
const saveButton = byId('policy-save', HTMLButtonElement);
const status = byId('policy-status', HTMLElement);
const controls = [
  expiryInput,
  expiryUnit,
  fileInput,
  fileUnit,
  shareSelect,
  requestSelect,
  keysSelect,
  retentionInput,
  saveButton,
];

/** @type {Record<Field, HTMLInputElement | HTMLSelectElement>} where each field's error shows */
const INPUTS = {
  expiry: expiryInput,
  file: fileInput,
  share: shareSelect,
  request: requestSelect,
  keys: keysSelect,
  retention: retentionInput,
};

/** @type {Policy} */
let policy;
/** @type {Ceiling} */
let ceiling;
/** @type {Record<Field, string>} each field as it was shown, to tell what the person changed */
let shown;

/**
 * Loads the policy into the form.
 * @param {() => void} onSaved called after a save (the log then shows the change)
 */
export async function startPolicy(onSaved) {
  setEnabled(false);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    save(onSaved);
  });
  try {
    render(await apiJson('/api/admin/policy'));
  } catch (err) {
    if (isSignedOut(err)) return void goToSignIn();
    form.dataset.state = 'error';
    showStatus(status, `${apiSentence(err)} The policy could not be loaded. Reload the page to try again.`, 'error');
    return;
  }
  setEnabled(true);
  form.dataset.state = 'ready';
}

/** @param {boolean} enabled */
function setEnabled(enabled) {
  for (const control of controls) control.disabled = !enabled;
}

/** @param {any} got the server's { policy, ceiling } */
function render(got) {
  const p = got?.policy ?? {};
  const c = got?.ceiling ?? {};
  policy = {
    max_expiry_seconds: Number(p.max_expiry_seconds),
    max_file_bytes: Number(p.max_file_bytes),
    who_may_share: p.who_may_share === 'admins' ? 'admins' : 'everyone',
    who_may_request: p.who_may_request === 'admins' ? 'admins' : 'everyone',
    api_keys: p.api_keys === 'forbidden' ? 'forbidden' : 'allowed',
    retention_days: Number(p.retention_days),
  };
  ceiling = { max_expiry_seconds: Number(c.max_expiry_seconds), max_file_bytes: Number(c.max_file_bytes) };
  const expiryByDay = policy.max_expiry_seconds % DAY === 0;
  expiryUnit.value = String(expiryByDay ? DAY : HOUR);
  expiryInput.value = String(round(policy.max_expiry_seconds / (expiryByDay ? DAY : HOUR), 100));
  const fileByGb = policy.max_file_bytes >= GB;
  fileUnit.value = String(fileByGb ? GB : MB);
  fileInput.value = String(round(policy.max_file_bytes / (fileByGb ? GB : MB), 10));
  shareSelect.value = policy.who_may_share;
  requestSelect.value = policy.who_may_request;
  keysSelect.value = policy.api_keys;
  retentionInput.value = String(policy.retention_days);
  expiryHint.textContent = `At least 1 hour and at most ${expiryWords(ceiling.max_expiry_seconds)}, the limit this server was set up with.`;
  fileHint.textContent = `At most ${formatSize(ceiling.max_file_bytes)}, the limit this server was set up with.`;
  shown = current();
}

/** @returns {Record<Field, string>} */
function current() {
  return {
    expiry: `${expiryInput.value.trim()} ${expiryUnit.value}`,
    file: `${fileInput.value.trim()} ${fileUnit.value}`,
    share: shareSelect.value,
    request: requestSelect.value,
    keys: keysSelect.value,
    retention: retentionInput.value.trim(),
  };
}

/**
 * @param {number} n
 * @param {number} per 10 for one decimal, 100 for two
 */
function round(n, per) {
  return Math.round(n * per) / per;
}

/** @param {number} seconds */
function expiryWords(seconds) {
  if (seconds % DAY === 0) return plural(seconds / DAY, 'day');
  return plural(round(seconds / HOUR, 10), 'hour');
}

/** @param {'everyone' | 'admins'} who */
function whoWords(who) {
  return who === 'admins' ? 'only administrators' : 'everyone with an account';
}

/**
 * A number field times its unit; up to half a shown step over the ceiling counts as the ceiling
 * (the hint rounds it: a ceiling of 4.66 GB reads "4.7 GB", and typing 4.7 means it).
 * @param {HTMLInputElement} input
 * @param {HTMLSelectElement} unit
 * @param {number} most
 * @param {number} slack in units
 * @returns {number | null} null when it is not a positive number
 */
function amount(input, unit, most, slack) {
  const value = Number(input.value.trim());
  if (input.value.trim() === '' || !Number.isFinite(value) || value <= 0) return null;
  const per = Number(unit.value);
  const total = Math.round(value * per);
  return total > most && total - most <= slack * per ? most : total;
}

/**
 * The changed fields as the PUT body, or null when one is wrong (said at its field).
 * @returns {{ body: Partial<Policy>, fields: Field[] } | null}
 */
function changes() {
  const now = current();
  /** @type {Partial<Policy>} */
  const body = {};
  if (now.expiry !== shown.expiry) {
    const seconds = amount(expiryInput, expiryUnit, ceiling.max_expiry_seconds, 0.005);
    if (seconds === null || seconds < HOUR) return problem('expiry', 'Choose a longest expiry of at least 1 hour.');
    if (seconds > ceiling.max_expiry_seconds) {
      return problem(
        'expiry',
        `The longest expiry can be at most ${expiryWords(ceiling.max_expiry_seconds)}, the limit this server was set up with.`,
      );
    }
    if (seconds !== policy.max_expiry_seconds) body.max_expiry_seconds = seconds;
  }
  if (now.file !== shown.file) {
    const bytes = amount(fileInput, fileUnit, ceiling.max_file_bytes, 0.05);
    if (bytes === null || bytes < 1) return problem('file', 'Choose a largest file size above 0, in MB or GB.');
    if (bytes > ceiling.max_file_bytes) {
      return problem(
        'file',
        `The largest file can be at most ${formatSize(ceiling.max_file_bytes)}, the limit this server was set up with.`,
      );
    }
    if (bytes !== policy.max_file_bytes) body.max_file_bytes = bytes;
  }
  if (now.share !== policy.who_may_share) body.who_may_share = now.share === 'admins' ? 'admins' : 'everyone';
  if (now.request !== policy.who_may_request) body.who_may_request = now.request === 'admins' ? 'admins' : 'everyone';
  if (now.keys !== policy.api_keys) body.api_keys = now.keys === 'forbidden' ? 'forbidden' : 'allowed';
  if (now.retention !== shown.retention) {
    const days = Number(now.retention);
    if (!Number.isInteger(days) || days < RETENTION_MIN || days > RETENTION_MAX) {
      return problem(
        'retention',
        `Keep the log for a whole number of days from ${RETENTION_MIN} to ${formatCount(RETENTION_MAX)}.`,
      );
    }
    if (days !== policy.retention_days) body.retention_days = days;
  }
  /** @type {Record<keyof Policy, Field>} */
  const FIELD_OF = {
    max_expiry_seconds: 'expiry',
    max_file_bytes: 'file',
    who_may_share: 'share',
    who_may_request: 'request',
    api_keys: 'keys',
    retention_days: 'retention',
  };
  const fields = /** @type {(keyof Policy)[]} */ (Object.keys(body)).map((key) => FIELD_OF[key]);
  return { body, fields };
}

/**
 * @param {Field} field
 * @param {string} message
 * @returns {null}
 */
function problem(field, message) {
  fieldError(INPUTS[field], message);
  showStatus(status, `${message} Nothing was saved.`, 'error');
  INPUTS[field].focus();
  return null;
}

/** @param {() => void} onSaved */
async function save(onSaved) {
  clearFieldErrors(form);
  const asked = changes();
  if (!asked) return;
  const { body, fields } = asked;
  if (fields.length === 0) {
    showStatus(status, 'Nothing was changed, so there was nothing to save.');
    return;
  }
  form.dataset.state = 'saving';
  setEnabled(false);
  showStatus(status, 'Saving the policy…');
  try {
    render(await apiJson('/api/admin/policy', { method: 'PUT', json: body }));
    showStatus(status, `Saved. ${said(body)}`, 'success');
    onSaved();
  } catch (err) {
    if (isSignedOut(err)) return void goToSignIn();
    if (err instanceof ApiError && err.status === 400) {
      const field = guessField(fields, err.message);
      fieldError(INPUTS[field], apiSentence(err));
      showStatus(status, `${apiSentence(err)} Nothing was saved; your changes are still in the form.`, 'error');
      setEnabled(true);
      form.dataset.state = 'ready';
      INPUTS[field].focus();
      return;
    }
    showStatus(
      status,
      `${apiSentence(err)} The policy was not saved; your changes are still in the form. Try again in a moment.`,
      'error',
    );
  }
  setEnabled(true);
  form.dataset.state = 'ready';
}

/**
 * Which changed field a refusal is about: the only one, or the one its sentence names.
 * @param {Field[]} fields
 * @param {string} message
 * @returns {Field}
 */
function guessField(fields, message) {
  if (fields.length === 1) return fields[0];
  /** @type {[Field, RegExp][]} */
  const words = [
    ['expiry', /expir/i],
    ['file', /file|size|bytes/i],
    ['retention', /retention|days|log/i],
    ['share', /shar/i],
    ['request', /request|ask/i],
    ['keys', /api.?key/i],
  ];
  return words.find(([field, re]) => fields.includes(field) && re.test(message))?.[0] ?? fields[0];
}

/**
 * What a save changed, in sentences.
 * @param {Partial<Policy>} body
 */
function said(body) {
  const out = [];
  if (body.max_expiry_seconds !== undefined) {
    out.push(`Links and requests now last at most ${expiryWords(body.max_expiry_seconds)}.`);
  }
  if (body.max_file_bytes !== undefined) out.push(`The largest file is now ${formatSize(body.max_file_bytes)}.`);
  if (body.who_may_share) out.push(`Now ${whoWords(body.who_may_share)} may share files.`);
  if (body.who_may_request) out.push(`Now ${whoWords(body.who_may_request)} may ask for files.`);
  if (body.api_keys === 'forbidden') out.push('API keys are forbidden: every key stopped working.');
  if (body.api_keys === 'allowed') out.push('API keys are allowed again.');
  if (body.retention_days !== undefined) {
    out.push(`The access log now keeps events for ${formatCount(body.retention_days)} days.`);
  }
  return out.join(' ');
}
