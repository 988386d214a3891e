//! Exports of the access log: JSON Lines in the format of architecture.md (the description
//! line, the events, the checkpoints) and CSV for spreadsheets, both streamed from D1 page by page
//! (`services::log_pages`) so that no export is ever whole in the worker's memory.

use sealdrop_core::audit::{header_line, ExportHeader};
use worker::{Env, Request, Response};

use crate::http::log_query::{bad_filter, Query};
use crate::rules::error::{ApiError, ApiResult};
use crate::rules::log_event::{Actor, Event};
use crate::services::audit;
use crate::services::auth;
use crate::services::context::Ctx;
use crate::services::headers::origin;
use crate::services::log_pages::Pages;
use crate::store::audit::EventRow;
use crate::store::Db;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Jsonl,
    Csv,
}

/// `GET /api/audit/export`: a range of events, filtered or not, with its checkpoints (JSON Lines)
/// or as a table (CSV), streamed from D1 page by page so that no export is held in memory.
pub async fn export(req: Request, ctx: &Ctx, env: &Env) -> ApiResult<Response> {
    let admin = auth::admin(&req, ctx).await?;
    let query = Query::of(&req)?;
    let filter = query.filter()?;
    let format = match query.text("format").as_deref() {
        None | Some("jsonl") => Format::Jsonl,
        Some("csv") => Format::Csv,
        Some(_) => return Err(bad_filter("format must be jsonl or csv.")),
    };
    let head = ctx.db.audit_head().await?;
    let oldest = ctx.db.oldest_event().await?.unwrap_or(head.seq + 1);
    // Seqs before the oldest kept were removed behind a checkpoint (retention): the export
    // begins where the log now does.
    let from = query.number("from")?.unwrap_or(1).max(oldest);
    let asked_to = query.number("to")?;
    let to = asked_to.unwrap_or(head.seq).min(head.seq).max(from - 1);
    let header = ExportHeader {
        from_seq: from,
        to_seq: to,
        filter: if filter.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::to_value(&filter).unwrap_or_default()
        },
        exported_at_ms: ctx.now,
    };
    audit::record(
        ctx,
        &origin(&req),
        Event::new("log.exported", Actor::Staff(admin.id)).detail(serde_json::json!({
            "from": from, "to": to, "format": if format == Format::Csv { "csv" } else { "jsonl" },
            "filter": header.filter,
        })),
    )
    .await?;
    let pages = Pages::new(&ctx.db, &header, &filter, asked_to.is_none()).await?;
    let db = Db::from_env(env)?;
    let first = match format {
        Format::Jsonl => header_line(&header) + "\n",
        Format::Csv => CSV_HEADER.to_string(),
    };
    let state = (db, pages, Some(first));
    let stream = futures_util::stream::unfold(state, move |(db, mut pages, first)| async move {
        if let Some(first) = first {
            return Some((Ok(first.into_bytes()), (db, pages, None)));
        }
        let mut chunk = String::new();
        let more = match format {
            Format::Jsonl => pages.next_jsonl(&db, &mut chunk).await,
            Format::Csv => pages.next_rows(&db).await.map(|rows| match rows {
                Some(rows) => {
                    rows.iter().for_each(|row| csv_row(row, &mut chunk));
                    true
                }
                None => false,
            }),
        };
        match more {
            Ok(true) => Some((Ok(chunk.into_bytes()), (db, pages, None))),
            Ok(false) => None,
            // Headers are gone by now: ending the body short is all that is left, and a
            // verifier (or the CSV's missing rows against the JSON Lines) shows it.
            Err(err) => Some((
                Err(worker::Error::RustError(err.message)),
                (db, pages, None),
            )),
        }
    });
    let (kind, extension) = match format {
        Format::Jsonl => ("application/jsonl; charset=utf-8", "jsonl"),
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    let response = Response::from_stream(stream).map_err(ApiError::storage)?;
    let headers = response.headers();
    let _ = headers.set("Content-Type", kind);
    let _ = headers.set(
        "Content-Disposition",
        &format!("attachment; filename=\"sealdrop-access-log-{from}-{to}.{extension}\""),
    );
    let _ = headers.set("Cache-Control", "no-store");
    Ok(response)
}

const CSV_HEADER: &str = "seq,time_utc,at_ms,actor,actor_email,client,user_agent,action,object,outcome,bytes,content_id,detail,hash,prev\r\n";

/// One CSV row (RFC 4180, CRLF). Text that a spreadsheet would run as a formula is prefixed with
/// `'`: events carry strings that anyone can send (a user agent, for one).
fn csv_row(row: &EventRow, out: &mut String) {
    let event: serde_json::Value = serde_json::from_str(&row.event).unwrap_or_default();
    let text = |key: &str| {
        event
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let number = |key: &str| {
        event
            .get(key)
            .and_then(|v| v.as_u64())
            .map(|n| n.to_string())
            .unwrap_or_default()
    };
    let detail = event
        .get("detail")
        .filter(|d| !d.is_null())
        .map(|d| d.to_string())
        .unwrap_or_default();
    let time = String::from(js_sys::Date::new(&(row.at as f64).into()).to_iso_string());
    let cells = [
        row.seq.to_string(),
        time,
        row.at.to_string(),
        row.actor.clone(),
        row.actor_email.clone().unwrap_or_default(),
        text("client"),
        text("user_agent"),
        row.action.clone(),
        row.object.clone().unwrap_or_default(),
        row.outcome.clone(),
        number("bytes"),
        text("content_id"),
        detail,
        row.hash.clone(),
        row.prev.clone(),
    ];
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_cell(cell, out);
    }
    out.push_str("\r\n");
}

fn csv_cell(value: &str, out: &mut String) {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula || value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        if formula {
            out.push('\'');
        }
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    fn cell(value: &str) -> String {
        let mut out = String::new();
        csv_cell(value, &mut out);
        out
    }

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("share.created"), "share.created");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(cell("=1+2"), "\"'=1+2\"");
        assert_eq!(cell("+1"), "\"'+1\"");
        assert_eq!(cell("-1"), "\"'-1\"");
        assert_eq!(cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(cell(""), "");
    }
}
