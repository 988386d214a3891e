//! The query string of the log's calls: paging numbers and the filters of the table and exports,
//! each checked against the forms documented in openapi.json.

use sealdrop_core::encoding::Id;
use worker::Request;

use crate::rules::error::{ApiError, ApiResult};
use crate::rules::limits::ANY_SEQ;
use crate::store::audit::EventFilter;

/// The query string of a log call.
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn of(req: &Request) -> ApiResult<Query> {
        let url = req
            .url()
            .map_err(|_| ApiError::bad_request("bad_url", "The URL is malformed."))?;
        Ok(Query(
            url.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }

    pub fn text(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    }

    pub fn number(&self, name: &str) -> ApiResult<Option<u64>> {
        self.text(name)
            .map(|v| {
                v.parse::<u64>()
                    .ok()
                    .filter(|n| *n < ANY_SEQ)
                    .ok_or_else(|| bad_filter(format!("{name} must be a whole number.")))
            })
            .transpose()
    }

    pub fn filter(&self) -> ApiResult<EventFilter> {
        let actor = self.text("actor");
        if let Some(actor) = &actor {
            let known = ["staff", "partner", "holder", "anonymous", "system"]
                .contains(&actor.as_str())
                || actor
                    .strip_prefix("staff:")
                    .or_else(|| actor.strip_prefix("partner:"))
                    .is_some_and(|id| Id::parse(id).is_ok());
            if !known {
                return Err(bad_filter("actor must be staff, partner, holder, anonymous, system, staff:<account id> or partner:<request id>."));
            }
        }
        let action = self.text("action");
        if action.as_ref().is_some_and(|a| {
            a.len() > 64
                || !a
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_')
        }) {
            return Err(bad_filter(
                "action must be an action name such as share.created, or a prefix such as share.",
            ));
        }
        let outcome = self.text("outcome");
        if let Some(outcome) = &outcome {
            let known = ["ok", "granted", "matched", "mismatch", "refused"]
                .contains(&outcome.as_str())
                || outcome.strip_prefix("refused:").is_some_and(|code| {
                    !code.is_empty()
                        && code.len() <= 64
                        && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                });
            if !known {
                return Err(bad_filter(
                    "outcome must be ok, granted, matched, mismatch, refused or refused:<code>.",
                ));
            }
        }
        let object = self.text("object");
        if object.as_ref().is_some_and(|o| Id::parse(o).is_err()) {
            return Err(bad_filter(
                "object must be an id of 22 base64url characters.",
            ));
        }
        let filter = EventFilter {
            since: self.number("since")?,
            until: self.number("until")?,
            actor,
            action,
            outcome,
            object,
        };
        if let (Some(since), Some(until)) = (filter.since, filter.until) {
            if until <= since {
                return Err(bad_filter("until must be later than since."));
            }
        }
        Ok(filter)
    }
}

pub fn bad_filter(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("bad_filter", message)
}
