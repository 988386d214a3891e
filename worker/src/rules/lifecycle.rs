//! A share's life and a request's: which state each is in at a given time.
//!
//! A share's stored state only moves on events (completed, revoked, purged); expiry and
//! exhaustion follow from the time, so they are computed here, in the one place that decides
//! them. A request has no stored state at all: it is open, expired or full by its counts.

use serde::Deserialize;

use crate::rules::error::ApiError;
use crate::rules::limits::TICKET_TTL_MS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
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

/// What a share's state at a given time depends on.
#[derive(Clone, Copy, Debug)]
pub struct ShareLife {
    /// The state as stored: uploading, active, revoked or purged.
    pub stored: State,
    pub expires_at: u64,
    pub max_downloads: Option<u64>,
    pub downloads: u64,
    /// The latest use of any of the share's tickets.
    pub last_ticket_use: Option<u64>,
}

impl ShareLife {
    /// Whether every allowed download has been granted.
    pub fn used_up(&self) -> bool {
        self.max_downloads.is_some_and(|max| self.downloads >= max)
    }

    /// The state at `now`. A share whose last allowed download was granted stays active until
    /// that download's ticket expires, so that the download can finish.
    pub fn state_at(&self, now: u64) -> State {
        match self.stored {
            State::Uploading => State::Uploading,
            State::Revoked => State::Revoked,
            State::Purged => State::Purged,
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

/// A file request's state: open, expired, or full (no room for another file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestState {
    Open,
    Expired,
    Full,
}

impl RequestState {
    /// The state at `now` of a request holding `files` files of `bytes` bytes in all.
    pub fn at(
        expires_at: u64,
        (files, max_files): (u64, u64),
        (bytes, max_bytes): (u64, u64),
        now: u64,
    ) -> Self {
        if expires_at <= now {
            RequestState::Expired
        } else if files >= max_files || bytes >= max_bytes {
            RequestState::Full
        } else {
            RequestState::Open
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RequestState::Open => "open",
            RequestState::Expired => "expired",
            RequestState::Full => "full",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn active(
        max_downloads: Option<u64>,
        downloads: u64,
        last_ticket_use: Option<u64>,
    ) -> ShareLife {
        ShareLife {
            stored: State::Active,
            expires_at: 10 * TICKET_TTL_MS,
            max_downloads,
            downloads,
            last_ticket_use,
        }
    }

    #[test]
    fn a_used_up_share_stays_active_while_its_last_ticket_lives() {
        let now = TICKET_TTL_MS;
        let share = active(Some(1), 1, Some(now - 1));
        assert_eq!(share.state_at(now), State::Active);
        assert_eq!(share.state_for_proof(now), State::Exhausted);
        assert_eq!(share.state_at(now + TICKET_TTL_MS), State::Exhausted);
        assert_eq!(active(None, 5, None).state_at(now), State::Active);
        assert_eq!(
            active(None, 0, None).state_at(10 * TICKET_TTL_MS),
            State::Expired
        );
    }

    #[test]
    fn stored_end_states_win_over_the_time() {
        for stored in [State::Uploading, State::Revoked, State::Purged] {
            let share = ShareLife {
                stored,
                ..active(Some(1), 1, None)
            };
            assert_eq!(share.state_at(u64::MAX), stored);
        }
    }

    #[test]
    fn stored_states_decode_from_their_names() {
        let state: State = serde_json::from_str("\"uploading\"").unwrap();
        assert_eq!(state, State::Uploading);
        assert_eq!(State::Revoked.name(), "revoked");
    }

    #[test]
    fn requests_expire_then_fill() {
        assert_eq!(
            RequestState::at(5, (0, 1), (0, 1), 5),
            RequestState::Expired
        );
        assert_eq!(RequestState::at(9, (1, 1), (0, 9), 5), RequestState::Full);
        assert_eq!(RequestState::at(9, (0, 1), (9, 9), 5), RequestState::Full);
        assert_eq!(RequestState::at(9, (0, 1), (0, 9), 5).name(), "open");
    }
}
