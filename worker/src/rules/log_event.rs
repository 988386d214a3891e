//! One access-log event before it is written: who did what to which object with what outcome,
//! and its stored text `e_n` (architecture.md, Access log), made once here and never
//! re-serialised.

use serde::{Deserialize, Serialize};

use crate::rules::api_keys::KeyName;

/// What summary events of refusals are called (the sequencer sums refusals that name nothing).
pub const REFUSAL_SUMMARY: &str = "refusals.summary";

/// e_n with the columns that filters use. Invariant: the columns repeat what `text` says.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    pub text: String,
    pub at: u64,
    pub actor: String,
    pub action: String,
    pub object: Option<String>,
    pub outcome: String,
}

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
    pub fn column(&self) -> String {
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
    /// The API key the call was made with, if it was.
    pub api_key: Option<KeyName>,
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
            api_key: None,
        }
    }

    /// Names the API key the call was made with.
    pub fn api_key(mut self, key: KeyName) -> Self {
        self.api_key = Some(key);
        self
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

    /// The event as stored at time `at`, from `from`.
    pub fn entry(&self, at: u64, from: &Origin) -> Entry {
        let actor = self.actor.column();
        let text = serde_json::to_string(&Stored {
            at,
            actor: &actor,
            client: &from.client,
            user_agent: &from.user_agent,
            action: &self.action,
            object: self.object.as_deref(),
            outcome: &self.outcome,
            bytes: self.bytes,
            content_id: self.content_id.as_deref(),
            detail: self.detail.as_ref(),
            api_key: self.api_key.as_ref(),
        })
        // A map of strings, numbers and JSON values always serialises.
        .unwrap_or_default();
        Entry {
            text,
            at,
            actor,
            action: self.action.clone(),
            object: self.object.clone(),
            outcome: self.outcome.clone(),
        }
    }
}

/// Where a request came from, as the log records it.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub client: String,
    pub user_agent: String,
}

/// e_n: written once, here, and never re-serialised.
#[derive(Serialize)]
struct Stored<'a> {
    at: u64,
    actor: &'a str,
    client: &'a str,
    user_agent: &'a str,
    action: &'a str,
    object: Option<&'a str>,
    outcome: &'a str,
    bytes: Option<u64>,
    content_id: Option<&'a str>,
    detail: Option<&'a serde_json::Value>,
    /// Only in events of calls made with an API key.
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<&'a KeyName>,
}
