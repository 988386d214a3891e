// Access-log events for the benchmark to seed into the local D1, made as the worker makes them
// (the stored event of the worker's log, serialised as serde_json writes it) and chained as
// architecture.md says: varied actions, actors, objects and clients, reproducible from one seed.
import { sd } from '../tests/support/client.mjs';

/** mulberry32: varied but reproducible events. */
let state = 0x9e3779b9;
function random() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
}
const pick = (/** @type {any[]} */ xs) => xs[Math.floor(random() * xs.length)];
/** Mostly the first few of `xs`: a few ids recur often, most rarely. */
const skewed = (/** @type {string[]} */ xs) => xs[Math.floor(random() ** 3 * xs.length)];
/** A 128-bit id as the worker makes them: 16 bytes, 22 base64url characters. */
export const newId = () =>
  Buffer.from(Array.from({ length: 16 }, () => Math.floor(random() * 256))).toString('base64url');
const newHex = (/** @type {number} */ n) =>
  Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(random() * 16)]).join('');

export const STAFF = Array.from({ length: 24 }, newId);
const SHARES = Array.from({ length: 4_000 }, newId);
const REQUESTS = Array.from({ length: 800 }, newId);
const FILES = Array.from({ length: 1_500 }, newId);
const CLIENTS = [
  ...Array.from({ length: 40 }, (_, i) => `203.0.113.${10 + i * 5}`),
  ...Array.from({ length: 20 }, (_, i) => `198.51.100.${i * 11 + 3}`),
  ...Array.from({ length: 10 }, (_, i) => `2001:db8:4f2::${(i * 37 + 11).toString(16)}`),
];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'curl/8.11.0',
];

/**
 * JSON text as serde_json writes it: serde_json's maps (every `detail`) keep their keys sorted.
 * @param {any} value
 * @returns {any}
 */
const sorted = (value) =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((k) => [k, sorted(value[k])]),
      )
    : value;

/**
 * @typedef {{ actor: string, action: string, object?: string | null, outcome?: string,
 *   bytes?: number | null, content_id?: string | null, detail?: any }} Made
 */

