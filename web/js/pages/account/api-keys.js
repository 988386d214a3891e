// The account page's API keys (#keys-section): the form that makes one (name, scopes, expiry),
// the key shown once after it is made, and the table of the person's keys (ui/api-keys-table.js),
// where each is revoked. Keys need a session to make; the policy may forbid them.
import { apiJson, ApiError, apiSentence } from '../../lib/api.js';
import { byId, setStatus } from '../../lib/dom.js';
import { clearFieldErrors, copyLink, fieldProblem } from '../../lib/forms.js';
import { redirectIfSignedOut } from '../../lib/session.js';
import { showApiKeys, toApiKey } from '../../ui/api-keys-table.js';

const section = byId('keys-section', HTMLElement);
const forbidden = byId('keys-forbidden', HTMLElement);
const form = byId('key-form', HTMLFormElement);
const nameInput = byId('key-name', HTMLInputElement);
const scopeInputs = ['share', 'request', 'inbox'].map((s) => byId(`key-scope-${s}`, HTMLInputElement));
const expiry = byId('key-expiry', HTMLSelectElement);
const createButton = byId('create-key', HTMLButtonElement);
const made = byId('key-made', HTMLElement);
const madeName = byId('key-made-name', HTMLElement);
const madeValue = byId('key-made-value', HTMLInputElement);
const copyButton = byId('key-copy', HTMLButtonElement);
const rows = byId('key-rows', HTMLTableSectionElement);
const empty = byId('keys-empty', HTMLElement);

/** Shows the section and the person's keys; wires the form once. */
export async function startApiKeys() {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    create();
  });
  copyButton.addEventListener('click', () => copyLink(madeValue, copyButton, 'API key'));
  section.hidden = false;
  await refresh();
}

async function refresh() {
  try {
    const got = await apiJson('/api/account/api-keys');
    const keys = (Array.isArray(got?.api_keys) ? got.api_keys : []).map(toApiKey);
    forbidden.hidden = got?.allowed !== false;
    form.hidden = got?.allowed === false;
    empty.hidden = keys.length > 0;
    showApiKeys(rows, keys, { owners: false, revokePath: (id) => `/api/account/api-keys/${id}`, onError: failed });
  } catch (err) {
    failed(err, 'Your API keys could not be listed.');
  }
}

async function create() {
  clearFieldErrors(form);
  const name = nameInput.value.trim();
  if (!name) return fieldProblem(nameInput, 'Give the key a name that says what it is for.');
  const scopes = scopeInputs.filter((i) => i.checked).map((i) => i.value);
  if (scopes.length === 0) return fieldProblem(scopeInputs[0], 'Choose at least one thing the key may do.');
  createButton.disabled = true;
  setStatus('Making the API key…');
  try {
    const got = await apiJson('/api/account/api-keys', {
      method: 'POST',
      json: { name, scopes, expires_in_days: Number(expiry.value) },
    });
    madeName.textContent = String(got?.api_key?.name ?? name);
    madeValue.value = String(got?.api_key?.key ?? '');
    made.hidden = false;
    form.reset();
    setStatus('API key made. Copy it now: it is shown only this once.', 'success');
    madeValue.focus();
    madeValue.select();
    await refresh();
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'name_taken' || err.code === 'bad_name')) {
      fieldProblem(nameInput, apiSentence(err));
    } else {
      failed(err, 'No key was made.');
    }
  } finally {
    createButton.disabled = false;
  }
}

/**
 * @param {unknown} err
 * @param {string} consequence
 */
function failed(err, consequence) {
  if (redirectIfSignedOut(err)) return;
  setStatus(`${apiSentence(err)} ${consequence}`, 'error');
}
