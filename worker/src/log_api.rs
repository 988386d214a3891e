//! The access log's API, for admins: the latest checkpoint with the key that verifies it, and
//! exports in the JSON Lines format of architecture.md. Viewing or exporting the log is itself
//! logged.

use sealdrop_core::audit::{
    checkpoint_line, checkpoint_public_key, event_line, header_line, ExportHeader,
};
use worker::{Request, Response, ResponseBody, ResponseBuilder};

use crate::audit::{self, Actor, Event, Origin};
use crate::auth;
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::http::ok;

/// Events in one export answer; a longer range is exported in several (`from` the next seq).
pub const EXPORT_LIMIT: u64 = 50_000;
/// Rows read from D1 at a time while an export is written.
const PAGE: u64 = 2_000;

/// `GET /api/audit/checkpoint`: the newest checkpoint and the public key to pin.
pub async fn checkpoint(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let admin = auth::admin(&req, ctx).await?;
    let latest = ctx.db.latest_checkpoint().await?;
    let head = ctx.db.audit_head().await?;
    audit::record(
        ctx,
        &Origin::of(&req),
        Event::new("log.viewed", Actor::Staff(admin.id))
            .detail(serde_json::json!({ "view": "checkpoint" })),
    )
    .await?;
    ok(&serde_json::json!({
        "public_key": ctx.audit_key.map(|k| hex::encode(checkpoint_public_key(&k))),
        "head": { "seq": head.seq, "hash": hex::encode(head.hash) },
        "checkpoint": latest.map(|c| serde_json::json!({ "seq": c.seq, "hash": c.hash, "time_ms": c.time_ms, "sig": c.sig })),
    }))
}

/// `GET /api/audit/export?from=&to=`: every event of the range with its checkpoints.
pub async fn export(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let admin = auth::admin(&req, ctx).await?;
    let url = req
        .url()
        .map_err(|_| ApiError::bad_request("bad_url", "The URL is malformed."))?;
    let number = |name: &str| -> ApiResult<Option<u64>> {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| {
                v.parse::<u64>().map_err(|_| {
                    ApiError::bad_request("bad_range", format!("{name} must be a sequence number."))
                })
            })
            .transpose()
    };
    let head = ctx.db.audit_head().await?;
    let from = number("from")?.unwrap_or(1).max(1);
    let asked_to = number("to")?;
    let to = asked_to.unwrap_or(head.seq).min(head.seq);
    // An export to the head also carries any checkpoint past it: one over events that are no
    // longer there is how a cut tail shows.
    let last_checkpoint = if asked_to.is_none() { 1 << 53 } else { to };
    if to >= from && to - from >= EXPORT_LIMIT {
        return Err(ApiError::bad_request(
            "range_too_large",
            format!("An export holds at most {EXPORT_LIMIT} events; export the range in parts."),
        ));
    }
    let mut body = header_line(&ExportHeader {
        from_seq: from,
        to_seq: to.max(from - 1),
        filter: serde_json::Value::Null,
        exported_at_ms: ctx.now,
    });
    body.push('\n');
    let mut checkpoints = ctx
        .db
        .checkpoints(from - 1, last_checkpoint)
        .await?
        .into_iter()
        .peekable();
    let mut next = from;
    while next <= to {
        let rows = ctx.db.events(next, to, PAGE).await?;
        let Some(last) = rows.last() else { break };
        next = last.seq + 1;
        for row in rows {
            let prev = hex_array(&row.prev)?;
            let hash = hex_array(&row.hash)?;
            // A checkpoint just before the first event vouches for its prev.
            while let Some(cp) = checkpoints.next_if(|c| c.seq < row.seq) {
                push_checkpoint(&mut body, &cp)?;
            }
            body.push_str(&event_line(row.seq, &prev, &hash, &row.event));
            body.push('\n');
        }
    }
    for cp in checkpoints {
        push_checkpoint(&mut body, &cp)?;
    }
    audit::record(
        ctx,
        &Origin::of(&req),
        Event::new("log.exported", Actor::Staff(admin.id))
            .detail(serde_json::json!({ "from": from, "to": to })),
    )
    .await?;
    let headers = worker::Headers::new();
    let _ = headers.set("Content-Type", "application/jsonl; charset=utf-8");
    let _ = headers.set(
        "Content-Disposition",
        "attachment; filename=\"sealdrop-access-log.jsonl\"",
    );
    let _ = headers.set("Cache-Control", "no-store");
    Ok(ResponseBuilder::new()
        .with_status(200)
        .with_headers(headers)
        .body(ResponseBody::Body(body.into_bytes())))
}

fn push_checkpoint(body: &mut String, row: &crate::db::CheckpointRow) -> ApiResult<()> {
    let cp = row.checkpoint().ok_or_else(corrupt)?;
    body.push_str(&checkpoint_line(&cp));
    body.push('\n');
    Ok(())
}

fn hex_array<const N: usize>(text: &str) -> ApiResult<[u8; N]> {
    hex::decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(corrupt)
}

/// A stored hash that is not hex was not written by this worker: the export says so rather than
/// hide it (a verifier would also refuse the file).
fn corrupt() -> ApiError {
    ApiError::new(
        409,
        "log_corrupt",
        "A stored record of the access log is malformed; verify the log.",
    )
}
