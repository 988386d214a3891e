//! Policy limits from the worker's configuration (`[vars]` in wrangler.toml).

use sealdrop_core::header::DEFAULT_LOG2_CHUNK;
use serde::Serialize;
use worker::Env;

use crate::error::{ApiError, ApiResult};

/// Largest plaintext file, unless configured: 10 GiB.
const DEFAULT_MAX_FILE_BYTES: u64 = 10 * 1024 * 1024 * 1024;
const DEFAULT_MAX_FILES: u32 = 100;
/// Longest expiry a share may have, unless configured: 30 days.
const DEFAULT_MAX_EXPIRY_SECONDS: u64 = 30 * 24 * 60 * 60;

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

impl Limits {
    pub fn from_env(env: &Env) -> ApiResult<Self> {
        Ok(Limits {
            max_file_bytes: var(env, "MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES)?,
            max_files: var(env, "MAX_FILES", DEFAULT_MAX_FILES)?,
            log2_chunk: DEFAULT_LOG2_CHUNK,
            max_expiry_seconds: var(env, "MAX_EXPIRY_SECONDS", DEFAULT_MAX_EXPIRY_SECONDS)?,
            max_download_limit: crate::lifecycle::MAX_DOWNLOAD_LIMIT as u64,
        })
    }
}

/// A number from `[vars]`, or `default` when unset. A value that does not parse is the
/// operator's mistake and is reported as such rather than silently replaced.
fn var<T: std::str::FromStr>(env: &Env, name: &str, default: T) -> ApiResult<T> {
    match env.var(name) {
        Err(_) => Ok(default),
        Ok(value) => value.to_string().parse().map_err(|_| {
            worker::console_error!("configuration: {name} is not a number");
            ApiError::new(
                503,
                "misconfigured",
                "The service is misconfigured; tell its operator.",
            )
        }),
    }
}

/// The pepper of login-key hashes (format-v1.md, Staff keys): 32 bytes as 64 hex digits in the
/// worker secret `SEALDROP_PEPPER`. Without it nobody can sign in, which is said plainly.
pub fn pepper(env: &Env) -> ApiResult<[u8; 32]> {
    env.secret("SEALDROP_PEPPER")
        .ok()
        .and_then(|s| sealdrop_core::encoding::hex_array::<32>(&s.to_string(), "the pepper").ok())
        .ok_or_else(|| {
            worker::console_error!(
                "configuration: SEALDROP_PEPPER is missing or not 64 hex digits"
            );
            ApiError::new(
                503,
                "misconfigured",
                "The service is misconfigured; tell its operator.",
            )
        })
}

/// The Ed25519 secret key of the access log's checkpoints: 64 hex digits in the worker secret
/// `SEALDROP_AUDIT_KEY`. Without it events are still logged and chained, but nobody signs them,
/// which the purge's run and every would-be checkpoint report to the operator.
pub fn audit_key(env: &Env) -> Option<[u8; 32]> {
    env.secret("SEALDROP_AUDIT_KEY").ok().and_then(|s| {
        sealdrop_core::encoding::hex_array::<32>(&s.to_string(), "the audit key").ok()
    })
}
