//! The access log's one writer: a Durable Object (`SEQUENCER`, one instance named "audit") that
//! hands out seqs. Every append reaches it by fetch, as an [`Append`]: the event's stored text and
//! the SQL of the change it records, as data (a stub offers only fetch). It reads the head, chains
//! the event and runs the change with its event in one D1 batch, so a change and its event commit
//! together or neither does, and two writers never race for a seq.
//!
//! Appends that arrive while a batch runs wait and go in the next round. A guarded change (one
//! whose event is written only if its last statement changed a row: a grant, a claim, a state
//! move) commits alone with its event; unguarded events of one round share a batch. A shared
//! batch that fails is run again member by member, so one failing member never takes the others'
//! events with it.
//!
//! It also counts refusals that name no existing object (a flood of guesses, a scanner), one
//! summary per client address and window (`REFUSAL_WINDOW_MS`), kept in the object's storage and
//! appended by its alarm once the window has closed (a stored event never changes).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use futures_channel::oneshot;
use serde::{Deserialize, Serialize};
use worker::{durable_object, Date, DurableObject, Env, Request, Response, State};

use crate::rules::error::{ApiError, ApiResult};
use crate::rules::limits::CHECKPOINT_EVERY;
use crate::rules::log_event::{Actor, Entry, Event, Origin, REFUSAL_SUMMARY};
use crate::services::checkpoint::Signer;
use crate::store::sql::Sql;
use crate::store::{changes, config, Db};

/// The prefix of the summaries' keys in the object's storage.
const SUMMARY_PREFIX: &str = "refusals:";

/// What a change adds to its event's batch: statements before the event, whether the event (and
/// `after`) depend on the last of them changing a row, and statements after it. Invariant: with
/// `guarded`, every statement of `after` also guards itself on `changes()`, so that nothing is
/// written when the change did not happen.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Change {
    pub before: Vec<Sql>,
    pub guarded: bool,
    pub after: Vec<Sql>,
}

impl Change {
    /// Statements that must all take effect with the event.
    pub fn of(before: Vec<Sql>) -> Self {
        Change {
            before,
            ..Change::default()
        }
    }

    /// A change whose event is written only if the last statement changed a row.
    pub fn guarded(before: Vec<Sql>) -> Self {
        Change {
            before,
            guarded: true,
            after: Vec::new(),
        }
    }

    pub fn then(mut self, after: Vec<Sql>) -> Self {
        self.after = after;
        self
    }
}

/// One append, as sent to the sequencer.
#[derive(Debug, Serialize, Deserialize)]
pub struct Append {
    pub entry: Entry,
    pub change: Change,
}

/// The sequencer's answer to an append.
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    /// The batch committed. `seq` is the event's, or none when a guarded change did not happen
    /// (then nothing was written).
    Committed { seq: Option<u64> },
    /// Nothing was written.
    Failed { message: String },
}

/// A refusal to be summed, as sent to the sequencer.
#[derive(Debug, Serialize, Deserialize)]
pub struct Refusal {
    pub client: String,
    pub action: String,
    pub code: String,
    pub at: u64,
}

/// The sum of one client address's refusals in one window.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Summary {
    client: String,
    window_start: u64,
    count: u64,
    first_at: u64,
    last_at: u64,
    actions: BTreeMap<String, u64>,
    codes: BTreeMap<String, u64>,
}

struct Pending {
    append: Append,
    reply: oneshot::Sender<Reply>,
}

#[durable_object]
pub struct Sequencer {
    state: State,
    env: Env,
    queue: RefCell<Vec<Pending>>,
    running: Cell<bool>,
}

impl DurableObject for Sequencer {
    fn new(state: State, env: Env) -> Self {
        Sequencer {
            state,
            env,
            queue: RefCell::new(Vec::new()),
            running: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        match req.path().as_str() {
            "/append" => {
                let append: Append = req.json().await?;
                Response::from_json(&self.append(append).await)
            }
            "/refusal" => {
                let refusal: Refusal = req.json().await?;
                self.count_refusal(refusal).await?;
                Response::empty()
            }
            _ => Response::error("no such sequencer call", 404),
        }
    }

    async fn alarm(&self) -> worker::Result<Response> {
        self.append_summaries().await?;
        Response::empty()
    }
}

impl Sequencer {
    async fn append(&self, append: Append) -> Reply {
        let (reply, answer) = oneshot::channel();
        self.queue.borrow_mut().push(Pending { append, reply });
        if !self.running.get() {
            self.running.set(true);
            let _running = Running(&self.running);
            self.drain().await;
        }
        answer.await.unwrap_or(Reply::Failed {
            message: "the sequencer dropped the append".into(),
        })
    }

