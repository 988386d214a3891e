//! The access log (architecture.md, Access log). Every event goes through [`record`], or through
//! [`record_with`] when it must commit together with the change it records (a grant and its event
//! are one D1 batch, or neither happens). Appends are serialised by the chain itself: an event
//! takes seq = head + 1, and a second writer of that seq fails its whole batch and tries again on
//! the new head, so the chain never forks and never has a gap.
//!
//! Checkpoints sign the head with the worker secret `SEALDROP_AUDIT_KEY` every
//! [`CHECKPOINT_EVERY`] events and on every scheduled run (even when nothing happened), and go to
//! the witness URL `SEALDROP_WITNESS_URL` when one is configured.

use sealdrop_core::audit::{checkpoint_public_key, Checkpoint, Head};
use serde::Serialize;
use worker::{console_error, D1PreparedStatement, D1Result, Request};

use crate::context::Ctx;
use crate::db::{Appended, Db, EventRow};
use crate::error::{ApiError, ApiResult};
use crate::http::header;

/// Events between checkpoints made by appends; the scheduled run adds one per run.
pub const CHECKPOINT_EVERY: u64 = 1000;
/// Tries of one append when other writers keep taking the next seq.
const TRIES: u32 = 50;

/// Who did it.
#[derive(Clone, Debug)]
pub enum Actor {
    /// A signed-in account, by id.
    Staff(String),
    /// Someone holding a request link, by request id.
    Partner(String),
    /// Someone holding (or trying) a share's key.
    Holder,
    Anonymous,
    /// The worker itself (the purge, checkpoints).
    System,
}

impl Actor {
    fn column(&self) -> String {
        match self {
            Actor::Staff(id) => format!("staff:{id}"),
            Actor::Partner(id) => format!("partner:{id}"),
            Actor::Holder => "holder".into(),
            Actor::Anonymous => "anonymous".into(),
            Actor::System => "system".into(),
        }
    }
}

/// One event, before it is written.
#[derive(Clone, Debug)]
pub struct Event {
    pub action: String,
    pub actor: Actor,
    pub object: Option<String>,
    /// ok, granted, matched, mismatch, or refused:<code>.
    pub outcome: String,
    pub bytes: Option<u64>,
    pub content_id: Option<String>,
    pub detail: Option<serde_json::Value>,
}

impl Event {
    pub fn new(action: impl Into<String>, actor: Actor) -> Self {
        Event {
            action: action.into(),
            actor,
            object: None,
            outcome: "ok".into(),
            bytes: None,
            content_id: None,
            detail: None,
        }
    }

    pub fn object(mut self, id: impl ToString) -> Self {
        self.object = Some(id.to_string());
        self
    }

    pub fn refused(mut self, code: &str) -> Self {
        self.outcome = format!("refused:{code}");
        self
    }

    pub fn granted(self) -> Self {
        self.outcome("granted")
    }

    /// ok, granted, matched or mismatch (a download receipt); refusals go through [`Event::refused`].
    pub fn outcome(mut self, outcome: &str) -> Self {
        self.outcome = outcome.into();
        self
    }

    pub fn bytes(mut self, bytes: u64) -> Self {
        self.bytes = Some(bytes);
        self
    }

    pub fn content_id(mut self, content_id: impl ToString) -> Self {
        self.content_id = Some(content_id.to_string());
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail);
        self
    }
}

/// Where a request came from, as the log records it.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub client: String,
    pub user_agent: String,
}

impl Origin {
    pub fn of(req: &Request) -> Self {
        Origin {
            client: crate::auth::client_address(req),
            user_agent: header(req, "User-Agent")
                .ok()
                .flatten()
                .map(|ua| ua.chars().take(256).collect())
                .unwrap_or_default(),
        }
    }
}

/// e_n: written once, here, and never re-serialised.
#[derive(Serialize)]
struct Stored<'a> {
    at: u64,
    actor: String,
    client: &'a str,
    user_agent: &'a str,
    action: &'a str,
    object: Option<&'a str>,
    outcome: &'a str,
    bytes: Option<u64>,
    content_id: Option<&'a str>,
    detail: Option<&'a serde_json::Value>,
}

/// Appends one event on its own.
pub async fn record(ctx: &Ctx, from: &Origin, event: Event) -> ApiResult<()> {
    record_with(ctx, from, event, &|_| Ok(Vec::new()), false, &|_| {
        Ok(Vec::new())
    })
    .await
    .map(drop)
}

