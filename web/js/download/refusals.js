// What the download page says when a share cannot be opened, in one place, so that every
// sentence says what happened, whether anything was lost and what to do next (ux.md), and every
// refusal maps to one body data-state that tests and styles can rely on.
import { ApiError, apiSentence } from '../lib/api.js';
import { plural } from '../lib/format.js';
import { DeriveError } from '../lib/derivation.js';

/** @type {Record<string, string>} */
export const STATE_MESSAGES = {
  uploading: 'The sender is still uploading these files, so nothing can be downloaded yet. Try again in a few minutes.',
  expired:
    'This link has expired, and its files are no longer available. Nothing was downloaded. Ask the sender to share the files again.',
  exhausted:
    'This link has been used as many times as the sender allowed, so it no longer opens. Nothing was downloaded. Ask the sender to share the files again.',
  revoked:
    'The sender has withdrawn this link, so its files can no longer be downloaded. Nothing was downloaded. Ask the sender if you still need them.',
  purged:
    'The files of this link have been deleted from the server. Nothing was downloaded. Ask the sender to share them again.',
};

// Each of these has a body data-state of its own, so that they read (and are tested) apart.
const GONE_STATES = new Set(['expired', 'exhausted', 'revoked', 'purged']);

/**
 * @param {string} state the server's name for why a share cannot be opened
 * @returns {string} the body's data-state for it
 */
export function goneState(state) {
  return GONE_STATES.has(state) ? state : 'error';
}

/**
 * @typedef {Object} Refusal
 * @property {string} state the body's data-state
 * @property {string} message for the status line
 * @property {boolean} retry whether the form stays for another try
 */

/**
 * Why a click on "Decrypt and show files" did not open the share.
 * @param {unknown} err
 * @param {boolean} hasPassword
 * @returns {Refusal}
 */
export function revealRefusal(err, hasPassword) {
  if (err instanceof DeriveError) {
    return ['argon2 parameters', 'bad encoding', 'bad input'].includes(err.kind ?? '')
      ? {
          state: 'error',
          message:
            'This share’s password settings are outside what this page accepts, so it cannot be opened here. Nothing was downloaded. Ask the sender to share the files again.',
          retry: false,
        }
      : {
          state: 'error',
          message:
            'The password could not be checked in this browser. Nothing was downloaded. Reload the page and try again.',
          retry: true,
        };
  }
  /** @type {Refusal} */
  const otherwise = {
    state: 'error',
    message: `${apiSentence(err)} Nothing was downloaded. Reload the page to try again.`,
    retry: true,
  };
  if (!(err instanceof ApiError)) return otherwise;
  if (err.code === 'wrong_key') {
    // The server's sentence carries the tries left; what to check next depends on the share.
    const next = hasPassword
      ? 'Check the password (and that you copied the whole link), then try again.'
      : 'Check that you copied the whole link, including the part after “#”, or ask the sender to send it again.';
    return { state: 'error', message: `${apiSentence(err)} Nothing was downloaded. ${next}`, retry: hasPassword };
  }
  if (err.status === 429) {
    // Retry-After is in seconds; the form stays, for when the wait is over.
    const minutes = Math.max(1, Math.ceil((err.retryAfterSeconds ?? 3600) / 60));
    return {
      state: 'rate-limited',
      message: `Too many wrong tries. Try again in ${plural(minutes, 'minute')}.`,
      retry: true,
    };
  }
  if (err.status === 423) {
    return {
      state: 'link-locked',
      message: 'This link is locked after too many wrong tries. Ask the sender to unlock it.',
      retry: false,
    };
  }
  if (err.status === 410) {
    return {
      state: goneState(err.code),
      message: STATE_MESSAGES[err.code] ?? `${apiSentence(err)} Nothing was downloaded.`,
      retry: false,
    };
  }
  if (err.code === 'not_ready') return { state: 'error', message: STATE_MESSAGES.uploading, retry: true };
  if (err.status === 0) {
    return {
      state: 'error',
      message: 'The connection to the server was lost. Nothing was downloaded. Check your connection and try again.',
      retry: true,
    };
  }
  return otherwise;
}
