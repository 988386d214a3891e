//! Downloading: the proof of key possession, which counts a download and grants a ticket in
//! one database step, then, with the ticket, the share's contents and its payloads by Range.

use sealdrop_core::api::{Contents, Grant, StoredFile, StoredPart};
use sealdrop_core::encoding::Id;
use worker::{Request, Response};

use crate::http::checks::{checked_content_id, share, share_file};
use crate::http::payload::serve_payload;
use crate::http::request::json_body;
use crate::http::respond::ok;
use crate::rules::attempts::{address_group, too_many, LOCK_AFTER_FAILURES, PROOFS};
use crate::rules::error::{ApiError, ApiResult};
use crate::rules::lifecycle::State;
use crate::rules::limits::{TICKET_TOUCH_EVERY_MS, TICKET_TTL_MS};
use crate::rules::log_event::{Actor, Event};
use crate::services::audit::{self, Change};
use crate::services::auth;
use crate::services::context::Ctx;
use crate::services::headers::origin;
use crate::store::attempts::Guess;
use crate::store::downloads::{count_against_lock, count_download, insert_ticket, remember_source};
use crate::store::shares::ShareRow;

/// Checks a proof of key possession. In order: the share's state, its lock, the limits on
/// failures (`rules::attempts`), then the key. A wrong key is recorded with its event only while
/// under the limits (otherwise 429) and told how many tries are left; an accepted key counts one
/// download and grants a ticket in one database step, again only while under the limits.
/// `POST /api/shares/{id}/proof`.
pub async fn proof(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let from = &origin(&req);
    let key = auth::key_proof(&req)?;
    let share = taking_proofs(ctx, &id.to_string()).await?;
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
        taking_proofs(ctx, &share.id).await?;
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

/// The share, if a proof may be tried on it now: it is active and not locked.
async fn taking_proofs(ctx: &Ctx, id: &str) -> ApiResult<ShareRow> {
    let share = share(ctx, id).await?;
    if let Some(refusal) = share.state_for_proof(ctx.now).refusal() {
        return Err(refusal);
    }
    if share.locked {
        return Err(ApiError::new(
            423,
            "locked",
            "This link is locked after too many wrong tries; its sender can unlock it.",
        ));
    }
    Ok(share)
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
    let share = share(ctx, &ticket.share_id).await?;
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
    if ctx.now.saturating_sub(ticket.last_used_at) >= TICKET_TOUCH_EVERY_MS {
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
    let file = share_file(ctx, &share.id, j).await?;
    let matched = file.content_id.as_deref() == Some(content_id.as_str());
    let event = Event::new("download.receipt", Actor::Holder)
        .object(&share.id)
        .content_id(&content_id)
        .bytes(file.payload_size)
        .outcome(if matched { "matched" } else { "mismatch" })
        .detail(serde_json::json!({ "file": j, "ticket": ticket_ref(&ticket) }));
    audit::record(ctx, &origin(&req), event).await?;
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
    let file = share_file(ctx, &share.id, j).await?;
    serve_payload(&req, ctx, &file.object_key, file.payload_size).await
}
