//! The SQL of the access log: the chain's head, appending an event (alone or inside another
//! change's batch), checkpoints, and reading ranges back for exports.

use sealdrop_core::audit::{Checkpoint, Head};
use serde::Deserialize;
use worker::{D1PreparedStatement, D1Result};

use super::{changes, num, text, Db};
use crate::error::{ApiError, ApiResult};

/// A stored event: e_n and where it sits in the chain, with the columns filters use.
#[derive(Debug, Deserialize)]
pub struct EventRow {
    pub seq: u64,
    pub prev: String,
    pub hash: String,
    pub event: String,
    pub at: u64,
    pub actor: String,
    pub action: String,
    pub object: Option<String>,
    pub outcome: String,
}

#[derive(Debug, Deserialize)]
pub struct CheckpointRow {
    pub seq: u64,
    pub hash: String,
    pub time_ms: u64,
    pub sig: String,
}

impl CheckpointRow {
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        Some(Checkpoint {
            seq: self.seq,
            hash: hex::decode(&self.hash).ok()?.try_into().ok()?,
            time_ms: self.time_ms,
            sig: hex::decode(&self.sig).ok()?.try_into().ok()?,
        })
    }
}

/// What a batch that appends an event came to.
pub enum Appended {
    Done(Vec<D1Result>),
    /// Another writer took this seq first: read the head again and retry.
    SeqTaken,
}

impl Db {
    /// The chain's head: the last event's seq and hash, or the genesis.
    pub async fn audit_head(&self) -> ApiResult<Head> {
        #[derive(Deserialize)]
        struct Row {
            seq: u64,
            hash: String,
        }
        let row: Option<Row> = self
            .first(
                "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1",
                &[],
            )
            .await?;
        let Some(row) = row else {
            return Ok(Head::GENESIS);
        };
        let hash = hex::decode(&row.hash)
            .ok()
            .and_then(|h| <[u8; 32]>::try_from(h).ok())
            .ok_or_else(|| {
                ApiError::database(worker::Error::RustError(
                    "a stored audit hash is not hex".into(),
                ))
            })?;
        Ok(Head { seq: row.seq, hash })
    }

    /// The statement that appends `row`; with `only_if_changed` it writes only if the statement
    /// before it in the batch changed a row (the grant an event records).
    pub fn insert_event(
        &self,
        row: &EventRow,
        only_if_changed: bool,
    ) -> ApiResult<D1PreparedStatement> {
        self.statement(
            "INSERT INTO audit_events (seq, prev, hash, event, at, actor, action, object, outcome)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE ?10 = 0 OR changes() = 1",
            &[
                num(row.seq),
                text(&row.prev),
                text(&row.hash),
                text(&row.event),
                num(row.at),
                text(&row.actor),
                text(&row.action),
                row.object
                    .as_deref()
                    .map_or(wasm_bindgen::JsValue::NULL, text),
                text(&row.outcome),
                num(u64::from(only_if_changed)),
            ],
        )
    }

    /// Runs a batch that appends an event. D1 runs a batch as one transaction, so when another
    /// writer took the seq first the whole batch (whatever it granted included) is undone.
    pub async fn append_batch(&self, statements: Vec<D1PreparedStatement>) -> ApiResult<Appended> {
        match self.0.batch(statements).await {
            Ok(results) => Ok(Appended::Done(results)),
            Err(err) if err.to_string().contains("audit_events.seq") => Ok(Appended::SeqTaken),
            Err(err) => Err(ApiError::database(err)),
        }
    }

    pub async fn insert_checkpoint(&self, cp: &Checkpoint) -> ApiResult<()> {
        self.run(
            "INSERT INTO audit_checkpoints (seq, hash, time_ms, sig) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            &[num(cp.seq), text(&hex::encode(cp.hash)), num(cp.time_ms), text(&hex::encode(cp.sig))],
        )
        .await
        .map(drop)
    }

    pub async fn latest_checkpoint(&self) -> ApiResult<Option<CheckpointRow>> {
        self.first(
            "SELECT seq, hash, time_ms, sig FROM audit_checkpoints ORDER BY time_ms DESC, seq DESC LIMIT 1",
            &[],
        )
        .await
    }

    /// Events `from..=to`, in order, at most `limit`.
    pub async fn events(&self, from: u64, to: u64, limit: u64) -> ApiResult<Vec<EventRow>> {
        self.all(
            "SELECT seq, prev, hash, event, at, actor, action, object, outcome FROM audit_events
             WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq LIMIT ?3",
            &[num(from), num(to), num(limit)],
        )
        .await
    }

    /// Checkpoints whose seq lies in `from..=to`.
    pub async fn checkpoints(&self, from: u64, to: u64) -> ApiResult<Vec<CheckpointRow>> {
        self.all(
            "SELECT seq, hash, time_ms, sig FROM audit_checkpoints WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq, time_ms",
            &[num(from), num(to)],
        )
        .await
    }
}

/// Whether an append batch's event statement (at `index`) wrote its row.
pub fn event_written(results: &[D1Result], index: usize) -> bool {
    results.get(index).is_some_and(|r| changes(r) == 1)
}