/// Appends `event` in one D1 batch with the statements `before` and `after` build. With
/// `only_if_changed`, the event is written only if the last statement of `before` changed a row,
/// and whatever `after` guards on `changes() = 1` follows it: so a grant, its event and its ticket
/// are written together or not at all. Returns the batch's results (the event's at `before.len()`).
pub async fn record_with(
    ctx: &Ctx,
    from: &Origin,
    event: Event,
    before: &dyn Fn(&Db) -> ApiResult<Vec<D1PreparedStatement>>,
    only_if_changed: bool,
    after: &dyn Fn(&Db) -> ApiResult<Vec<D1PreparedStatement>>,
) -> ApiResult<Vec<D1Result>> {
    let actor = event.actor.column();
    let text = serde_json::to_string(&Stored {
        at: ctx.now,
        actor: actor.clone(),
        client: &from.client,
        user_agent: &from.user_agent,
        action: &event.action,
        object: event.object.as_deref(),
        outcome: &event.outcome,
        bytes: event.bytes,
        content_id: event.content_id.as_deref(),
        detail: event.detail.as_ref(),
    })
    .map_err(|_| busy())?;
    for attempt in 0..TRIES {
        if attempt > 0 {
            // Writers that lost the same seq would collide again in step; jitter spreads them.
            let ceiling = 2u64.saturating_pow(attempt.min(6)).min(50);
            let wait = u64::from(sealdrop_core::random::<1>()[0]) * ceiling / 255;
            worker::Delay::from(std::time::Duration::from_millis(wait)).await;
        }
        let head = ctx.db.audit_head().await?;
        let next = head.append(&text);
        let row = EventRow {
            actor_email: None,
            seq: next.seq,
            prev: hex::encode(head.hash),
            hash: hex::encode(next.hash),
            event: text.clone(),
            at: ctx.now,
            actor: actor.clone(),
            action: event.action.clone(),
            object: event.object.clone(),
            outcome: event.outcome.clone(),
        };
        let mut statements = before(&ctx.db)?;
        statements.push(ctx.db.insert_event(&row, only_if_changed)?);
        statements.extend(after(&ctx.db)?);
        if let Appended::Done(results) = ctx.db.append_batch(statements).await? {
            if next.seq % CHECKPOINT_EVERY == 0 {
                checkpoint(ctx, &next).await;
            }
            return Ok(results);
        }
    }
    Err(busy())
}

fn busy() -> ApiError {
    ApiError::new(
        503,
        "log_busy",
        "The access log is busy. Nothing was changed; try again in a moment.",
    )
    .with_header("Retry-After", "1".into())
}

/// Signs `head` now, stores the checkpoint and sends it to the witness. A missing key or an
/// unreachable witness is logged for the operator; the event it follows stands.
pub async fn checkpoint(ctx: &Ctx, head: &Head) {
    let Some(key) = ctx.audit_key else {
        console_error!("audit: SEALDROP_AUDIT_KEY is not set; no checkpoint signed");
        return;
    };
    let cp = Checkpoint::sign(&key, head, ctx.now);
    if let Err(err) = ctx.db.insert_checkpoint(&cp).await {
        console_error!(
            "audit: checkpoint at seq {} not stored: {}",
            cp.seq,
            err.message
        );
        return;
    }
    if let Some(url) = &ctx.witness_url {
        if let Err(err) = send_to_witness(url, &cp, &key).await {
            console_error!(
                "audit: the witness at {url} did not take checkpoint {}: {err}",
                cp.seq
            );
        }
    }
}

/// The scheduled run: the current head signed now, whether or not anything happened, so that a
/// cut tail shows as a gap in time; then the retention.
pub async fn scheduled(env: &worker::Env) {
    let result = async {
        let ctx = Ctx::new(env).await?;
        let head = ctx.db.audit_head().await?;
        checkpoint(&ctx, &head).await;
        retain(&ctx).await
    };
    if let Err(err) = result.await {
        console_error!("audit: the scheduled checkpoint failed: {}", err.message);
    }
}

/// Removes the events older than the policy's retention, but only up to a signed checkpoint, which
/// stays: the chain then verifies from that checkpoint on, and the removal itself is logged (with
/// the checkpoint it stopped at) in the same batch.
async fn retain(ctx: &Ctx) -> ApiResult<()> {
    let cutoff = ctx
        .now
        .saturating_sub(ctx.policy.retention_days * 86_400_000);
    let Some(boundary) = ctx.db.retention_boundary(cutoff).await? else {
        return Ok(());
    };
    if ctx.db.oldest_event().await? > Some(boundary.seq) {
        return Ok(());
    }
    let event = Event::new("log.retention", Actor::System).detail(serde_json::json!({
        "removed_through": boundary.seq,
        "checkpoint": { "seq": boundary.seq, "hash": boundary.hash, "time_ms": boundary.time_ms },
        "retention_days": ctx.policy.retention_days,
    }));
    record_with(
        ctx,
        &Origin::default(),
        event,
        &|db| db.remove_through(boundary.seq),
        false,
        &|_| Ok(Vec::new()),
    )
    .await
    .map(drop)
}

async fn send_to_witness(url: &str, cp: &Checkpoint, key: &[u8; 32]) -> worker::Result<()> {
    let body = serde_json::json!({
        "checkpoint": {
            "seq": cp.seq,
            "hash": hex::encode(cp.hash),
            "time_ms": cp.time_ms,
            "sig": hex::encode(cp.sig),
        },
        "public_key": hex::encode(checkpoint_public_key(key)),
    });
    let headers = worker::Headers::new();
    headers.set("Content-Type", "application/json")?;
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post)
        .with_headers(headers)
        .with_body(Some(body.to_string().into()));
    let response = worker::Fetch::Request(Request::new_with_init(url, &init)?)
        .send()
        .await?;
    if (200..300).contains(&response.status_code()) {
        Ok(())
    } else {
        Err(worker::Error::RustError(format!(
            "HTTP {}",
            response.status_code()
        )))
    }
}
