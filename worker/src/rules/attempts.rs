//! Guessing limits: failed proofs of key possession and failed sign-ins, counted per client
//! address (IPv6 grouped by /64, since one host holds a whole /64) over a rolling window.
//!
//! The limits hold under parallel bursts: a failure is recorded by one guarded INSERT that takes
//! effect only while every count is under its limit, and a refused insert answers 429, so a burst
//! of N wrong keys learns "wrong" at most `limit` times. A right key is granted only while the
//! same counts are under the limits, checked in the grant's own statement.
//!
//! Why these numbers (README, "Guessing limits"): a stranger who knows only a share's id or a
//! colleague's email must not lock it for everyone. So the tight limits are per address: ten
//! wrong proofs an hour per share and address, five wrong sign-ins per email and address in 15
//! minutes, and 30 and 20 per address over all shares and emails. What is shared is coarser and
//! needs many addresses: a share locks (until its owner unlocks it) only after 100 failures from
//! at least 10 addresses, and an email is held for 15 minutes only after 50 failures, which the
//! per-address limit spreads over at least 10 addresses.

use std::net::IpAddr;

use crate::rules::error::ApiError;
use crate::rules::limits::{HOUR_MS, MINUTE_MS};

/// One kind of guess and its limits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The rolling window the counts cover.
    pub window_ms: u64,
    /// Failures one address may make against one target (a share, an email).
    pub per_target_and_address: u64,
    /// Failures one address may make against all targets.
    pub per_address: u64,
    /// Failures against one target from all addresses.
    pub per_target: u64,
}

/// Proofs of key possession (format-v1.md leaves the numbers to the service).
pub const PROOFS: Limits = Limits {
    window_ms: HOUR_MS,
    per_target_and_address: 10,
    per_address: 30,
    // A share is protected from many addresses by its lock, not by a window.
    per_target: u64::MAX >> 11,
};

/// Failed proofs after which a share locks until its owner unlocks it...
pub const LOCK_AFTER_FAILURES: u64 = 100;
/// ...when they came from at least this many addresses.
pub const LOCK_AFTER_ADDRESSES: u64 = 10;

/// Sign-ins.
pub const SIGN_INS: Limits = Limits {
    window_ms: 15 * MINUTE_MS,
    per_target_and_address: 5,
    per_address: 20,
    per_target: 50,
};

/// The address the limits count: an IPv4 address as it is, an IPv6 address as its /64.
pub fn address_group(client: &str) -> String {
    match client.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => "unknown".into(),
    }
}

/// Failures within the window: against the target from this address, from this address, and
/// against the target; each with its oldest time.
#[derive(Clone, Copy, Debug, Default, serde::Deserialize)]
pub struct Recent {
    pub mine: u64,
    pub mine_oldest: Option<u64>,
    pub address: u64,
    pub address_oldest: Option<u64>,
    pub target: u64,
    pub target_oldest: Option<u64>,
}

impl Recent {
    /// When the first limit that is reached lets go again, if one is reached.
    pub fn held_until(&self, limits: &Limits, now: u64) -> Option<u64> {
        [
            (self.mine, self.mine_oldest, limits.per_target_and_address),
            (self.address, self.address_oldest, limits.per_address),
            (self.target, self.target_oldest, limits.per_target),
        ]
        .into_iter()
        .filter(|(count, _, limit)| count >= limit)
        .map(|(_, oldest, _)| oldest.unwrap_or(now) + limits.window_ms)
        .max()
    }

    /// Tries left to this address against this target after one more failure.
    pub fn left_after_one_more(&self, limits: &Limits) -> u64 {
        [
            (self.mine, limits.per_target_and_address),
            (self.address, limits.per_address),
            (self.target, limits.per_target),
        ]
        .into_iter()
        .map(|(count, limit)| limit.saturating_sub(count + 1))
        .min()
        .unwrap_or(0)
    }
}

/// The 429 of an address held until `until`: "`what`. Try again in N minutes.", with the seconds
/// in Retry-After.
pub fn too_many(what: &str, until: u64, now: u64) -> ApiError {
    let seconds = until.saturating_sub(now).div_ceil(1000).max(1);
    let minutes = seconds.div_ceil(60);
    let plural = if minutes == 1 { "" } else { "s" };
    ApiError::new(
        429,
        "too_many_attempts",
        format!("{what}. Try again in {minutes} minute{plural}."),
    )
    .with_header("Retry-After", seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups() {
        assert_eq!(address_group("192.0.2.7"), "192.0.2.7");
        assert_eq!(address_group("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(address_group("2001:db8:1:2::9"), "2001:db8:1:2::/64");
        assert_eq!(address_group("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(address_group("unknown"), "unknown");
    }

    #[test]
    fn limits() {
        let r = Recent {
            mine: 9,
            mine_oldest: Some(100),
            address: 9,
            ..Recent::default()
        };
        assert_eq!(r.left_after_one_more(&PROOFS), 0);
        assert_eq!(r.held_until(&PROOFS, 1000), None);
        let full = Recent { mine: 10, ..r };
        assert_eq!(full.held_until(&PROOFS, 1000), Some(100 + HOUR_MS));
        let email = Recent {
            target: 50,
            target_oldest: Some(7),
            ..Recent::default()
        };
        assert_eq!(
            email.held_until(&SIGN_INS, 10),
            Some(7 + SIGN_INS.window_ms)
        );
    }
}
