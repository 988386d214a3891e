//! Exports of the access log: JSON Lines in the format of architecture.md (the description
//! line, the events, the checkpoints) and CSV for spreadsheets, both streamed from D1 page by page
//! so that no export is ever whole in the worker's memory. The console's verification reads the
//! same JSON Lines pages.

use std::collections::VecDeque;

use sealdrop_core::audit::{checkpoint_line, event_line, header_line, ExportHeader};
use worker::{Env, Request, Response};

use crate::audit::{self, Actor, Event, Origin};
use crate::auth;
use crate::context::Ctx;
use crate::db::{CheckpointRow, Db, EventFilter, EventRow, Order, Scope};
use crate::error::{ApiError, ApiResult};
use crate::log_api::{bad_filter, Query, ANY_SEQ};

/// Rows read from D1 at a time while an export is written or the chain verified.
const PAGE: u64 = 2_000;

/// The pages of an export, as JSON Lines: events in seq order, each checkpoint just before the
/// first event past its seq (a checkpoint just before the first event vouches for its prev), and
/// the checkpoints past the last event at the end.
pub struct Pages {
    filter: EventFilter,
    after: u64,
    to: u64,
    checkpoints: VecDeque<CheckpointRow>,
    done: bool,
}

impl Pages {
    /// With `to_head`, the checkpoints past the range come too: one over events that are no longer
    /// there is how a cut tail shows.
    pub async fn new(
        db: &Db,
        header: &ExportHeader,
        filter: &EventFilter,
        to_head: bool,
    ) -> ApiResult<Pages> {
        let last_checkpoint = if to_head { ANY_SEQ } else { header.to_seq };
        Ok(Pages {
            filter: filter.clone(),
            after: header.from_seq - 1,
            to: header.to_seq,
            checkpoints: db
                .checkpoints(header.from_seq - 1, last_checkpoint)
                .await?
                .into(),
            done: false,
        })
    }

    /// The next page of events, or `None` at the end.
    async fn next_rows(&mut self, db: &Db) -> ApiResult<Option<Vec<EventRow>>> {
        if self.done || self.after >= self.to {
            self.done = true;
            return Ok(None);
        }
        let rows = db
            .events(
                &self.filter,
                &Scope::All,
                Order::Up { after: self.after },
                self.to,
                PAGE,
            )
            .await?;
        match rows.last() {
            Some(last) => self.after = last.seq,
            None => self.done = true,
        }
        Ok((!rows.is_empty()).then_some(rows))
    }

    /// Appends the next page's lines to `out`; false once everything, checkpoints included, is out.
    pub async fn next_jsonl(&mut self, db: &Db, out: &mut String) -> ApiResult<bool> {
        match self.next_rows(db).await? {
            Some(rows) => {
                for row in rows {
                    while self.checkpoints.front().is_some_and(|c| c.seq < row.seq) {
                        push_checkpoint(out, &self.checkpoints.pop_front().ok_or_else(corrupt)?)?;
                    }
                    out.push_str(&event_line(
                        row.seq,
                        &hex_array(&row.prev)?,
                        &hex_array(&row.hash)?,
                        &row.event,
                    ));
                    out.push('\n');
                }
                Ok(true)
            }
            None if !self.checkpoints.is_empty() => {
                while let Some(cp) = self.checkpoints.pop_front() {
                    push_checkpoint(out, &cp)?;
                }
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

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
        &Origin::of(&req),
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

fn push_checkpoint(body: &mut String, row: &CheckpointRow) -> ApiResult<()> {
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
