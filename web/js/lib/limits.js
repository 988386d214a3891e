// What the server allows, as /api/limits states it (max_file_bytes and max_expiry_seconds are
// the organisation's policy, within the server's own ceiling): the upload pages check files and
// pick the chunk size by it, the share page and the inbox offer only the expiries it accepts. The
// server enforces its limits whatever a page says; these only spare people a refusal after the fact.
import { apiFetch } from './api.js';

/**
 * @typedef {Object} Limits
 * @property {number} max_file_bytes
 * @property {number} max_files in a share
 * @property {number | null} log2_chunk null: the module's default
 * @property {number} max_expiry_seconds
 * @property {number} max_download_limit
 */

/** @type {Limits} Used until /api/limits answers, and if it never does. */
export const DEFAULT_LIMITS = {
  max_file_bytes: 10 * 2 ** 30,
  max_files: 100,
  log2_chunk: null,
  max_expiry_seconds: 30 * 86400,
  max_download_limit: 1000,
};

/**
 * The limits, and how far the server's clock is ahead of this one's.
 * @returns {Promise<{ limits: Limits, clockOffsetMs: number }>}
 */
export async function fetchLimits() {
  const res = await apiFetch('/api/limits');
  const answeredAt = Date.now();
  const got = await res.json();
  // The server refuses an expiry past its own now + cap, so a clock running ahead of the
  // server's would have the longest preset refused. Date has whole seconds and lags the
  // answer's true time, so the estimate errs towards the safe side. Without the header (the
  // local stack sends none) this clock is trusted.
  const serverDate = Date.parse(res.headers.get('Date') ?? '');
  return {
    limits: {
      max_file_bytes: Number(got.max_file_bytes) || DEFAULT_LIMITS.max_file_bytes,
      max_files: Number(got.max_files) || DEFAULT_LIMITS.max_files,
      log2_chunk:
        Number.isInteger(got.log2_chunk) && got.log2_chunk >= 16 && got.log2_chunk <= 24 ? got.log2_chunk : null,
      max_expiry_seconds: Number(got.max_expiry_seconds) || DEFAULT_LIMITS.max_expiry_seconds,
      max_download_limit: Number(got.max_download_limit) || DEFAULT_LIMITS.max_download_limit,
    },
    clockOffsetMs: Number.isFinite(serverDate) ? serverDate - answeredAt : 0,
  };
}
