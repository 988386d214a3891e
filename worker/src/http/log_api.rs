//! The access log's API: the events as a table (admins all, owners those of their own shares and
//! requests), verification of the stored chain, and the latest checkpoint with the key that
//! verifies it (exports are in `log_export`, the query's filters in `log_query`). Every view,
//! verification and export of the log is itself logged.

use sealdrop_core::audit::{
    checkpoint_public_key, header_line, ExportHeader, ExportVerifier, MAX_CHECKPOINT_AGE_MS,
};
use worker::{Request, Response};

use crate::http::log_query::{bad_filter, Query};
use crate::http::respond::ok;
use crate::rules::error::{ApiError, ApiResult};
use crate::rules::limits::{ANY_SEQ, DEFAULT_LOG_ROWS, MOST_LOG_ROWS};
use crate::rules::log_event::{Actor, Event};
use crate::services::audit;
use crate::services::auth;
use crate::services::context::Ctx;
use crate::services::headers::origin;
use crate::services::log_pages::Pages;
use crate::store::audit::{EventFilter, EventRow, Order, Scope};
use crate::store::Db;

/// Who reads the table.
pub enum Reader {
    Admin,
    /// Staff, for the events of their own shares and requests.
    Owner,
}

/// `GET /api/audit/events` (admins) and `GET /api/activity` (owners): one page of the table,
/// newest first, paged by seq (keyset, never offsets, so that a page costs the same at any depth).
pub async fn events(req: Request, ctx: &Ctx, reader: Reader) -> ApiResult<Response> {
    let (staff, scope, action) = match reader {
        Reader::Admin => (auth::admin(&req, ctx).await?, Scope::All, "log.viewed"),
        Reader::Owner => {
            let staff = auth::staff(&req, ctx).await?;
            let scope = Scope::OwnedBy(staff.id.clone());
            (staff, scope, "activity.viewed")
        }
    };
    let query = Query::of(&req)?;
    let filter = query.filter()?;
    if matches!(scope, Scope::OwnedBy(_)) && filter.actor.is_some() {
        return Err(bad_filter("actor is not a filter of your activity."));
    }
    let limit = query.number("limit")?.unwrap_or(DEFAULT_LOG_ROWS);
    if !(1..=MOST_LOG_ROWS).contains(&limit) {
        return Err(bad_filter(format!("limit must be 1 to {MOST_LOG_ROWS}.")));
    }
    let (before, after) = (query.number("before")?, query.number("after")?);
    let head = ctx.db.audit_head().await?;
    let db = &ctx.db;
    let (rows, older, newer) = match (before, after) {
        (Some(_), Some(_)) => {
            return Err(bad_filter("Give before or after, not both."));
        }
        (_, Some(after)) => {
            let mut rows = db
                .events(&filter, &scope, Order::Up { after }, head.seq, limit + 1)
                .await?;
            let newer = rows.len() as u64 > limit;
            rows.truncate(limit as usize);
            rows.reverse();
            let before = rows.last().map_or(after + 1, |last| last.seq);
            let older = any(db, &filter, &scope, Order::Down { before }, head.seq).await?;
            (rows, older, newer)
        }
        (before, None) => {
            let mut rows = db
                .events(
                    &filter,
                    &scope,
                    Order::Down {
                        before: before.unwrap_or(ANY_SEQ),
                    },
                    head.seq,
                    limit + 1,
                )
                .await?;
            let older = rows.len() as u64 > limit;
            rows.truncate(limit as usize);
            let newer = match before {
                None => false,
                Some(before) => {
                    let after = rows.first().map_or(before - 1, |first| first.seq);
                    any(db, &filter, &scope, Order::Up { after }, head.seq).await?
                }
            };
            (rows, older, newer)
        }
    };
    let answer = serde_json::json!({
        "older": older.then(|| rows.last().map(|r| r.seq)).flatten(),
        "newer": newer.then(|| rows.first().map(|r| r.seq)).flatten(),
        "head": head.seq,
        "events": rows.iter().map(event_view).collect::<Vec<_>>(),
    });
    audit::record(
        ctx,
        &origin(&req),
        Event::new(action, Actor::Staff(staff.id)).detail(serde_json::json!({ "filter": filter })),
    )
    .await?;
    ok(&answer)
}

async fn any(
    db: &Db,
    filter: &EventFilter,
    scope: &Scope,
    order: Order,
    to: u64,
) -> ApiResult<bool> {
    Ok(!db.events(filter, scope, order, to, 1).await?.is_empty())
}

