//! The SQL of the access log: the chain's head, appending an event (alone or inside another
//! change's batch), checkpoints, and reading ranges back for exports.

use sealdrop_core::audit::{Checkpoint, Head};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

use crate::rules::error::{ApiError, ApiResult};
use crate::rules::log_event::Entry;
use crate::store::sql::{n, Sql};
use crate::store::{num, text, Db};

/// A stored event: e_n and where it sits in the chain, with the columns filters use.
#[derive(Debug, Deserialize)]
pub struct EventRow {
    /// For a staff actor, the account's email now (not part of the event; read for display).
    #[serde(default)]
    pub actor_email: Option<String>,
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

/// Whose events a reader sees.
pub enum Scope {
    All,
    /// Those whose object is one of this account's shares or requests.
    OwnedBy(String),
}

/// Which events a listing or an export holds. Invariant (kept by its parser, `http::log_query`):
/// `object` is an id, `actor` and `outcome` are among the forms documented in openapi.json.
#[derive(Clone, Debug, Default, Serialize)]
pub struct EventFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<u64>,
    /// A kind (`staff`, `partner`: every such actor) or an exact actor column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// An action, or a prefix ending in `.` (`share.`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// An outcome, or `refused` for every refusal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
}

impl EventFilter {
    pub fn is_empty(&self) -> bool {
        self.since.is_none()
            && self.until.is_none()
            && self.actor.is_none()
            && self.action.is_none()
            && self.outcome.is_none()
            && self.object.is_none()
    }

    /// The SQL conditions (joined by AND, over `audit_events e`) with their values appended to
    /// `values`. Prefixes become ranges, so that the indexes serve them.
    fn conditions(&self, scope: &Scope, values: &mut Vec<JsValue>) -> Vec<String> {
        let mut out = Vec::new();
        let bind = push;
        if let Some(since) = self.since {
            out.push(format!("e.at >= {}", bind(values, num(since))));
        }
        if let Some(until) = self.until {
            out.push(format!("e.at < {}", bind(values, num(until))));
        }
        match self.actor.as_deref() {
            Some(kind @ ("staff" | "partner")) => {
                out.push(prefixed("actor", &format!("{kind}:"), values))
            }
            Some(actor) => out.push(format!("e.actor = {}", bind(values, text(actor)))),
            None => {}
        }
        match self.action.as_deref() {
            Some(prefix) if prefix.ends_with('.') => out.push(prefixed("action", prefix, values)),
            Some(action) => out.push(format!("e.action = {}", bind(values, text(action)))),
            None => {}
        }
        match self.outcome.as_deref() {
            Some("refused") => out.push(prefixed("outcome", "refused:", values)),
            Some(outcome) => out.push(format!("e.outcome = {}", bind(values, text(outcome)))),
            None => {}
        }
        if let Some(object) = &self.object {
            out.push(format!("e.object = {}", bind(values, text(object))));
        }
        if let Scope::OwnedBy(account) = scope {
            // Typed: a share's events are share.* and download.*, a request's request.*; an id
            // that also names an object of another kind (or another person's) matches neither.
            let a = bind(values, text(account));
            let share = prefixed("action", "share.", values);
            let download = prefixed("action", "download.", values);
            let request = prefixed("action", "request.", values);
            out.push(format!(
                "((e.object IN (SELECT id FROM shares WHERE owner_account = {a}) AND (({share}) OR ({download}))) \
                 OR (e.object IN (SELECT id FROM requests WHERE owner_account = {a}) AND {request}))"
            ));
        }
        out
    }
}

/// Which way a page of events runs.
#[derive(Clone, Copy)]
pub enum Order {
    /// Oldest first, from just after `after`.
    Up { after: u64 },
    /// Newest first, from just before `before`.
    Down { before: u64 },
}