    /// Commits rounds until nobody waits: each guarded change alone, each run of unguarded
    /// events together.
    async fn drain(&self) {
        loop {
            let pending = std::mem::take(&mut *self.queue.borrow_mut());
            if pending.is_empty() {
                return;
            }
            let mut group: Vec<Pending> = Vec::new();
            for item in pending {
                if item.append.change.guarded {
                    self.commit_apart(std::mem::take(&mut group)).await;
                    self.commit_apart(vec![item]).await;
                } else {
                    group.push(item);
                }
            }
            self.commit_apart(group).await;
        }
    }

    /// Commits `group` in one batch; if that fails, each member alone.
    async fn commit_apart(&self, mut group: Vec<Pending>) {
        if group.is_empty() {
            return;
        }
        if self.fault_set().await {
            // The test stack's fault switch fails the next append, and only that one.
            let first = group.remove(0);
            let _ = first.reply.send(Reply::Failed {
                message: "fault switch".into(),
            });
        }
        if group.is_empty() {
            return;
        }
        match self.commit(&group).await {
            Ok(replies) => {
                for (item, reply) in group.into_iter().zip(replies) {
                    let _ = item.reply.send(reply);
                }
            }
            Err(message) if group.len() == 1 => {
                let _ = group.remove(0).reply.send(Reply::Failed { message });
            }
            Err(_) => {
                for item in group {
                    let reply = match self.commit(std::slice::from_ref(&item)).await {
                        Ok(mut replies) => replies.remove(0),
                        Err(message) => Reply::Failed { message },
                    };
                    let _ = item.reply.send(reply);
                }
            }
        }
    }

    async fn fault_set(&self) -> bool {
        if !config::testing(&self.env) {
            return false;
        }
        match self.db() {
            Ok(db) => db.take_fault().await.unwrap_or(false),
            Err(_) => false,
        }
    }

    fn window_ms(&self) -> u64 {
        config::refusal_window_ms(&self.env)
    }

    fn db(&self) -> ApiResult<Db> {
        Db::from_env(&self.env)
    }

    /// One D1 batch: for each append its statements, its event chained on the one before, and
    /// its statements after. A guarded append is always alone in its batch, so the seqs computed
    /// here are the ones written.
    async fn commit(&self, group: &[Pending]) -> Result<Vec<Reply>, String> {
        let db = self.db().map_err(|e| e.message)?;
        let start = db.audit_head().await.map_err(|e| e.message)?;
        let mut statements = Vec::new();
        let mut spans = Vec::new();
        let mut head = start;
        for item in group {
            let change = &item.append.change;
            for sql in &change.before {
                statements.push(db.prepared(sql).map_err(|e| e.message)?);
            }
            let next = head.append(&item.append.entry.text);
            statements.push(
                db.insert_event(&item.append.entry, &head, &next, change.guarded)
                    .map_err(|e| e.message)?,
            );
            for sql in &change.after {
                statements.push(db.prepared(sql).map_err(|e| e.message)?);
            }
            spans.push((statements.len() - 1 - change.after.len(), next));
            head = next;
        }
        let results = db.try_batch(statements).await.map_err(|e| e.to_string())?;
        let mut replies = Vec::with_capacity(group.len());
        let signer = Signer::from_env(&self.env);
        for (item, (event, next)) in group.iter().zip(spans) {
            let written = results.get(event).is_some_and(|r| changes(r) == 1);
            if written && next.seq % CHECKPOINT_EVERY == 0 {
                signer.checkpoint(&db, &next, item.append.entry.at).await;
            }
            replies.push(Reply::Committed {
                seq: written.then_some(next.seq),
            });
        }
        Ok(replies)
    }

