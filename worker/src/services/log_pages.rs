//! The stored log read page by page, as an export's JSON Lines (the format of architecture.md:
//! events in seq order with their checkpoints between them) or as rows: what exports stream and
//! what the console's verification reads, so that no export is ever whole in the worker's memory.

use std::collections::VecDeque;

use sealdrop_core::audit::{checkpoint_line, event_line, ExportHeader};

use crate::rules::error::{ApiError, ApiResult};
use crate::rules::limits::{ANY_SEQ, LOG_PAGE_ROWS};
use crate::store::audit::{CheckpointRow, EventFilter, EventRow, Order, Scope};
use crate::store::Db;

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
    pub async fn next_rows(&mut self, db: &Db) -> ApiResult<Option<Vec<EventRow>>> {
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
                LOG_PAGE_ROWS,
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