impl Db {
    /// The chain's head: the last event's seq and hash, or the genesis. With every event gone
    /// (all were older than the retention, and removed behind a checkpoint of the head), the
    /// newest checkpoint is the head, so that the chain goes on and never starts again at 1.
    pub async fn audit_head(&self) -> ApiResult<Head> {
        #[derive(Deserialize)]
        struct Row {
            seq: u64,
            hash: String,
        }
        let row: Option<Row> = self
            .first(
                "SELECT seq, hash FROM (SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1)
                 UNION ALL
                 SELECT seq, hash FROM (SELECT seq, hash FROM audit_checkpoints
                   WHERE NOT EXISTS (SELECT 1 FROM audit_events) ORDER BY seq DESC LIMIT 1)",
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

    /// The statement that appends `entry` as event `next.seq` after `prev`; with `guarded` it
    /// writes only if the statement before it in the batch changed a row (the change an event
    /// records).
    pub fn insert_event(
        &self,
        entry: &Entry,
        prev: &Head,
        next: &Head,
        guarded: bool,
    ) -> ApiResult<D1PreparedStatement> {
        self.statement(
            "INSERT INTO audit_events (seq, prev, hash, event, at, actor, action, object, outcome)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 WHERE ?10 = 0 OR changes() = 1",
            &[
                num(next.seq),
                text(&hex::encode(prev.hash)),
                text(&hex::encode(next.hash)),
                text(&entry.text),
                num(entry.at),
                text(&entry.actor),
                text(&entry.action),
                entry.object.as_deref().map_or(JsValue::NULL, text),
                text(&entry.outcome),
                num(u64::from(guarded)),
            ],
        )
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

    /// At most `limit` events that `filter` and `scope` let through, below `to` (inclusive),
    /// in `order`.
    pub async fn events(
        &self,
        filter: &EventFilter,
        scope: &Scope,
        order: Order,
        to: u64,
        limit: u64,
    ) -> ApiResult<Vec<EventRow>> {
        let mut values = Vec::new();
        let mut conditions = filter.conditions(scope, &mut values);
        let (bound, direction) = match order {
            Order::Up { after } => (format!("e.seq > {}", push(&mut values, num(after))), "ASC"),
            Order::Down { before } => (
                format!("e.seq < {}", push(&mut values, num(before))),
                "DESC",
            ),
        };
        conditions.push(bound);
        conditions.push(format!("e.seq <= {}", push(&mut values, num(to))));
        let limit = push(&mut values, num(limit));
        let sql = format!(
            "SELECT e.seq, e.prev, e.hash, e.event, e.at, e.actor, e.action, e.object, e.outcome,
               (SELECT email FROM accounts WHERE 'staff:' || accounts.id = e.actor) AS actor_email
             FROM audit_events e WHERE {} ORDER BY e.seq {direction} LIMIT {limit}",
            conditions.join(" AND ")
        );
        self.all(&sql, &values).await
    }

    /// The oldest event kept: where exports and verification begin once retention has removed
    /// the events before it (`None` while there are no events).
    pub async fn oldest_event(&self) -> ApiResult<Option<u64>> {
        #[derive(Deserialize)]
        struct Row {
            seq: Option<u64>,
        }
        let row: Option<Row> = self
            .first("SELECT MIN(seq) AS seq FROM audit_events", &[])
            .await?;
        Ok(row.and_then(|r| r.seq))
    }

    /// The newest checkpoint whose seq is at most the last event made before `cutoff`: events up
    /// to it may go, since it vouches for the hash the events after it build on.
    pub async fn retention_boundary(&self, cutoff: u64) -> ApiResult<Option<CheckpointRow>> {
        self.first(
            "SELECT seq, hash, time_ms, sig FROM audit_checkpoints
             WHERE seq <= (SELECT MAX(seq) FROM audit_events WHERE at < ?1)
             ORDER BY seq DESC, time_ms DESC LIMIT 1",
            &[num(cutoff)],
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

/// `column` starts with `prefix`, as a range the column's index serves. Every prefix here ends
/// in `.` or `:`, and the next character bounds the range.
fn prefixed(column: &str, prefix: &str, values: &mut Vec<JsValue>) -> String {
    let (stem, last) = prefix.split_at(prefix.len() - 1);
    let upper = format!("{stem}{}", char::from(last.as_bytes()[0] + 1));
    let lo = push(values, text(prefix));
    let hi = push(values, text(&upper));
    format!("e.{column} >= {lo} AND e.{column} < {hi}")
}

fn push(values: &mut Vec<JsValue>, value: JsValue) -> String {
    values.push(value);
    format!("?{}", values.len())
}

/// Removes the events up to `seq` and the checkpoints before it, keeping the checkpoint at `seq`
/// (it anchors the chain from there). With the retention's event: all or nothing.
pub fn remove_through(seq: u64) -> Vec<Sql> {
    vec![
        Sql::new("DELETE FROM audit_events WHERE seq <= ?1", vec![n(seq)]),
        Sql::new("DELETE FROM audit_checkpoints WHERE seq < ?1", vec![n(seq)]),
    ]
}
