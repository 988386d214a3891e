//! Reading request bodies: JSON with a size cap, sent as JSON.

use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use worker::Request;

use crate::rules::error::{ApiError, ApiResult};
use crate::rules::limits::MAX_JSON_BODY;
use crate::services::headers::header;

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
