// The file request page's link and top half: the link's parts, who asks, their message, the
// request's limits and the key fingerprint, from the intake answer (GET
// /api/requests/{id}/intake); what fits in the request; the sentences for a request that takes
// no more files.
import { apiJson, withRetry } from '../../lib/api.js';
import { byId, el, timeEl } from '../../lib/dom.js';
import { formatSize, plural } from '../../lib/format.js';

/**
 * What the intake answer says, checked.
 * @typedef {{ fromName: string, fromEmail: string, message: string, expiresAt: number,
 *   maxFiles: number, maxBytes: number, filesLeft: number, bytesLeft: number, state: string }} Intake
 */

const title = byId('title', HTMLElement);
const ask = byId('ask', HTMLElement);
const askFrom = byId('ask-from', HTMLElement);
const askMessageBox = byId('ask-message-box', HTMLElement);
const askMessage = byId('ask-message', HTMLElement);
const limitFiles = byId('limit-files', HTMLElement);
const limitBytes = byId('limit-bytes', HTMLElement);
const limitUntil = byId('limit-until', HTMLElement);
const limitsHint = byId('limits-hint', HTMLElement);
const fingerprintNote = byId('fingerprint-note', HTMLElement);
const fingerprintEl = byId('fingerprint', HTMLElement);

/**
 * The request id and the fragment's two keys, as the link spells them; null when the link is
 * not one (cut, or damaged).
 * @param {Location} location
 */
export function linkParts(location) {
  const path = /^\/r\/([A-Za-z0-9_-]{22})\/?$/.exec(location.pathname);
  // Two 32-byte keys: 43 base64url characters each, joined by a dot.
  const fragment = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/.exec(location.hash.slice(1));
  return path && fragment ? { id: path[1], publicKey: fragment[1], requestSecret: fragment[2] } : null;
}

/**
 * The link decoded: its upload token and the key's fingerprint. Throws on a link whose parts do
 * not decode strictly (a non-canonical character was changed on its way here).
 * @param {typeof import('../../../pkg/sealdrop_wasm.js')} sd
 * @param {{ id: string, publicKey: string, requestSecret: string }} parts
 */
export function openLink(sd, parts) {
  sd.b64Decode(parts.id);
  const pk = sd.b64Decode(parts.publicKey);
  const rs = sd.b64Decode(parts.requestSecret);
  const fingerprint = sd.fingerprint(pk);
  const ut = sd.requestUploadToken(rs);
  const link = { ...parts, token: sd.b64Encode(ut) };
  rs.fill(0);
  ut.fill(0);
  return { link, fingerprint };
}

/**
 * @param {string} id the request's
 * @param {Record<string, string>} auth its upload token header
 * @returns {Promise<Intake>}
 */
export async function fetchIntake(id, auth) {
  const got = await withRetry(() => apiJson(`/api/requests/${id}/intake`, { headers: auth }), { tries: 3 });
  return {
    fromName: String(got.from?.name ?? ''),
    fromEmail: String(got.from?.email ?? ''),
    message: typeof got.message === 'string' ? got.message : '',
    expiresAt: Number(got.expires_at),
    maxFiles: Number(got.max_files),
    maxBytes: Number(got.max_bytes),
    filesLeft: Math.max(0, Number(got.files_left) || 0),
    bytesLeft: Math.max(0, Number(got.bytes_left) || 0),
    state: String(got.state),
  };
}

/** The person who asked, for sentences: their name, else their address, else "the person who asked". */
export function asker(/** @type {Intake | null} */ intake) {
  return intake?.fromName || intake?.fromEmail || 'the person who sent you the link';
}

/**
 * Who asks, their message, the limits and the fingerprint.
 * @param {Intake} intake
 * @param {string} fingerprint
 * @param {number} maxFileBytes the server's limit on one file
 */
export function showIntake(intake, fingerprint, maxFileBytes) {
  const name = intake.fromName || intake.fromEmail;
  title.textContent = name ? `Send files to ${name}` : 'Send files';
  askFrom.replaceChildren();
  if (name) {
    askFrom.append(el('strong', { text: name }));
    if (intake.fromName && intake.fromEmail) askFrom.append(` (${intake.fromEmail})`);
    askFrom.append(' asks you for files.');
  } else {
    askFrom.textContent = 'Someone asks you for files.';
  }
  askMessage.textContent = intake.message;
  askMessageBox.hidden = intake.message.trim() === '';
  ask.hidden = false;
  fingerprintEl.textContent = fingerprint;
  fingerprintNote.hidden = false;
  showLimits(intake, maxFileBytes);
}

/** Whether the request takes no more files: 'expired', 'full' or null. */
export function closedState(/** @type {Intake | null} */ intake) {
  if (!intake) return null;
  if (intake.state === 'expired' || intake.expiresAt <= Date.now()) return 'expired';
  if (intake.state === 'full' || intake.filesLeft <= 0 || intake.bytesLeft <= 0) return 'full';
  return null;
}

