//! A share's life: which state it is in at a given time.
//!
//! The stored state only moves on events (completed, revoked, purged); expiry and exhaustion
//! follow from the time, so they are computed here, in the one place that decides them.

use crate::auth::TICKET_TTL_MS;
use crate::db::ShareRow;
use crate::error::ApiError;

pub const HOUR_MS: u64 = 60 * 60 * 1000;
/// Uploads left unfinished this long are abandoned, and the purge releases them.
pub const ABANDONED_AFTER_MS: u64 = 24 * HOUR_MS;
/// The download limit's range; `None` is no limit before the expiry.
pub const MAX_DOWNLOAD_LIMIT: i64 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Uploading,
    Active,
    Expired,
    Exhausted,
    Revoked,
    Purged,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Uploading => "uploading",
            State::Active => "active",
            State::Expired => "expired",
            State::Exhausted => "exhausted",
            State::Revoked => "revoked",
            State::Purged => "purged",
        }
    }

    /// The refusal of a proof or a ticket in this state (none while active).
    pub fn refusal(self) -> Option<ApiError> {
        let (code, message) = match self {
            State::Active => return None,
            State::Uploading => {
                return Some(ApiError::conflict(
                    "not_ready",
                    "This share is still being uploaded.",
                ))
            }
            State::Expired => (
                "expired",
                "This link has expired; its files can no longer be downloaded.",
            ),
            State::Exhausted => (
                "exhausted",
                "This link has been used as many times as its sender allowed.",
            ),
            State::Revoked => ("revoked", "The sender revoked this link."),
            State::Purged => ("purged", "This share's files have been deleted."),
        };
        Some(ApiError::new(410, code, message))
    }
}

impl ShareRow {
    /// Whether every allowed download has been granted.
    pub fn used_up(&self) -> bool {
        self.max_downloads.is_some_and(|max| self.downloads >= max)
    }

    /// The state at `now`. A share whose last allowed download was granted stays active until
    /// that download's ticket expires, so that the download can finish.
    pub fn state_at(&self, now: u64) -> State {
        match self.state.as_str() {
            "uploading" => State::Uploading,
            "revoked" => State::Revoked,
            "purged" => State::Purged,
            _ if now >= self.expires_at => State::Expired,
            _ if self.used_up()
                && self
                    .last_ticket_use
                    .is_none_or(|t| now.saturating_sub(t) >= TICKET_TTL_MS) =>
            {
                State::Exhausted
            }
            _ => State::Active,
        }
    }

    /// The state a new proof meets: once the count is used up, proofs get 410 even while the
    /// last ticket is still in use.
    pub fn state_for_proof(&self, now: u64) -> State {
        match self.state_at(now) {
            State::Active if self.used_up() => State::Exhausted,
            state => state,
        }
    }
}
