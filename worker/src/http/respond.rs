//! Writing responses: JSON answers, and a refusal as `{"error": {"code", "message"}}` with the
//! headers its status calls for.

use serde::Serialize;
use serde_json::json;
use worker::{Response, ResponseBody, ResponseBuilder};

use crate::rules::error::{ApiError, ApiResult};

/// A JSON answer with `status`. Serialising our own values cannot fail; should it, the status
/// still goes out with an empty object rather than a panic.
pub fn json_response<T: Serialize>(status: u16, value: &T) -> Response {
    let bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let headers = worker::Headers::new();
    let _ = headers.set("Content-Type", "application/json; charset=utf-8");
    let _ = headers.set("Cache-Control", "no-store");
    ResponseBuilder::new()
        .with_status(status)
        .with_headers(headers)
        .body(ResponseBody::Body(bytes))
}

pub fn ok<T: Serialize>(value: &T) -> ApiResult<Response> {
    Ok(json_response(200, value))
}

/// A refusal as sent: its status, its code and message, its header (`Allow`, `Content-Range`,
/// `Retry-After`), and Retry-After on every 503.
pub fn error_response(err: ApiError) -> Response {
    let body = json!({ "error": { "code": err.code, "message": err.message } });
    let mut response = json_response(err.status, &body);
    if let Some((name, value)) = &err.header {
        let _ = response.headers_mut().set(name, value);
    }
    if err.status == 503 {
        let _ = response.headers_mut().set("Retry-After", "5");
    }
    response
}
