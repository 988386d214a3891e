//! Downloading: the proof of key possession, which counts a download and grants a ticket in
//! one database step, then, with the ticket, the share's contents and its payloads by Range.

use sealdrop_core::api::{Contents, Grant, StoredFile, StoredPart};
use sealdrop_core::encoding::Id;
use worker::{Request, Response, ResponseBody, ResponseBuilder};

use crate::attempts::{address_group, too_many, LOCK_AFTER_FAILURES, PROOFS};
use crate::audit::{self, Actor, Change, Event, Origin};
use crate::auth::{self, TICKET_TTL_MS};
use crate::context::Ctx;
use crate::db::attempts::{count_against_lock, count_download, remember_source, Guess};
use crate::db::{insert_ticket, ShareRow};
use crate::error::{ApiError, ApiResult};
use crate::http::{header, json_body, ok};
use crate::lifecycle::State;
use crate::shares::no_such_file;
use crate::uploads::checked_content_id;

/// A ticket's last use is written at most this often, not on every ranged request.
const TOUCH_EVERY_MS: u64 = 60 * 1000;

/// Checks a proof of key possession. In order: the share's state, its lock, the limits on
/// failures (`attempts.rs`), then the key. A wrong key is recorded with its event only while
/// under the limits (otherwise 429) and told how many tries are left; an accepted key counts one
/// download and grants a ticket in one database step, again only while under the limits.
/// `POST /api/shares/{id}/proof`.
pub async fn proof(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let from = &Origin::of(&req);
    let key = auth::key_proof(&req)?;
    let share = ctx
        .db
        .share(&id.to_string())
        .await?
        .ok_or_else(ApiError::not_found)?;
    if let Some(refusal) = share.state_for_proof(ctx.now).refusal() {
        return Err(refusal);
    }
    if share.locked != 0 {
        return Err(locked());
    }
    let address = address_group(&from.client);
    let recent = ctx
        .db
        .recent(Guess::Proof, &share.id, &address, ctx.now, &PROOFS)
        .await?;
    if let Some(until) = recent.held_until(&PROOFS, ctx.now) {
        return Err(too_many(Guess::Proof.what(), until, ctx.now));
    }
    if let Err(wrong) = auth::check_key(&key, &share.auth_key_hash) {
        let event = Event::new("download.proof", Actor::Holder)
            .object(&share.id)
            .refused(wrong.code);
        let mut before = Guess::Proof.failure(&share.id, &address, ctx.now, &PROOFS);
        before.push(count_against_lock(&share.id, &address));
        let change = Change::guarded(before).then(vec![remember_source(&share.id, &address)]);
        if !audit::commit(ctx, from, event, change).await?.happened() {
            // Others of the same burst used up the tries meanwhile.
            return Err(ctx
                .db
                .held(Guess::Proof, &share.id, &address, ctx.now)
                .await);
        }
        let before_lock = LOCK_AFTER_FAILURES.saturating_sub(share.failed_proofs + 1);
        let tries = match recent.left_after_one_more(&PROOFS).min(before_lock) {
            1 => "1 try".to_string(),
            left => format!("{left} tries"),
        };
        let message = format!("{} {tries} left.", wrong.message);
        return Err(ApiError { message, ..wrong }.logged());
    }
    let (ticket, ticket_hash) = auth::new_token();
    let event = Event::new("download.granted", Actor::Holder)
        .object(&share.id)
        .granted()
        .detail(serde_json::json!({ "ticket": ticket_ref(&ticket_hash) }));
    let change = Change::guarded(vec![count_download(&share.id, &address, ctx.now, &PROOFS)])
        .then(vec![insert_ticket(&share.id, &ticket_hash, ctx.now)]);
    if !audit::commit(ctx, from, event, change).await?.happened() {
        // Another proof took the last download, the share changed, or this address's wrong
        // tries used up the limit, between read and grant.
        let share = ctx
            .db
            .share(&share.id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        if let Some(refusal) = share.state_for_proof(ctx.now).refusal() {
            return Err(refusal);
        }
        if share.locked != 0 {
            return Err(locked());
        }
        return Err(ctx
            .db
            .held(Guess::Proof, &share.id, &address, ctx.now)
            .await);
    }
    ok(&Grant {
        ticket,
        ticket_ttl_seconds: TICKET_TTL_MS / 1000,
        expires_at: share.expires_at,
        max_downloads: share.max_downloads,
        downloads_used: share.downloads + 1,
    })
}

fn locked() -> ApiError {
    ApiError::new(
        423,
        "locked",
        "This link is locked after too many wrong tries; its sender can unlock it.",
    )
}

/// Checks the request's ticket for share `id`, and keeps it alive while it is used. A ticket
/// outlives neither an hour without use nor the share's expiry, revocation or purge; it does
/// outlive the counting of the last allowed download, so that this download can finish.
async fn ticketed(req: &Request, ctx: &Ctx, id: &Id) -> ApiResult<ShareRow> {
    let hash = auth::ticket_hash(req)?;
    let invalid = || {
        ApiError::new(
            403,
            "bad_ticket",
            "This download ticket is not valid for this share; open the link again.",
        )
    };
    let ticket = ctx.db.ticket(&hash).await?.ok_or_else(invalid)?;
    if ticket.share_id != id.to_string() {
        return Err(invalid());
    }
    let share = ctx
        .db
        .share(&ticket.share_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if ctx.now.saturating_sub(ticket.last_used_at) >= TICKET_TTL_MS {
        // Opening the link again only helps while the share still grants downloads.
        return Err(share.state_for_proof(ctx.now).refusal().unwrap_or_else(|| {
            ApiError::new(
                403,
                "ticket_expired",
                "This download ticket has expired; open the link again.",
            )
        }));
    }
    match share.state_at(ctx.now) {
        State::Active | State::Exhausted => {}
        state => return Err(state.refusal().unwrap_or_else(invalid)),
    }
    if ctx.now.saturating_sub(ticket.last_used_at) >= TOUCH_EVERY_MS {
        ctx.db.touch_ticket(&hash, ctx.now).await?;
    }
    Ok(share)
}

pub async fn contents(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let share = ticketed(&req, ctx, id).await?;
    let mut files = Vec::new();
    for file in ctx.db.files(&share.id).await? {
        let parts = ctx.db.parts(&file.object_key).await?;
        files.push(StoredFile {
            j: file.j,
            header: file.header,
            metadata: file.metadata,
            payload_size: file.payload_size,
            chunks_per_part: file.chunks_per_part,
            part_size: file.part_size,
            parts: parts
                .into_iter()
                .map(|p| StoredPart {
                    n: p.n,
                    size: p.size,
                    blake3: p.blake3,
                })
                .collect(),
        });
    }
    ok(&Contents {
        manifest: share.manifest.unwrap_or_default(),
        files,
    })
}

/// `POST /api/shares/{id}/files/{j}/receipt`: the downloader's content id for a file it has
/// received, logged with whether it matches the uploader's. It counts no download; the ticket
/// only has to be valid.
pub async fn receipt(mut req: Request, ctx: &Ctx, id: &Id, j: u32) -> ApiResult<Response> {
    let share = ticketed(&req, ctx, id).await?;
    let ticket = auth::ticket_hash(&req)?;
    let body: Receipt = json_body(&mut req).await?;
    let content_id = checked_content_id(&body.content_id)?;
    let file = ctx.db.file(&share.id, j).await?.ok_or_else(no_such_file)?;
    let matched = file.content_id.as_deref() == Some(content_id.as_str());
    let event = Event::new("download.receipt", Actor::Holder)
        .object(&share.id)
        .content_id(&content_id)
        .bytes(file.payload_size)
        .outcome(if matched { "matched" } else { "mismatch" })
        .detail(serde_json::json!({ "file": j, "ticket": ticket_ref(&ticket) }));
    audit::record(ctx, &Origin::of(&req), event).await?;
    ok(&serde_json::json!({ "matched": matched }))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Receipt {
    content_id: String,
}

/// A ticket as the log names it, so that a receipt can be matched to its grant: the first 16 hex
/// digits of the ticket's stored hash (which D1 holds whole anyway), never the ticket.
fn ticket_ref(ticket_hash: &str) -> &str {
    &ticket_hash[..ticket_hash.len().min(16)]
}

pub async fn payload(req: Request, ctx: &Ctx, id: &Id, j: u32) -> ApiResult<Response> {
    let share = ticketed(&req, ctx, id).await?;
    let file = ctx.db.file(&share.id, j).await?.ok_or_else(no_such_file)?;
    serve_payload(&req, ctx, &file.object_key, file.payload_size).await
}

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
