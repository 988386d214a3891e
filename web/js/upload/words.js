// What the upload worker says to people when an upload fails, pauses or starts again: what
// happened, whether anything was lost, and what to do next (ux.md).
import { ApiError, apiSentence, isAbort, isRetryable, NETWORK_MESSAGE } from '../lib/api.js';

// The server's sentences for these name its JSON fields; people chose the options by other names.
/** @type {Record<string, string>} */
const OPTION_REFUSALS = {
  bad_expiry:
    'The server did not accept the expiry: it is in the past or further ahead than allowed (this computer’s clock may be off).',
  bad_download_limit: 'The server did not accept the download limit.',
  bad_password_params: 'The server did not accept the password settings.',
};

/** @param {unknown} err */
function what(err) {
  if (err instanceof ApiError)
    return err.status === 0 ? NETWORK_MESSAGE : (OPTION_REFUSALS[err.code] ?? apiSentence(err));
  if (err instanceof Error && err.name !== 'SealdropError') return err.message;
  return 'Encrypting the files failed in this browser.';
}

/**
 * A share that failed for good (and whose partial upload was deleted).
 * @param {unknown} err
 * @param {boolean} started whether parts may have reached the server
 */
export function describe(err, started) {
  const network = err instanceof ApiError && err.status === 0;
  const lost = started ? 'Nothing was shared and the partial upload was deleted;' : 'Nothing was shared;';
  const next = network
    ? 'Check your connection and choose Share to try again.'
    : err instanceof ApiError && err.code in OPTION_REFUSALS
      ? 'Check the options, then choose Share to try again.'
      : 'Choose Share to try again.';
  return `${what(err)} ${lost} your files are unchanged. ${next}`;
}

/**
 * A share or request batch that stopped after the last retry, kept to be resumed.
 * @param {unknown} err a retryable failure
 * @param {'share' | 'request'} kind
 */
export function describePause(err, kind) {
  const kept =
    kind === 'share'
      ? 'The upload is paused and nothing is lost: choose Resume to continue where it stopped, now or later from this page.'
      : 'Sending is paused and nothing is lost: files marked Sent were delivered, and Resume continues with the rest, now or later from this link.';
  return `${what(err)} ${kept}`;
}

/** @param {unknown} err */
export function errorCode(err) {
  return err instanceof ApiError && err.status !== 0 ? err.code : null;
}

/**
 * Whether a failure after the last retry leaves the upload to be resumed rather than deleted: a
 * network loss, 5xx or 429, or a fetch the browser aborted by itself (WebKitGTK aborts a worker's
 * fetches when its page reloads, and the worker may live long enough to see it): only an abort
 * this upload's own `signal` asked for is a cancel.
 * @param {unknown} err
 * @param {AbortSignal} signal
 */
export function pausable(err, signal) {
  return isRetryable(err) || (isAbort(err) && !signal.aborted);
}

/** @param {unknown} err a file refusal */
export function describeFileRefusal(err) {
  const why = err instanceof ApiError ? apiSentence(err) : err instanceof Error ? err.message : '';
  return `${why} This file was not sent.`;
}

/**
 * @param {unknown} err
 * @param {boolean} unfinished whether a file was on its way up (and has now been deleted)
 */
export function describeRequestFailure(err, unfinished) {
  const network = err instanceof ApiError && err.status === 0;
  const lost = unfinished ? ' The file on its way was not delivered, and its partial upload was deleted.' : '';
  const next = network
    ? 'Check your connection and choose Try again to send the rest.'
    : 'Choose Try again to send the rest.';
  return `${what(err)}${lost} Files marked Sent were delivered, and your own copies are unchanged. ${next}`;
}

/**
 * Why a file (a request) or a whole share starts again from the start under a new key.
 * @param {'changed' | 'gone'} reason
 * @param {string} name
 * @param {'share' | 'file'} scope
 */
export function describeRestart(reason, name, scope) {
  if (reason === 'changed') {
    return scope === 'share'
      ? `“${name}” changed since the upload began, so the files are being sent again from the start under a new key.`
      : `“${name}” changed since the upload began, so it is being sent again from the start under a new key.`;
  }
  return scope === 'share'
    ? 'The server no longer held the interrupted upload (it deletes uploads left unfinished for a day), so the files are being sent again from the start.'
    : `The server no longer held the interrupted upload of “${name}” (it deletes uploads left unfinished for a day), so it is being sent again from the start.`;
}

/**
 * A password share that must start again under a new key, when the page no longer holds the
 * password (it was loaded again since the share began).
 * @param {'changed' | 'gone'} reason
 * @param {string} name
 */
export function describeNeedsPassword(reason, name) {
  const why =
    reason === 'changed'
      ? `“${name}” changed since the upload began`
      : 'The server no longer held the interrupted upload';
  return `${why}, so the files must be sent again under a new key, which needs the share’s password. Nothing was shared and the partial upload was deleted; type the password under Options and choose Share.`;
}
