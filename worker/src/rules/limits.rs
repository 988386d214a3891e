//! Every time limit and size limit of the service, and the upload limits served at `/api/limits`.

use serde::Serialize;

pub const MINUTE_MS: u64 = 60 * 1000;
pub const HOUR_MS: u64 = 60 * MINUTE_MS;
pub const DAY_MS: u64 = 24 * HOUR_MS;

/// How long a download ticket lives after its last use (format-v1.md: one hour).
pub const TICKET_TTL_MS: u64 = HOUR_MS;
/// A ticket's last use is written at most this often, not on every ranged request.
pub const TICKET_TOUCH_EVERY_MS: u64 = MINUTE_MS;
/// How long a session lasts after sign-in.
pub const SESSION_TTL_MS: u64 = 12 * HOUR_MS;
/// Uploads left unfinished this long are abandoned, and the purge releases them.
pub const ABANDONED_AFTER_MS: u64 = DAY_MS;
/// A claim on an upload part that is still unconfirmed after this long is taken to be from a
/// request that died, and may be taken over.
pub const STALE_PART_CLAIM_MS: u64 = 10 * MINUTE_MS;
/// The same bytes (the same BLAKE3) sent again after this long are the uploader's retry of a
/// request that died (a server restart ends every request in flight): the retry takes the claim
/// over at once instead of waiting [`STALE_PART_CLAIM_MS`]. Were the first request still alive,
/// both would store identical bytes under the same part number.
pub const RETRY_TAKEOVER_MS: u64 = 20 * 1000;
/// A purge claim older than this is from a run that died, and is taken over.
pub const STALE_PURGE_CLAIM_MS: u64 = 10 * MINUTE_MS;
/// Shares (and abandoned request files) per purge run: each costs a few R2 calls per file, and a
/// run must stay well inside the platform's limit on subrequests.
pub const PURGED_PER_RUN: u64 = 20;
/// A browser's clock may run a little ahead of ours; the longest preset expiry must still pass.
pub const CLOCK_SLACK_MS: u64 = 5 * MINUTE_MS;

/// The download limit's range; `None` is no limit before the expiry.
pub const MAX_DOWNLOAD_LIMIT: i64 = 1000;
/// Files a request may take at most.
pub const MAX_REQUEST_FILES: u64 = 1000;
/// The longest an invite may be valid: 30 days.
pub const MAX_INVITE_HOURS: u64 = 720;
/// R2's limit on parts per multipart upload.
pub const MAX_PARTS: u64 = 10_000;
/// The sealed metadata of a file: nonce, space-padded JSON in 256-byte steps, tag. Names are
/// small; anything larger is refused.
pub const MAX_METADATA_LEN: usize = 64 * 1024;
/// The sealed manifest of a share, likewise; manifests are small.
pub const MAX_MANIFEST_LEN: usize = 256 * 1024;
/// JSON request bodies are small (a share of 100 files is about 60 KB); anything bigger is
/// refused before it is read.
pub const MAX_JSON_BODY: u64 = 1024 * 1024;

/// Events between checkpoints made by appends; the scheduled run adds one per run.
pub const CHECKPOINT_EVERY: u64 = 1000;
/// The wall-clock window over which refusals naming nothing are summed per client address: a
/// minute, aligned to the minute. A test stack may shorten it (`SEALDROP_REFUSAL_WINDOW_MS`, set
/// only by tests/run.mjs) so that its suites need not wait a minute for a summary.
pub const REFUSAL_WINDOW_MS: u64 = MINUTE_MS;
/// Rows a page of the log's table may ask for, and what it gets unless it asks.
pub const MOST_LOG_ROWS: u64 = 200;
pub const DEFAULT_LOG_ROWS: u64 = 50;
/// Rows read from D1 at a time while an export is written or the chain verified.
pub const LOG_PAGE_ROWS: u64 = 2_000;
/// No event or checkpoint has a seq this high: "every one from here on".
pub const ANY_SEQ: u64 = 1 << 53;

/// Largest plaintext file, unless configured: 10 GiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 10 * 1024 * 1024 * 1024;
pub const DEFAULT_MAX_FILES: u32 = 100;
/// Longest expiry a share may have, unless configured: 30 days.
pub const DEFAULT_MAX_EXPIRY_SECONDS: u64 = 30 * 24 * 60 * 60;

/// What uploads may be. Served at `/api/limits` so that pages can say so before anyone waits.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_files: u32,
    /// The chunk size new files should use.
    pub log2_chunk: u8,
    pub max_expiry_seconds: u64,
    /// Downloads a share may allow at most, short of no limit.
    pub max_download_limit: u64,
}
