// Field errors and copying for the staff pages' forms (join, sign-in, account, admin, inbox,
// share). An error is tied to its field (aria-invalid, aria-describedby) so screen readers read
// it with the field, and the page's status line says it too.
import { setStatus } from './dom.js';

/**
 * Marks `input` invalid with `message` in the element `errorId` (a .field-error next to it).
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} input
 * @param {string} message
 */
export function fieldError(input, message) {
  const errorId = `${input.id}-error`;
  let error = document.getElementById(errorId);
  if (!error) {
    error = document.createElement('p');
    error.id = errorId;
    error.className = 'field-error';
    (input.closest('.field') ?? input.parentElement ?? document.body).append(error);
  }
  error.textContent = message;
  error.hidden = false;
  input.setAttribute('aria-invalid', 'true');
  const described = (input.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
  if (!described.includes(errorId)) input.setAttribute('aria-describedby', [...described, errorId].join(' '));
}

/**
 * A field's error, said in the status line too, with the field focused to put it right.
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} input
 * @param {string} message
 */
export function fieldProblem(input, message) {
  fieldError(input, message);
  setStatus(message, 'error');
  input.focus();
}

/**
 * Clears the errors fieldError set on the inputs under `root`.
 * @param {ParentNode} root
 */
export function clearFieldErrors(root) {
  for (const input of root.querySelectorAll('[aria-invalid="true"]')) {
    input.removeAttribute('aria-invalid');
    const error = document.getElementById(`${input.id}-error`);
    if (error) {
      error.textContent = '';
      error.hidden = true;
    }
  }
}

/**
 * Copies the link in a read-only field, with "Copied" on the button for a moment; the status
 * line says whether it worked.
 * @param {HTMLInputElement} input
 * @param {HTMLButtonElement} button
 * @param {string} [what] the link, as the status line names it
 */
export async function copyLink(input, button, what = 'link') {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    // Clipboard API refused (permissions, older browser): fall back to copying the selection.
    input.select();
    if (!document.execCommand('copy')) {
      setStatus('Copying was blocked by the browser. The link is selected: press Ctrl+C (or ⌘C) to copy it.', 'error');
      return;
    }
  }
  button.textContent = 'Copied';
  setStatus(`Copied. The ${what} is on your clipboard.`, 'success');
  setTimeout(() => {
    button.textContent = 'Copy';
  }, 3000);
}

/** At least this many characters in a new account password. */
export const MIN_PASSWORD_LENGTH = 10;

/**
 * What is wrong with a new password and its confirmation, or null.
 * @param {string} password
 * @param {string} confirm
 * @returns {{ field: 'password' | 'confirm', message: string } | null}
 */
export function newPasswordProblem(password, confirm) {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return {
      field: 'password',
      message: `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words are easy to remember and hard to guess.`,
    };
  }
  if (password !== confirm) return { field: 'confirm', message: 'The two passwords are not the same. Type it again.' };
  return null;
}

/**
 * A plausible email address (the server has the last word).
 * @param {string} email
 */
export function looksLikeEmail(email) {
  return /^[^\s@]+@[^\s@]+$/.test(email) && email.length <= 254;
}
