//! A stored payload as a response, whole or one byte range of it, streamed from R2: what share
//! downloads and the inbox's downloads of received files both serve.

use worker::{Request, Response, ResponseBody, ResponseBuilder};

use crate::rules::error::{ApiError, ApiResult};
use crate::services::context::Ctx;
use crate::services::headers::header;

/// A stored payload, whole (200) or one range of it (206), streamed from R2 to the response.
pub async fn serve_payload(
    req: &Request,
    ctx: &Ctx,
    object_key: &str,
    size: u64,
) -> ApiResult<Response> {
    let range = match header(req, "Range")? {
        Some(value) => Some(parse_range(&value, size)?),
        None => None,
    };
    let (offset, length) = range.unwrap_or((0, size));
    let stream = ctx.storage.read(object_key, offset, length).await?;
    let headers = worker::Headers::new();
    let _ = headers.set("Content-Type", "application/octet-stream");
    let _ = headers.set("Content-Length", &length.to_string());
    let _ = headers.set("Accept-Ranges", "bytes");
    let _ = headers.set("Cache-Control", "no-store");
    let status = if range.is_some() {
        let _ = headers.set(
            "Content-Range",
            &format!("bytes {offset}-{}/{size}", offset + length - 1),
        );
        206
    } else {
        200
    };
    Ok(ResponseBuilder::new()
        .with_status(status)
        .with_headers(headers)
        .body(ResponseBody::Stream(stream)))
}

/// One `bytes=` range of RFC 9110 (first-last, first-, or -suffix) as offset and length.
/// Several ranges and other units are refused; a range that starts past the end is 416.
fn parse_range(value: &str, size: u64) -> ApiResult<(u64, u64)> {
    let bad = || {
        ApiError::bad_request(
            "bad_range",
            "The Range header must be one range: bytes=first-last, bytes=first- or bytes=-suffix.",
        )
    };
    let unsatisfiable = || {
        ApiError::new(
            416,
            "range_not_satisfiable",
            format!("The range lies outside the {size} bytes of this file."),
        )
        .with_header("Content-Range", format!("bytes */{size}"))
    };
    let spec = value.trim().strip_prefix("bytes=").ok_or_else(bad)?;
    let (first, last) = spec.split_once('-').ok_or_else(bad)?;
    let number = |s: &str| -> ApiResult<u64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    if first.is_empty() {
        let suffix = number(last)?;
        if suffix == 0 {
            return Err(unsatisfiable());
        }
        let length = suffix.min(size);
        return Ok((size - length, length));
    }
    let first = number(first)?;
    let last = if last.is_empty() {
        u64::MAX
    } else {
        number(last)?
    };
    if last < first {
        return Err(bad());
    }
    if first >= size {
        return Err(unsatisfiable());
    }
    Ok((first, last.min(size - 1) - first + 1))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100).unwrap(), (0, 10));
        assert_eq!(parse_range("bytes=90-", 100).unwrap(), (90, 10));
        assert_eq!(parse_range("bytes=95-200", 100).unwrap(), (95, 5));
        assert_eq!(parse_range("bytes=-30", 100).unwrap(), (70, 30));
        assert_eq!(parse_range("bytes=-300", 100).unwrap(), (0, 100));
        assert_eq!(parse_range("bytes=100-", 100).unwrap_err().status, 416);
        assert_eq!(parse_range("bytes=100-150", 100).unwrap_err().status, 416);
        assert_eq!(parse_range("bytes=-0", 100).unwrap_err().status, 416);
        for bad in [
            "bytes=5-1",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=a-",
            "bytes=-",
            "bytes=+1-2",
        ] {
            assert_eq!(
                parse_range(bad, 100).unwrap_err().code,
                "bad_range",
                "{bad}"
            );
        }
    }
}
