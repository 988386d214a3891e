// A share as the server lists it (GET /api/shares, GET /api/admin/shares), for "My shares" and
// the admin console.

/**
 * @typedef {{ id: string, state: string, created_at: number, expires_at: number,
 *   max_downloads: number | null, downloads: number, file_count: number, locked: boolean,
 *   failed_proofs: number, failing_addresses: number, payload_bytes: number,
 *   owner_email: string }} ShareSummary
 */

/** @type {Record<string, string>} */
export const STATE_WORDS = {
  uploading: 'Uploading',
  active: 'Active',
  expired: 'Expired',
  exhausted: 'All downloads used',
  revoked: 'Revoked',
  purged: 'Files deleted',
};

/**
 * @param {any} got
 * @returns {ShareSummary}
 */
export function toSummary(got) {
  return {
    id: String(got?.id),
    state: String(got?.state),
    created_at: Number(got?.created_at),
    expires_at: Number(got?.expires_at),
    max_downloads: got?.max_downloads === null || got?.max_downloads === undefined ? null : Number(got.max_downloads),
    downloads: Number(got?.downloads) || 0,
    file_count: Number(got?.file_count) || 0,
    locked: got?.locked === true,
    failed_proofs: Number(got?.failed_proofs) || 0,
    failing_addresses: Number(got?.failing_addresses) || 0,
    payload_bytes: Number(got?.payload_bytes) || 0,
    owner_email: typeof got?.owner_email === 'string' ? got.owner_email : '',
  };
}
