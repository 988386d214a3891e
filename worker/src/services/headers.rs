//! The request headers that the services read: any header, a body's declared length, and where
//! a request came from.

use worker::Request;

use crate::rules::error::{ApiError, ApiResult};
use crate::rules::log_event::Origin;

pub fn header(req: &Request, name: &str) -> ApiResult<Option<String>> {
    req.headers().get(name).map_err(|_| {
        ApiError::bad_request("bad_header", format!("The {name} header is malformed."))
    })
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

/// The client's address as Cloudflare reports it (`CF-Connecting-IP`, which the platform sets
/// and a client cannot): what the log records and the guessing limits count.
pub fn client_address(req: &Request) -> String {
    header(req, "CF-Connecting-IP")
        .ok()
        .flatten()
        .unwrap_or_else(|| "unknown".into())
}

/// Where a request came from, as the log records it: its address and (the first 256 characters
/// of) its user agent.
pub fn origin(req: &Request) -> Origin {
    Origin {
        client: client_address(req),
        user_agent: header(req, "User-Agent")
            .ok()
            .flatten()
            .map(|ua| ua.chars().take(256).collect())
            .unwrap_or_default(),
    }
}
