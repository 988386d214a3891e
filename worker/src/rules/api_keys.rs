//! API keys, as the rules see them: what a key may be used for (its scopes), how long it may live,
//! and which state it is in. A key stands for its account in automation (the `sealdrop` command
//! line, scheduled jobs); it never opens a page, and it is stored only as its hash.

use serde::Serialize;

use crate::rules::error::{ApiError, ApiResult};
use crate::rules::staff::Staff;

/// The longest a key may live: a year. A key that must outlive it is made anew.
pub const MAX_KEY_DAYS: u64 = 365;
/// The longest name a key may have.
pub const MAX_KEY_NAME: usize = 64;
/// A key's last use is written at most this often, so that a busy job does not write on every
/// call (the log records every call anyway).
pub const LAST_USED_EVERY_MS: u64 = 60_000;

/// What a key may be used for: each names a family of operations (the route table's
/// `Op::key_scopes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Making, listing and revoking shares.
    Share,
    /// Making and deleting file requests.
    Request,
    /// Reading what partners sent: the inbox.
    Inbox,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Share, Scope::Request, Scope::Inbox];

    pub fn name(self) -> &'static str {
        match self {
            Scope::Share => "share",
            Scope::Request => "request",
            Scope::Inbox => "inbox",
        }
    }

    pub fn parse(value: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.name() == value)
    }
}

/// A key's scopes as a client sent them: at least one, each known, none twice; in the order of
/// [`Scope::ALL`].
pub fn checked_scopes(scopes: &[String]) -> ApiResult<Vec<Scope>> {
    let bad = || {
        ApiError::bad_request(
            "bad_scopes",
            "scopes must name at least one of \"share\", \"request\" and \"inbox\", each once.",
        )
    };
    let parsed = scopes
        .iter()
        .map(|s| Scope::parse(s).ok_or_else(bad))
        .collect::<ApiResult<Vec<_>>>()?;
    let ordered: Vec<Scope> = Scope::ALL
        .into_iter()
        .filter(|s| parsed.contains(s))
        .collect();
    if ordered.is_empty() || ordered.len() != parsed.len() {
        return Err(bad());
    }
    Ok(ordered)
}

/// Scopes as stored: their names, comma-separated.
pub fn stored_scopes(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// Scopes read back; a name not known (there is none) is dropped, which only narrows the key.
pub fn read_scopes(stored: &str) -> Vec<Scope> {
    stored.split(',').filter_map(Scope::parse).collect()
}

/// Where a key stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyState {
    Active,
    Expired,
    Revoked,
}

impl KeyState {
    pub fn of(expires_at: u64, revoked_at: Option<u64>, now: u64) -> KeyState {
        if revoked_at.is_some() {
            KeyState::Revoked
        } else if expires_at <= now {
            KeyState::Expired
        } else {
            KeyState::Active
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::Expired => "expired",
            KeyState::Revoked => "revoked",
        }
    }
}

/// A call made with an API key: the account it stands for, and which key (the log names it).
#[derive(Clone, Debug)]
pub struct KeyCaller {
    pub staff: Staff,
    pub key: KeyName,
}

/// A key as the log names it: its id and the name its owner gave it.
#[derive(Clone, Debug, Serialize)]
pub struct KeyName {
    pub id: String,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn scopes_are_known_distinct_and_not_empty() {
        assert_eq!(
            checked_scopes(&strings(&["inbox", "share"])).unwrap(),
            vec![Scope::Share, Scope::Inbox]
        );
        for bad in [&[][..], &["admin"], &["share", "share"], &["Share"]] {
            assert_eq!(
                checked_scopes(&strings(bad)).unwrap_err().code,
                "bad_scopes"
            );
        }
        let all = checked_scopes(&strings(&["request", "inbox", "share"])).unwrap();
        assert_eq!(read_scopes(&stored_scopes(&all)), all);
    }

    #[test]
    fn a_key_is_revoked_before_it_is_expired() {
        assert_eq!(KeyState::of(10, None, 9), KeyState::Active);
        assert_eq!(KeyState::of(10, None, 10), KeyState::Expired);
        assert_eq!(KeyState::of(10, Some(5), 20), KeyState::Revoked);
    }
}
