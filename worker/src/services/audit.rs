//! The access log (architecture.md, Access log): the one way events are written. A handler
//! records an event with the change it logs through [`commit`] (or [`record`] for an event that
//! changes nothing else); both go to the sequencer (`services::sequencer`), the log's single
//! writer, which commits the change and its event in one D1 batch. A change whose event could
//! not be written is not made, and the caller gets 503 with Retry-After.
//!
//! Refusals that name no existing object are not appended one by one: [`refusal`] adds them to
//! their client address's summary, which the sequencer appends once its window has closed.
//!
//! Checkpoints sign the head every `CHECKPOINT_EVERY` events (the sequencer) and on every
//! scheduled run, even when nothing happened ([`scheduled`]).

use worker::console_error;

pub use crate::services::sequencer::Change;

use crate::rules::error::{ApiError, ApiResult};
use crate::rules::limits::DAY_MS;
use crate::rules::log_event::{Actor, Event, Origin};
use crate::services::context::Ctx;
use crate::services::sequencer::{Append, Client, Refusal, Reply};
use crate::store::audit::remove_through;

/// What a committed change came to.
#[derive(Debug)]
pub struct Committed {
    /// The event's seq; none when a guarded change did not happen (and nothing was written).
    pub seq: Option<u64>,
}

impl Committed {
    /// Whether the change happened (for a guarded change: its last `before` statement changed a
    /// row, and its event was written).
    pub fn happened(&self) -> bool {
        self.seq.is_some()
    }
}

/// Appends one event on its own.
pub async fn record(ctx: &Ctx, from: &Origin, event: Event) -> ApiResult<()> {
    commit(ctx, from, event, Change::default()).await.map(drop)
}

/// Commits `change` and `event` in one D1 batch, or neither. With a guarded change, the event
/// (and whatever `after` guards on `changes()`) is written only if the last `before` statement
/// changed a row: so a grant, its event and its ticket are written together or not at all.
pub async fn commit(
    ctx: &Ctx,
    from: &Origin,
    event: Event,
    change: Change,
) -> ApiResult<Committed> {
    let event = match &ctx.key {
        Some(caller) => event.api_key(caller.key.clone()),
        None => event,
    };
    let append = Append {
        entry: event.entry(ctx.now, from),
        change,
    };
    match ctx.sequencer.append(&append).await? {
        Reply::Committed { seq } => {
            if seq.is_some() {
                ctx.logged.set(true);
            }
            Ok(Committed { seq })
        }
        Reply::Failed { message } => {
            console_error!("audit: an append failed: {message}");
            Err(busy())
        }
    }
}

/// Counts a refusal that names no existing object into its client address's summary, at `at`.
pub async fn refusal(
    sequencer: &Client,
    from: &Origin,
    action: &str,
    code: &str,
    at: u64,
) -> ApiResult<()> {
    sequencer
        .refusal(&Refusal {
            client: from.client.clone(),
            action: action.into(),
            code: code.into(),
            at,
        })
        .await
}

/// Said when the log did not take an event: nothing was changed. (Every 503 carries
/// Retry-After.)
pub fn busy() -> ApiError {
    ApiError::new(
        503,
        "log_busy",
        "The access log is busy. Nothing was changed; try again in a moment.",
    )
}

/// The scheduled run: the current head signed now, whether or not anything happened, so that a
/// cut tail shows as a gap in time; then the retention.
pub async fn scheduled(env: &worker::Env) {
    let result = async {
        let ctx = Ctx::new(env).await?;
        let head = ctx.db.audit_head().await?;
        ctx.signer.checkpoint(&ctx.db, &head, ctx.now).await;
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
    let cutoff = ctx.now.saturating_sub(ctx.policy.retention_days * DAY_MS);
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
    let change = Change::of(remove_through(boundary.seq));
    commit(ctx, &Origin::default(), event, change)
        .await
        .map(drop)
}
