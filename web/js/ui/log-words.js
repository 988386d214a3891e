// How access log events read on the pages (js/ui/log-table.js, the admin console's filters, the
// owners' activity): the known actions grouped for filter selects, the outcomes, and who an
// actor is and what an outcome means in words. Event fields come from whoever made the request,
// so they are only ever set as text.
import { el } from '../lib/dom.js';

/**
 * @typedef {Object} LogEvent
 * @property {number} seq
 * @property {number} at ms since the epoch
 * @property {string} actor "staff:<id>", "partner:<request id>", "holder", "anonymous", "system"
 * @property {string | null} actor_email for staff actors
 * @property {string} action
 * @property {string | null} object
 * @property {string} outcome "ok", "granted", "matched", "mismatch", "refused:<code>"
 * @property {string} client
 * @property {string} user_agent
 * @property {number | null} bytes
 * @property {string | null} content_id
 * @property {unknown} detail
 * @property {string} hash
 * @property {string} prev
 */

/**
 * The actions the log knows, grouped by prefix for filter selects. A refused call is logged under
 * the action it would have been (download.proof for a wrong key), so one filter shows both.
 */
export const ACTION_GROUPS = [
  {
    label: 'Accounts',
    prefixes: [['account.', 'All account changes']],
    actions: ['account.created', 'account.changed'],
  },
  { label: 'Signing in', prefixes: [], actions: ['signin', 'signout', 'password.changed'] },
  {
    label: 'Invitations',
    prefixes: [['invite.', 'All invitation actions']],
    actions: ['invite.created', 'invite.cancelled'],
  },
  {
    label: 'Shares',
    prefixes: [['share.', 'All share actions']],
    actions: [
      'share.created',
      'share.completed',
      'share.aborted',
      'share.revoked',
      'share.unlocked',
      'share.expired',
      'share.exhausted',
      'share.purged',
    ],
  },
  {
    label: 'Downloads',
    prefixes: [['download.', 'All download actions']],
    actions: ['download.proof', 'download.granted', 'download.receipt'],
  },
  {
    label: 'File requests',
    prefixes: [
      ['request.', 'All request actions'],
      ['request.upload.', 'All request upload actions'],
      ['request.file.', 'All request file actions'],
    ],
    actions: [
      'request.created',
      'request.deleted',
      'request.upload.started',
      'request.upload.completed',
      'request.upload.aborted',
      'request.upload.abandoned',
      'request.file.read',
      'request.file.deleted',
    ],
  },
  { label: 'Policy', prefixes: [['policy.', 'All policy actions']], actions: ['policy.changed', 'policy.viewed'] },
  {
    label: 'Access log and console',
    prefixes: [['log.', 'All access log actions']],
    actions: ['log.viewed', 'log.exported', 'log.verified', 'log.retention', 'overview.viewed', 'activity.viewed'],
  },
];

/** The outcomes a filter offers, as [value, words]. */
export const OUTCOME_CHOICES = [
  ['', 'Any'],
  ['ok', 'OK'],
  ['granted', 'Granted'],
  ['refused', 'Refused'],
  ['matched', 'Matched'],
  ['mismatch', 'Mismatch'],
];

// Refusal codes whose words differ from the code itself; any other code reads with spaces.
/** @type {Record<string, string>} */
const REFUSAL_WORDS = {
  wrong_credentials: 'wrong email or password',
  too_many_attempts: 'too many tries',
  sign_in_required: 'not signed in',
  signed_out: 'session ended',
  admin_only: 'administrators only',
  policy_forbids: 'not allowed by the policy',
  not_active: 'link not active',
  ticket_required: 'no download ticket',
  ticket_expired: 'download ticket expired',
  csrf: 'missing page token',
  bad_filter: 'bad filter',
};

/** An event id (share, request, account, invite): 22 base64url characters. */
export const OBJECT_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * @param {any} e
 * @returns {LogEvent}
 */
export function toEvent(e) {
  /** @param {unknown} v */
  const textOrNull = (v) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    seq: Number(e?.seq),
    at: Number(e?.at),
    actor: String(e?.actor ?? ''),
    actor_email: textOrNull(e?.actor_email),
    action: String(e?.action ?? ''),
    object: textOrNull(e?.object),
    outcome: String(e?.outcome ?? ''),
    client: String(e?.client ?? ''),
    user_agent: String(e?.user_agent ?? ''),
    bytes: typeof e?.bytes === 'number' ? e.bytes : null,
    content_id: textOrNull(e?.content_id),
    detail: e?.detail ?? null,
    hash: String(e?.hash ?? ''),
    prev: String(e?.prev ?? ''),
  };
}

/**
 * The start of an id, enough to tell ids apart on screen.
 * @param {string} id
 */
export function shortId(id) {
  return id.length > 8 ? `${id.slice(0, 8)}…` : id;
}

/**
 * Who did it, in words: the email of a staff account, else what kind of actor it was.
 * @param {LogEvent} ev
 */
export function actorWords(ev) {
  const colon = ev.actor.indexOf(':');
  const kind = colon < 0 ? ev.actor : ev.actor.slice(0, colon);
  const id = colon < 0 ? '' : ev.actor.slice(colon + 1);
  if (kind === 'staff') return ev.actor_email ?? `Staff account ${shortId(id)}`;
  if (kind === 'partner') return `Partner (request ${shortId(id)})`;
  if (kind === 'holder') return 'Link holder';
  if (kind === 'anonymous') return 'Anonymous';
  if (kind === 'system') return 'System';
  return ev.actor || 'Unknown';
}

/**
 * @param {string} outcome
 * @returns {{ kind: string, words: string }} kind: ok, granted, matched, mismatch, refused
 */
export function outcomeWords(outcome) {
  if (outcome.startsWith('refused')) {
    const code = outcome.slice('refused:'.length);
    return { kind: 'refused', words: code ? `Refused: ${REFUSAL_WORDS[code] ?? code.replace(/_/g, ' ')}` : 'Refused' };
  }
  /** @type {Record<string, string>} */
  const words = { ok: 'OK', granted: 'Granted', matched: 'Matched', mismatch: 'Mismatch' };
  return { kind: outcome in words ? outcome : 'other', words: words[outcome] ?? outcome };
}

/**
 * The moment to the second, in the reader's zone, and in UTC to the millisecond.
 * @param {number} at
 */
export function exactTime(at) {
  const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'long' }).format(at);
  return `${local} (${new Date(at).toISOString()})`;
}

/**
 * Fills a select with the action choices: Any, then a group per prefix with its "All …" choice.
 * @param {HTMLSelectElement} select
 */
export function fillActionSelect(select) {
  const any = el('option', { text: 'Any', attrs: { value: '' } });
  const groups = ACTION_GROUPS.map((group) => {
    const optgroup = el('optgroup', { attrs: { label: group.label } });
    for (const [value, text] of group.prefixes) optgroup.append(el('option', { text, attrs: { value } }));
    for (const action of group.actions) optgroup.append(el('option', { text: action, attrs: { value: action } }));
    return optgroup;
  });
  select.replaceChildren(any, ...groups);
}

/**
 * Fills a select with OUTCOME_CHOICES.
 * @param {HTMLSelectElement} select
 */
export function fillOutcomeSelect(select) {
  select.replaceChildren(...OUTCOME_CHOICES.map(([value, text]) => el('option', { text, attrs: { value } })));
}