/// An event as the table shows it: e_n's fields, with its seq, hash and prev, and the email of a
/// staff actor. A stored event that is not JSON (it was tampered with) keeps its columns.
fn event_view(row: &EventRow) -> serde_json::Value {
    let mut fields = match serde_json::from_str::<serde_json::Value>(&row.event) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => {
            let mut map = serde_json::Map::new();
            map.insert("at".into(), row.at.into());
            map.insert("actor".into(), row.actor.clone().into());
            map.insert("action".into(), row.action.clone().into());
            map.insert("object".into(), row.object.clone().into());
            map.insert("outcome".into(), row.outcome.clone().into());
            map.insert("damaged".into(), true.into());
            map
        }
    };
    fields.insert("seq".into(), row.seq.into());
    fields.insert("hash".into(), row.hash.clone().into());
    fields.insert("prev".into(), row.prev.clone().into());
    fields.insert("actor_email".into(), row.actor_email.clone().into());
    serde_json::Value::Object(fields)
}

/// `GET /api/audit/verify`: recomputes the stored chain from the oldest event kept to the head,
/// exactly as an export of it would read, and checks every checkpoint against the public key of
/// the worker's checkpoint key. The answer names the first bad seq.
pub async fn verify(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let admin = auth::admin(&req, ctx).await?;
    let key = ctx.signer.key.ok_or_else(|| {
        ApiError::new(
            503,
            "no_checkpoint_key",
            "No checkpoint key is configured, so the log cannot be verified; tell the operator.",
        )
    })?;
    let head = ctx.db.audit_head().await?;
    let from = ctx.db.oldest_event().await?.unwrap_or(head.seq + 1);
    let header = ExportHeader {
        from_seq: from,
        to_seq: head.seq,
        filter: serde_json::Value::Null,
        exported_at_ms: ctx.now,
    };
    let outcome = check_chain(&ctx.db, &header, &checkpoint_public_key(&key)).await?;
    let (intact, summary, first_bad) = match &outcome {
        Ok(report) => (true, report.as_of_now(), None),
        Err(err) => (false, first_bad_sentence(err), err.seq()),
    };
    let newest = ctx.db.latest_checkpoint().await?;
    audit::record(
        ctx,
        &origin(&req),
        Event::new("log.verified", Actor::Staff(admin.id)).detail(
            serde_json::json!({ "intact": intact, "first_bad_seq": first_bad, "head": head.seq }),
        ),
    )
    .await?;
    ok(&serde_json::json!({
        "intact": intact,
        "summary": summary,
        "first_bad_seq": first_bad,
        "head": head.seq,
        "newest_checkpoint": newest.map(|c| serde_json::json!({ "seq": c.seq, "time_ms": c.time_ms })),
    }))
}

/// The verifier's finding, with the line it names put in terms of the stored log.
fn first_bad_sentence(err: &sealdrop_core::audit::VerifyError) -> String {
    let what = err.to_string();
    let what = what
        .strip_prefix(|c: char| c.is_lowercase())
        .map_or(what.clone(), |rest| {
            format!(
                "{}{rest}",
                what.chars().next().unwrap_or(' ').to_uppercase()
            )
        });
    match err.seq() {
        Some(seq) => format!("The log does not verify: the first bad seq is {seq}. {what} (lines as in a full export)."),
        None => format!("The log does not verify. {what}."),
    }
}

/// Runs the verifier over the stored events and checkpoints of `header`'s range, page by page.
async fn check_chain(
    db: &Db,
    header: &ExportHeader,
    public_key: &[u8; 32],
) -> ApiResult<Result<sealdrop_core::audit::Report, sealdrop_core::audit::VerifyError>> {
    let mut verifier = match ExportVerifier::new(public_key, &header_line(header), 0) {
        Ok(v) => v,
        Err(err) => return Ok(Err(err)),
    };
    let mut pages = Pages::new(db, header, &EventFilter::default(), true).await?;
    let mut text = String::new();
    while pages.next_jsonl(db, &mut text).await? {
        for line in text.lines() {
            if let Err(err) = verifier.line(line) {
                return Ok(Err(err));
            }
        }
        text.clear();
    }
    Ok(verifier.finish(MAX_CHECKPOINT_AGE_MS))
}

/// `GET /api/audit/checkpoint`: the newest checkpoint and the public key to pin.
pub async fn checkpoint(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let admin = auth::admin(&req, ctx).await?;
    let (latest, head) =
        futures_util::future::try_join(ctx.db.latest_checkpoint(), ctx.db.audit_head()).await?;
    audit::record(
        ctx,
        &origin(&req),
        Event::new("log.viewed", Actor::Staff(admin.id))
            .detail(serde_json::json!({ "view": "checkpoint" })),
    )
    .await?;
    ok(&serde_json::json!({
        "public_key": ctx.signer.key.map(|k| hex::encode(checkpoint_public_key(&k))),
        "head": { "seq": head.seq, "hash": hex::encode(head.hash) },
        "checkpoint": latest.map(|c| serde_json::json!({ "seq": c.seq, "hash": c.hash, "time_ms": c.time_ms, "sig": c.sig })),
    }))
}
