//! What several handlers share: the checks of what callers send (text, keys, expiries, content
//! ids), the lookups of a share's or a request's file, and the refusals of what is not there.

use sealdrop_core::encoding::{b64_decode, b64_decode_array, hex_array};

use crate::rules::error::{ApiError, ApiResult};
use crate::rules::limits::CLOCK_SLACK_MS;
use crate::services::context::Ctx;
use crate::store::requests::RequestFileRow;
use crate::store::shares::{FileRow, ShareRow};

/// A wrapped 32-byte key: nonce, key, tag.
pub const WRAPPED_KEY_LEN: usize = 12 + 32 + 16;

/// Text a person typed: trimmed, `min` to `max` characters, no control characters but newlines.
pub fn checked_text(
    text: &str,
    min: usize,
    max: usize,
    code: &'static str,
    message: &'static str,
) -> ApiResult<String> {
    let text = text.trim();
    let count = text.chars().count();
    if (min..=max).contains(&count) && !text.chars().any(|c| c.is_control() && c != '\n') {
        Ok(text.to_string())
    } else {
        Err(ApiError::bad_request(code, message))
    }
}

/// 32 bytes in base64url: a key, or the hash of a secret the browser drew.
pub fn key32(value: &str, code: &'static str, field: &str) -> ApiResult<[u8; 32]> {
    b64_decode_array::<32>(value, "a key")
        .map_err(|_| ApiError::bad_request(code, format!("{field} must be 32 bytes in base64url.")))
}

/// A 32-byte key wrapped under K (or a v1 vault key): its exact length, in base64url.
pub fn wrapped_key(value: &str, code: &'static str, field: &str) -> ApiResult<()> {
    wrapped_blob(value, WRAPPED_KEY_LEN, code, field)
}

/// A secret wrapped under a key the server never has: its exact length `len`, in base64url.
pub fn wrapped_blob(value: &str, len: usize, code: &'static str, field: &str) -> ApiResult<()> {
    match b64_decode(value, "a wrapped key") {
        Ok(bytes) if bytes.len() == len => Ok(()),
        _ => Err(ApiError::bad_request(
            code,
            format!("{field} must be a wrapped key ({len} bytes) in base64url."),
        )),
    }
}

/// The expiry: in the future, and no later than the policy allows.
pub fn checked_expiry(expires_at: i64, ctx: &Ctx) -> ApiResult<u64> {
    let latest = ctx.now + ctx.limits.max_expiry_seconds * 1000 + CLOCK_SLACK_MS;
    match u64::try_from(expires_at) {
        Ok(at) if at > ctx.now && at <= latest => Ok(at),
        _ => Err(ApiError::bad_request(
            "bad_expiry",
            format!(
                "expires_at must be a time in the future, at most {} from now.",
                sealdrop_core::audit::describe_duration(ctx.limits.max_expiry_seconds * 1000)
            ),
        )),
    }
}

/// A content id as the API takes it: 64 lower-case hex digits.
pub fn checked_content_id(content_id: &str) -> ApiResult<String> {
    hex_array::<32>(content_id, "the content id")
        .map(hex::encode)
        .ok()
        .filter(|canonical| canonical == content_id)
        .ok_or_else(|| {
            ApiError::bad_request(
                "bad_content_id",
                "content_id must be 64 lower-case hex digits.",
            )
        })
}

pub fn no_such_share_file() -> ApiError {
    ApiError::new(
        404,
        "no_such_file",
        "This share has no file with that index.",
    )
}

pub fn no_such_request() -> ApiError {
    ApiError::new(404, "not_found", "No request with this id exists.")
}

pub fn no_such_request_file() -> ApiError {
    ApiError::new(
        404,
        "no_such_file",
        "This request has no file with that id.",
    )
}

/// A share, or 404.
pub async fn share(ctx: &Ctx, id: &str) -> ApiResult<ShareRow> {
    ctx.db.share(id).await?.ok_or_else(ApiError::not_found)
}

/// File `j` of a share.
pub async fn share_file(ctx: &Ctx, share_id: &str, j: u32) -> ApiResult<FileRow> {
    ctx.db
        .file(share_id, j)
        .await?
        .ok_or_else(no_such_share_file)
}

/// A file of a request, complete or not.
pub async fn request_file(ctx: &Ctx, request_id: &str, file_id: &str) -> ApiResult<RequestFileRow> {
    ctx.db
        .request_file(request_id, file_id)
        .await?
        .ok_or_else(no_such_request_file)
}