    /// Adds `refusal` to its address's summary of the current window, and makes sure an alarm
    /// will append the summary once the window has closed. Storage calls hold the object's input
    /// gate, so two refusals never lose each other's count.
    async fn count_refusal(&self, refusal: Refusal) -> worker::Result<()> {
        let now = Date::now().as_millis();
        let window = self.window_ms();
        let window_start = now - now % window;
        let key = format!("{SUMMARY_PREFIX}{window_start:015}:{}", refusal.client);
        let storage = self.state.storage();
        let mut summary: Summary = storage.get(&key).await?.unwrap_or_else(|| Summary {
            client: refusal.client.clone(),
            window_start,
            first_at: refusal.at,
            ..Summary::default()
        });
        summary.count += 1;
        summary.first_at = summary.first_at.min(refusal.at);
        summary.last_at = summary.last_at.max(refusal.at);
        *summary.actions.entry(refusal.action).or_default() += 1;
        *summary.codes.entry(refusal.code).or_default() += 1;
        storage.put(&key, &summary).await?;
        if storage.get_alarm().await?.is_none() {
            storage.set_alarm(after(window_start + window, now)).await?;
        }
        Ok(())
    }

    /// Appends the summaries of every closed window, then waits for the next window to close.
    async fn append_summaries(&self) -> worker::Result<()> {
        let now = Date::now().as_millis();
        let window = self.window_ms();
        let storage = self.state.storage();
        let listed = storage
            .list_with_options(worker::ListOptions::new().prefix(SUMMARY_PREFIX))
            .await?;
        let mut open_until = None;
        for key in listed.keys() {
            let Some(key) = key?.as_string() else {
                continue;
            };
            let Some(summary) = storage.get::<Summary>(&key).await? else {
                continue;
            };
            let closes = summary.window_start + window;
            if closes > now {
                open_until = Some(open_until.map_or(closes, |t: u64| t.min(closes)));
                continue;
            }
            let from = Origin {
                client: summary.client.clone(),
                user_agent: String::new(),
            };
            let event = Event::new(REFUSAL_SUMMARY, Actor::Anonymous)
                .refused("summary")
                .detail(serde_json::json!({
                    "count": summary.count,
                    "first_at": summary.first_at,
                    "last_at": summary.last_at,
                    "window": { "start_ms": summary.window_start, "length_ms": window },
                    "actions": summary.actions,
                    "codes": summary.codes,
                }));
            let append = Append {
                entry: event.entry(summary.last_at, &from),
                change: Change::default(),
            };
            match self.append(append).await {
                Reply::Committed { .. } => {
                    storage.delete(&key).await?;
                }
                Reply::Failed { message } => {
                    worker::console_error!("audit: a refusal summary waits: {message}");
                    open_until = Some(now + window);
                }
            }
        }
        if let Some(at) = open_until {
            storage.set_alarm(after(at, now)).await?;
        }
        Ok(())
    }
}

/// The alarm's offset from `now` for a second after `at` (the second lets the window's last
/// refusal land first).
fn after(at: u64, now: u64) -> std::time::Duration {
    std::time::Duration::from_millis(at.saturating_sub(now) + 1000)
}

/// Clears the running flag however the drain ends.
struct Running<'a>(&'a Cell<bool>);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// The one sequencer, as a caller reaches it.
pub struct Client(worker::Stub);

impl Client {
    pub fn from_env(env: &Env) -> ApiResult<Self> {
        env.durable_object("SEQUENCER")
            .and_then(|ns| ns.id_from_name("audit")?.get_stub())
            .map(Client)
            .map_err(ApiError::database)
    }

    /// Sends `append`; the reply says whether and where it was written.
    pub async fn append(&self, append: &Append) -> ApiResult<Reply> {
        let mut response = self.call("/append", append).await?;
        response.json().await.map_err(ApiError::database)
    }

    /// Adds a refusal to its address's summary.
    pub async fn refusal(&self, refusal: &Refusal) -> ApiResult<()> {
        self.call("/refusal", refusal).await.map(drop)
    }

    async fn call(&self, path: &str, body: &impl Serialize) -> ApiResult<Response> {
        let text = serde_json::to_string(body).map_err(|e| {
            ApiError::database(worker::Error::RustError(format!("sequencer body: {e}")))
        })?;
        let headers = worker::Headers::new();
        headers
            .set("Content-Type", "application/json")
            .map_err(ApiError::database)?;
        let mut init = worker::RequestInit::new();
        init.with_method(worker::Method::Post)
            .with_headers(headers)
            .with_body(Some(text.into()));
        let req = Request::new_with_init(&format!("https://sequencer{path}"), &init)
            .map_err(ApiError::database)?;
        let response = self
            .0
            .fetch_with_request(req)
            .await
            .map_err(ApiError::database)?;
        if response.status_code() == 200 {
            Ok(response)
        } else {
            Err(ApiError::database(worker::Error::RustError(format!(
                "sequencer answered {}",
                response.status_code()
            ))))
        }
    }
}
