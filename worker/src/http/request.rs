//! Reading requests and writing responses: JSON bodies with a size cap, the headers the API
//! relies on, and JSON answers.

use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Request, Response, ResponseBody, ResponseBuilder};

use crate::error::{ApiError, ApiResult};

/// JSON request bodies are small (a share of 100 files is about 60 KB); anything bigger is
/// refused before it is read.
const MAX_JSON_BODY: u64 = 1024 * 1024;

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

/// The request's declared `Content-Length`, required.
pub fn content_length(req: &Request) -> ApiResult<u64> {
    let value = header(req, "Content-Length")?.ok_or_else(|| {
        ApiError::new(
            411,
            "length_required",
            "The request needs a Content-Length header.",
        )
    })?;
    value.parse().map_err(|_| {
        ApiError::bad_request(
            "bad_content_length",
            "The Content-Length header is not a number.",
        )
    })
}

pub fn header(req: &Request, name: &str) -> ApiResult<Option<String>> {
    req.headers().get(name).map_err(|_| {
        ApiError::bad_request("bad_header", format!("The {name} header is malformed."))
    })
}

/// The client's address as Cloudflare reports it (`CF-Connecting-IP`, which the platform sets
/// and a client cannot): what the log records and the guessing limits count.
pub fn client_address(req: &Request) -> String {
    header(req, "CF-Connecting-IP")
        .ok()
        .flatten()
        .unwrap_or_else(|| "unknown".into())
}

/// Reads and parses a JSON body of at most [`MAX_JSON_BODY`] bytes. The body must say it is
/// JSON: a form on another site can post text/plain without asking, but not application/json,
/// which is what keeps sign-in and sign-up free of cross-site requests.
pub async fn json_body<T: DeserializeOwned>(req: &mut Request) -> ApiResult<T> {
    let json = header(req, "Content-Type")?.is_some_and(|t| {
        t.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if !json {
        return Err(ApiError::new(
            415,
            "not_json",
            "The request body must be JSON, sent with Content-Type: application/json.",
        ));
    }
    let too_large = || {
        ApiError::new(
            413,
            "body_too_large",
            "The request body is larger than the 1 MiB this endpoint accepts.",
        )
    };
    if let Some(length) = header(req, "Content-Length")? {
        if length.parse::<u64>().map_or(true, |n| n > MAX_JSON_BODY) {
            return Err(too_large());
        }
    }
    // Without a Content-Length (chunked), the cap runs along the stream: nothing past it is read.
    let unreadable =
        || ApiError::bad_request("unreadable_body", "The request body could not be read.");
    let mut bytes = Vec::new();
    if req.inner().body().is_some() {
        let mut stream = req.stream().map_err(|_| unreadable())?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            if (bytes.len() + chunk.len()) as u64 > MAX_JSON_BODY {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad_request(
            "bad_json",
            format!("The request body is not the JSON expected: {e}."),
        )
    })
}