/**
 * @param {Intake} intake
 * @param {number} maxFileBytes
 */
export function showLimits(intake, maxFileBytes) {
  const { filesLeft, bytesLeft, maxFiles, maxBytes } = intake;
  limitFiles.textContent =
    filesLeft === maxFiles ? `Up to ${plural(maxFiles, 'file')}` : `${plural(filesLeft, 'more file')} (of ${maxFiles})`;
  limitBytes.textContent =
    bytesLeft === maxBytes
      ? `${formatSize(maxBytes)} in all`
      : `${formatSize(bytesLeft)} more (of ${formatSize(maxBytes)})`;
  limitUntil.replaceChildren(
    ...(Number.isFinite(intake.expiresAt) && intake.expiresAt > 0
      ? [intake.expiresAt > Date.now() ? 'Closes ' : 'Closed ', timeEl(intake.expiresAt)]
      : []),
  );
  limitsHint.textContent = `Each file can be up to ${formatSize(Math.min(maxFileBytes, bytesLeft))}.`;
}

/**
 * What the status line says of a request that takes no more files.
 * @param {'expired' | 'full'} state
 * @param {Intake | null} intake
 * @param {boolean} delivered whether the receipt lists files
 */
export function closedSentence(state, intake, delivered) {
  return state === 'expired'
    ? `This request has expired, so no more files can be sent with this link. ${delivered ? 'The files listed in the receipt were delivered. ' : 'Nothing was sent. '}Ask ${asker(intake)} for a new link if you still need to send files.`
    : `This request has received all the files it allows, so no more can be sent. ${delivered ? 'The files listed in the receipt were delivered. ' : 'Files sent earlier were delivered. '}If you have more to send, ask ${asker(intake)} for a new link.`;
}

/**
 * A request that refuses the link.
 * @param {'not-found' | 'wrong-token'} state
 * @param {string} sent what was delivered, as a sentence with a leading space
 */
export function refusedSentence(state, sent) {
  return state === 'not-found'
    ? `No request with this link exists: it may have been mistyped, or the person who asked deleted it.${sent} Ask them for a new link.`
    : `This link’s key does not match the request: part of it was changed or cut off on its way to you.${sent} Ask the person who sent it for the whole link again.`;
}

/**
 * Which of the files chosen the request still takes, after those already queued; a sentence for
 * each of the others.
 * @param {{ file: File, name: string }[]} chosen
 * @param {{ file: File }[]} queued
 * @param {Intake} intake
 * @param {number} maxFileBytes
 */
export function fitFiles(chosen, queued, intake, maxFileBytes) {
  /** @type {{ file: File, name: string }[]} */
  const fit = [];
  /** @type {string[]} */
  const refused = [];
  let count = queued.length;
  let bytes = queued.reduce((sum, r) => sum + r.file.size, 0);
  const maxFile = Math.min(maxFileBytes, intake.bytesLeft);
  for (const { file, name } of chosen) {
    if (file.size > maxFile) {
      refused.push(
        `“${name}” was not added: it is ${formatSize(file.size)}, and files can be at most ${formatSize(maxFile)} here.`,
      );
    } else if (count >= intake.filesLeft) {
      refused.push(`“${name}” was not added: this request takes ${plural(intake.filesLeft, 'more file')}.`);
    } else if (bytes + file.size > intake.bytesLeft) {
      refused.push(
        `“${name}” was not added: with it, the files would come to more than the ${formatSize(intake.bytesLeft)} this request still takes.`,
      );
    } else {
      fit.push({ file, name });
      count++;
      bytes += file.size;
    }
  }
  return { fit, refused };
}

/**
 * What the status line says when a batch has ended.
 * @param {number} sent
 * @param {number} failed
 * @param {'expired' | 'full' | null} nowClosed whether the request takes more files now
 * @param {Intake | null} intake
 */
export function batchSentence(sent, failed, nowClosed, intake) {
  if (failed) {
    return sent === 0
      ? `${failed === 1 ? 'The file was not sent' : 'None of the files were sent'}: see why in the list above.`
      : `${sent} of ${plural(sent + failed, 'file')} sent; ${failed} not: see why in the list above. The others were delivered.`;
  }
  const full = nowClosed === 'full' ? ' The request is now full: it takes no more files.' : '';
  const ended = nowClosed === 'expired' ? ' The request has now closed.' : '';
  return `${plural(sent, 'file')} sent to ${asker(intake)}, encrypted so that only they can open ${sent === 1 ? 'it' : 'them'}. Your receipt is below.${full}${ended}`;
}

/** @param {number} sent files of the batch delivered before the cancel */
export function cancelledSentence(sent) {
  return sent
    ? `Sending cancelled. ${plural(sent, 'file')} had already been delivered (see the receipt); the unfinished one was deleted.`
    : 'Sending cancelled. Nothing was sent, and the partial upload was deleted.';
}