/** The mix of actions, by weight: downloads dominate, admin work is rare. */
const MIX = /** @type {[number, (at: number) => Made][]} */ ([
  [
    30,
    () => ({
      actor: 'holder',
      action: 'download.granted',
      object: skewed(SHARES),
      outcome: 'granted',
      detail: { ticket: newHex(16) },
    }),
  ],
  [
    18,
    () => ({
      actor: 'holder',
      action: 'download.receipt',
      object: skewed(SHARES),
      outcome: random() < 0.97 ? 'matched' : 'mismatch',
      bytes: Math.floor(random() * 2e9),
      content_id: newHex(64),
    }),
  ],
  [6, () => ({ actor: 'holder', action: 'download.proof', object: skewed(SHARES), outcome: 'refused:wrong_key' })],
  [1, () => ({ actor: 'holder', action: 'download.contents', object: skewed(SHARES), outcome: 'refused:purged' })],
  [
    6,
    (at) => ({
      actor: `staff:${pick(STAFF)}`,
      action: 'share.created',
      object: pick(SHARES),
      bytes: Math.floor(random() * 5e9),
      detail: {
        files: 1 + Math.floor(random() * 4),
        expires_at: at + 7 * 86_400_000,
        max_downloads: random() < 0.5 ? null : 5,
        password: random() < 0.3,
      },
    }),
  ],
  [5.5, () => ({ actor: `staff:${pick(STAFF)}`, action: 'share.completed', object: pick(SHARES) })],
  [0.3, () => ({ actor: `staff:${pick(STAFF)}`, action: 'share.aborted', object: pick(SHARES) })],
  [0.5, () => ({ actor: `staff:${pick(STAFF)}`, action: 'share.revoked', object: pick(SHARES) })],
  [0.2, () => ({ actor: `staff:${pick(STAFF)}`, action: 'share.unlocked', object: pick(SHARES) })],
  [2, () => ({ actor: 'system', action: 'share.expired', object: pick(SHARES) })],
  [0.5, () => ({ actor: 'system', action: 'share.exhausted', object: pick(SHARES) })],
  [2.5, () => ({ actor: 'system', action: 'share.purged', object: pick(SHARES), detail: { ended_as: 'expired' } })],
  [5, () => ((id) => ({ actor: `staff:${id}`, action: 'signin', object: id }))(pick(STAFF))],
  [1.5, () => ({ actor: 'anonymous', action: 'signin', outcome: 'refused:bad_credential' })],
  [2, () => ((id) => ({ actor: `staff:${id}`, action: 'signout', object: id }))(pick(STAFF))],
  [1, () => ({ actor: 'anonymous', action: 'shares.listed', outcome: 'refused:sign_in_required' })],
  [
    1.5,
    (at) => ({
      actor: `staff:${pick(STAFF)}`,
      action: 'request.created',
      object: pick(REQUESTS),
      detail: { expires_at: at + 14 * 86_400_000, max_files: 10, max_bytes: 10_737_418_240 },
    }),
  ],
  [
    3,
    () =>
      ((id) => ({
        actor: `partner:${id}`,
        action: 'request.upload.started',
        object: id,
        bytes: Math.floor(random() * 1e9),
        detail: { file: pick(FILES) },
      }))(skewed(REQUESTS)),
  ],
  [
    3,
    () =>
      ((id) => ({
        actor: `partner:${id}`,
        action: 'request.upload.completed',
        object: id,
        bytes: Math.floor(random() * 1e9),
        content_id: newHex(64),
        detail: { file: pick(FILES) },
      }))(skewed(REQUESTS)),
  ],
  [
    0.4,
    () =>
      ((id) => ({
        actor: `partner:${id}`,
        action: 'request.upload.aborted',
        object: id,
        detail: { file: pick(FILES) },
      }))(skewed(REQUESTS)),
  ],
  [
    0.3,
    () => ({
      actor: 'system',
      action: 'request.upload.abandoned',
      object: pick(REQUESTS),
      detail: { file: pick(FILES) },
    }),
  ],
  [
    2,
    () => ({
      actor: `staff:${pick(STAFF)}`,
      action: 'request.file.read',
      object: skewed(REQUESTS),
      bytes: Math.floor(random() * 1e9),
      content_id: newHex(64),
      detail: { file: pick(FILES) },
    }),
  ],
  [
    0.5,
    () => ({
      actor: `staff:${pick(STAFF)}`,
      action: 'request.file.deleted',
      object: skewed(REQUESTS),
      detail: { file: pick(FILES) },
    }),
  ],
  [0.5, () => ({ actor: `staff:${pick(STAFF)}`, action: 'request.deleted', object: pick(REQUESTS) })],
  [
    2.5,
    () => ({
      actor: `staff:${STAFF[0]}`,
      action: 'log.viewed',
      detail: { filter: random() < 0.5 ? {} : { outcome: 'refused' } },
    }),
  ],
  [
    0.1,
    () => ({
      actor: `staff:${STAFF[0]}`,
      action: 'log.exported',
      detail: { filter: null, format: 'jsonl', from: 1, to: 1 },
    }),
  ],
  [0.3, () => ({ actor: `staff:${pick(STAFF)}`, action: 'accounts.listed', outcome: 'refused:admin_only' })],
  [
    0.2,
    (at) => ({
      actor: `staff:${STAFF[0]}`,
      action: 'invite.created',
      object: newId(),
      detail: { email: `person${Math.floor(random() * 1000)}@example.org`, role: 'staff', expires_at: at + 86_400_000 },
    }),
  ],
  [
    0.1,
    () => ({
      actor: `staff:${STAFF[0]}`,
      action: 'account.changed',
      object: pick(STAFF),
      detail: { role: 'staff', disabled: null },
    }),
  ],
  [
    0.1,
    () =>
      ((id) => ({ actor: `staff:${id}`, action: 'password.changed', object: id, detail: { requests_rewrapped: 2 } }))(
        pick(STAFF),
      ),
  ],
  [
    0.05,
    () => ({
      actor: `staff:${STAFF[0]}`,
      action: 'policy.changed',
      detail: { max_expiry_seconds: { from: '2592000', to: '1209600' } },
    }),
  ],
]);
const TOTAL_WEIGHT = MIX.reduce((n, [w]) => n + w, 0);

/**
 * e_n for an event made at `at`, exactly as the worker serialises `Stored`.
 * @param {number} at
 */
export function eventText(at) {
  let r = random() * TOTAL_WEIGHT;
  let make = MIX[0][1];
  for (const [weight, f] of MIX) {
    make = f;
    if ((r -= weight) < 0) break;
  }
  const e = make(at);
  const system = e.actor === 'system';
  const stored = {
    at,
    actor: e.actor,
    client: system ? '' : pick(CLIENTS),
    user_agent: system ? '' : pick(USER_AGENTS),
    action: e.action,
    object: e.object ?? null,
    outcome: e.outcome ?? 'ok',
    bytes: e.bytes ?? null,
    content_id: e.content_id ?? null,
    detail: e.detail === undefined ? null : sorted(e.detail),
  };
  return { text: JSON.stringify(stored), stored };
}

const DOMAIN = new TextEncoder().encode('sealdrop audit v1\0');
const utf8 = new TextEncoder();
export const fromHex = (/** @type {string} */ h) => Uint8Array.from(Buffer.from(h, 'hex'));

/**
 * h_n = BLAKE3("sealdrop audit v1" || 0x00 || u64be(n) || h_(n-1) || e_n).
 * @param {number} n
 * @param {Uint8Array} prev
 * @param {string} text
 */
export function chainHash(n, prev, text) {
  const e = utf8.encode(text);
  const input = new Uint8Array(DOMAIN.length + 8 + 32 + e.length);
  input.set(DOMAIN, 0);
  new DataView(input.buffer).setBigUint64(DOMAIN.length, BigInt(n));
  input.set(prev, DOMAIN.length + 8);
  input.set(e, DOMAIN.length + 40);
  return sd.blake3(input);
}
