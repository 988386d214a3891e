//! The worker's configuration: the upload limits of `[vars]` in wrangler.toml (the ceiling no
//! policy can exceed), the secrets, the witness, and what only a test stack sets.

use sealdrop_core::header::DEFAULT_LOG2_CHUNK;
use worker::Env;

use crate::rules::error::{ApiError, ApiResult};
use crate::rules::limits::{
    Limits, DEFAULT_MAX_EXPIRY_SECONDS, DEFAULT_MAX_FILES, DEFAULT_MAX_FILE_BYTES,
    MAX_DOWNLOAD_LIMIT, REFUSAL_WINDOW_MS,
};

/// The configured limits: the ceiling that the policy narrows.
pub fn limits(env: &Env) -> ApiResult<Limits> {
    Ok(Limits {
        max_file_bytes: var(env, "MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES)?,
        max_files: var(env, "MAX_FILES", DEFAULT_MAX_FILES)?,
        log2_chunk: DEFAULT_LOG2_CHUNK,
        max_expiry_seconds: var(env, "MAX_EXPIRY_SECONDS", DEFAULT_MAX_EXPIRY_SECONDS)?,
        max_download_limit: MAX_DOWNLOAD_LIMIT as u64,
    })
}

fn misconfigured() -> ApiError {
    ApiError::new(
        503,
        "misconfigured",
        "The service is misconfigured; tell its operator.",
    )
}

/// A number from `[vars]`, or `default` when unset. A value that does not parse is the
/// operator's mistake and is reported as such rather than silently replaced.
fn var<T: std::str::FromStr>(env: &Env, name: &str, default: T) -> ApiResult<T> {
    match env.var(name) {
        Err(_) => Ok(default),
        Ok(value) => value.to_string().parse().map_err(|_| {
            worker::console_error!("configuration: {name} is not a number");
            misconfigured()
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
            misconfigured()
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

/// Where checkpoints go besides D1 (`SEALDROP_WITNESS_URL`), if anywhere.
pub fn witness_url(env: &Env) -> Option<String> {
    env.var("SEALDROP_WITNESS_URL")
        .ok()
        .map(|v| v.to_string())
        .filter(|v| !v.is_empty())
}

/// Whether this is a test stack (`SEALDROP_TEST_CLOCK=d1`, set only by tests/run.mjs): then the
/// clock and the fault switch of `store::testing` are read.
pub fn testing(env: &Env) -> bool {
    env.var("SEALDROP_TEST_CLOCK")
        .is_ok_and(|v| v.to_string() == "d1")
}

/// The window of refusal summaries: a test stack may shorten it (`SEALDROP_REFUSAL_WINDOW_MS`,
/// at least a second).
pub fn refusal_window_ms(env: &Env) -> u64 {
    env.var("SEALDROP_REFUSAL_WINDOW_MS")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .filter(|&ms: &u64| ms >= 1000)
        .unwrap_or(REFUSAL_WINDOW_MS)
}
