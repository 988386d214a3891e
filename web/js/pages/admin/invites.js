// The admin console's invitations: the form that makes one (its link shown once, to copy and
// send), the pending ones (tbody#invite-rows) and their Cancel.
//
// Rows: tr[data-invite-id] with button.cancel.
import { apiJson, ApiError, apiSentence } from '../../lib/api.js';
import { byId, cell, el, setStatus, timeEl } from '../../lib/dom.js';
import { clearFieldErrors, copyLink, fieldError, looksLikeEmail } from '../../lib/forms.js';
import { rowButton } from '../../ui/row-actions.js';

/** @typedef {{ id: string, email: string, role: string, created_at: number, expires_at: number }} Invite */

const inviteForm = byId('invite-form', HTMLFormElement);
const inviteEmail = byId('invite-email', HTMLInputElement);
const inviteRole = byId('invite-role', HTMLSelectElement);
const inviteValid = byId('invite-valid', HTMLSelectElement);
const inviteButton = byId('invite-button', HTMLButtonElement);
const inviteResult = byId('invite-result', HTMLElement);
const inviteLink = byId('invite-link', HTMLInputElement);
const inviteCopy = byId('invite-copy', HTMLButtonElement);
const inviteExpires = byId('invite-expires', HTMLElement);
const invitesTable = byId('invites', HTMLTableElement);
const invitesEmpty = byId('invites-empty', HTMLElement);
const inviteRows = byId('invite-rows', HTMLTableSectionElement);

/** @type {(err: unknown, consequence: string) => void} */
let report = () => {};

/**
 * Makes the form work; the pending invitations show with showInvites.
 * @param {(err: unknown, consequence: string) => void} onError says what did not happen
 */
export function startInvites(onError) {
  report = onError;
  inviteForm.addEventListener('submit', (event) => {
    event.preventDefault();
    invite();
  });
  inviteCopy.addEventListener('click', () => copyLink(inviteLink, inviteCopy, 'invitation link'));
}

/**
 * @param {any} i
 * @returns {Invite}
 */
export function toInvite(i) {
  return {
    id: String(i?.id),
    email: String(i?.email ?? ''),
    role: i?.role === 'admin' ? 'admin' : 'staff',
    created_at: Number(i?.created_at),
    expires_at: Number(i?.expires_at),
  };
}

/** @param {Invite[]} invites */
export function showInvites(invites) {
  inviteRows.replaceChildren(...invites.map(inviteRow));
  updateInvitesEmpty();
}

function updateInvitesEmpty() {
  const none = inviteRows.childElementCount === 0;
  invitesEmpty.hidden = !none;
  invitesTable.hidden = none;
}

/** @param {Invite} inv */
function inviteRow(inv) {
  const tr = el('tr');
  tr.dataset.inviteId = inv.id;
  const email = cell('Email', inv.email);
  email.id = `invite-${inv.id}`;
  const cancel = rowButton('Cancel', 'cancel secondary', () => cancelInvite(inv, tr, cancel), {
    describedBy: email.id,
    label: `Cancel the invitation of ${inv.email}`,
  });
  tr.append(
    email,
    cell('Role', inv.role === 'admin' ? 'Administrator' : 'Staff'),
    cell('Sent', Number.isFinite(inv.created_at) ? timeEl(inv.created_at) : ''),
    cell('Expires', timeEl(inv.expires_at)),
    cell('Actions', cancel),
  );
  return tr;
}

/**
 * @param {Invite} inv
 * @param {HTMLTableRowElement} tr
 * @param {HTMLButtonElement} button
 */
async function cancelInvite(inv, tr, button) {
  button.disabled = true;
  setStatus('Cancelling the invitation…');
  try {
    await apiJson(`/api/invites/${inv.id}`, { method: 'DELETE' });
    setStatus(`The invitation of ${inv.email} was cancelled. Its link no longer works.`, 'success');
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) {
      button.disabled = false;
      report(err, 'The invitation was not cancelled.');
      return;
    }
    setStatus(`The invitation of ${inv.email} was already used, cancelled or expired.`);
  }
  const next = tr.nextElementSibling ?? tr.previousElementSibling;
  tr.remove();
  updateInvitesEmpty();
  const target = next?.querySelector('button') ?? inviteEmail;
  if (target instanceof HTMLElement) target.focus();
}

async function invite() {
  clearFieldErrors(inviteForm);
  const email = inviteEmail.value.trim();
  if (!looksLikeEmail(email)) {
    const message = 'Type the email address of the person to invite, like name@example.org.';
    fieldError(inviteEmail, message);
    setStatus(message, 'error');
    inviteEmail.focus();
    return;
  }
  const validHours = Number(inviteValid.value) || 168;
  inviteButton.disabled = true;
  setStatus('Creating the invitation…');
  try {
    const got = await apiJson('/api/invites', {
      method: 'POST',
      json: { email, role: inviteRole.value === 'admin' ? 'admin' : 'staff', valid_hours: validHours },
    });
    const inv = toInvite({ ...got, created_at: Date.now() });
    inviteLink.value = `${location.origin}/join#${String(got?.token ?? '')}`;
    inviteCopy.textContent = 'Copy';
    inviteExpires.replaceChildren('The link works once, until ', timeEl(inv.expires_at), '.');
    inviteResult.hidden = false;
    inviteRows.prepend(inviteRow(inv));
    updateInvitesEmpty();
    inviteForm.reset();
    setStatus(`Invitation created for ${inv.email}. Copy the link and send it to them.`, 'success');
    inviteLink.focus();
    inviteLink.select();
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'email_taken' || err.code === 'bad_email')) {
      fieldError(inviteEmail, apiSentence(err));
      inviteEmail.focus();
    }
    report(err, 'No invitation was created.');
  } finally {
    inviteButton.disabled = false;
  }
}
