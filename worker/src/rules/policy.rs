//! The organisation's policy, set by admins in the console: the longest expiry, the largest file,
//! who may share and who may ask for files, whether API keys may be used, and how long the access
//! log keeps events. The
//! worker's `[vars]` (`store::config`) are the ceiling: no setting can go past them.

use serde::Serialize;

use crate::rules::error::{ApiError, ApiResult};
use crate::rules::limits::Limits;
use crate::rules::staff::Staff;

/// Events the log keeps unless an admin sets otherwise: one year.
const DEFAULT_RETENTION_DAYS: u64 = 365;
const RETENTION_DAYS: std::ops::RangeInclusive<u64> = 30..=3650;
/// An expiry shorter than an hour is no use for a share or a request.
const MIN_EXPIRY_SECONDS: u64 = 3600;

/// Who may do something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Who {
    Everyone,
    Admins,
}

impl Who {
    fn parse(value: &str) -> Option<Who> {
        match value {
            "everyone" => Some(Who::Everyone),
            "admins" => Some(Who::Admins),
            _ => None,
        }
    }

    fn allows(self, admin: bool) -> bool {
        self == Who::Everyone || admin
    }

    fn name(self) -> &'static str {
        match self {
            Who::Everyone => "everyone",
            Who::Admins => "admins",
        }
    }
}

/// Whether API keys may be made and used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeysAllowed {
    Allowed,
    Forbidden,
}

impl KeysAllowed {
    fn name(self) -> &'static str {
        match self {
            KeysAllowed::Allowed => "allowed",
            KeysAllowed::Forbidden => "forbidden",
        }
    }
}

/// The policy in force. Invariant: every limit is within the ceiling it was loaded under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub max_expiry_seconds: u64,
    pub max_file_bytes: u64,
    pub who_may_share: Who,
    pub who_may_request: Who,
    /// Whether staff may make and use API keys; forbidding them stops every key at once.
    pub api_keys: KeysAllowed,
    pub retention_days: u64,
}

impl Policy {
    /// The stored settings over the defaults, each held to the ceiling. A stored value that no
    /// longer fits (the operator lowered a `[vars]` limit) yields to the ceiling.
    pub fn from_rows(rows: &[(String, String)], ceiling: &Limits) -> Policy {
        let mut policy = Policy {
            max_expiry_seconds: ceiling.max_expiry_seconds,
            max_file_bytes: ceiling.max_file_bytes,
            who_may_share: Who::Everyone,
            who_may_request: Who::Everyone,
            api_keys: KeysAllowed::Allowed,
            retention_days: DEFAULT_RETENTION_DAYS,
        };
        for (name, value) in rows {
            if let Err(err) = policy.set(name, &serde_json::Value::String(value.clone()), ceiling) {
                worker::console_error!("policy: the stored {name} is ignored: {}", err.message);
            }
        }
        policy.max_expiry_seconds = policy.max_expiry_seconds.min(ceiling.max_expiry_seconds);
        policy.max_file_bytes = policy.max_file_bytes.min(ceiling.max_file_bytes);
        policy
    }

    /// The limits uploads meet: the ceiling narrowed by this policy.
    pub fn limits(&self, ceiling: &Limits) -> Limits {
        Limits {
            max_expiry_seconds: self.max_expiry_seconds,
            max_file_bytes: self.max_file_bytes,
            ..*ceiling
        }
    }

    pub fn may_share(&self, admin: bool) -> bool {
        self.who_may_share.allows(admin)
    }

    pub fn may_request(&self, admin: bool) -> bool {
        self.who_may_request.allows(admin)
    }

    /// Refuses a share by someone the policy does not let share.
    pub fn check_share(&self, staff: &Staff) -> ApiResult<()> {
        if self.may_share(staff.is_admin()) {
            Ok(())
        } else {
            Err(forbids("share files"))
        }
    }

    pub fn check_request(&self, staff: &Staff) -> ApiResult<()> {
        if self.may_request(staff.is_admin()) {
            Ok(())
        } else {
            Err(forbids("ask for files"))
        }
    }

    /// Refuses what needs API keys while the policy forbids them.
    pub fn check_api_keys(&self) -> ApiResult<()> {
        if self.api_keys == KeysAllowed::Allowed {
            Ok(())
        } else {
            Err(ApiError::new(
                403,
                "api_keys_forbidden",
                "Your organisation's policy does not allow API keys. Ask an administrator if you need one.",
            ))
        }
    }

    /// Sets one setting from JSON (a number, a string of digits as stored, or a `Who`).
    pub fn set(
        &mut self,
        name: &str,
        value: &serde_json::Value,
        ceiling: &Limits,
    ) -> ApiResult<()> {
        let number = |min: u64, max: u64, what: &str| -> ApiResult<u64> {
            let n = match value {
                serde_json::Value::Number(n) => n.as_u64(),
                serde_json::Value::String(s) => s.parse().ok(),
                _ => None,
            };
            n.filter(|n| (min..=max).contains(n)).ok_or_else(|| {
                bad_policy(format!(
                    "{name} ({what}) must be a whole number from {min} to {max}."
                ))
            })
        };
        let who = || {
            value
                .as_str()
                .and_then(Who::parse)
                .ok_or_else(|| bad_policy(format!("{name} must be \"everyone\" or \"admins\".")))
        };
        match name {
            "max_expiry_seconds" => {
                self.max_expiry_seconds =
                    number(MIN_EXPIRY_SECONDS, ceiling.max_expiry_seconds, "seconds")?
            }
            "max_file_bytes" => self.max_file_bytes = number(1, ceiling.max_file_bytes, "bytes")?,
            "who_may_share" => self.who_may_share = who()?,
            "who_may_request" => self.who_may_request = who()?,
            "api_keys" => {
                self.api_keys = match value.as_str() {
                    Some("allowed") => KeysAllowed::Allowed,
                    Some("forbidden") => KeysAllowed::Forbidden,
                    _ => {
                        return Err(bad_policy(
                            "api_keys must be \"allowed\" or \"forbidden\".".into(),
                        ))
                    }
                }
            }
            "retention_days" => {
                self.retention_days =
                    number(*RETENTION_DAYS.start(), *RETENTION_DAYS.end(), "days")?
            }
            _ => return Err(bad_policy(format!("There is no setting called {name}."))),
        }
        Ok(())
    }

    /// Each setting as stored: its name and its value as text.
    pub fn stored(&self) -> [(&'static str, String); 6] {
        [
            ("max_expiry_seconds", self.max_expiry_seconds.to_string()),
            ("max_file_bytes", self.max_file_bytes.to_string()),
            ("who_may_share", self.who_may_share.name().into()),
            ("who_may_request", self.who_may_request.name().into()),
            ("api_keys", self.api_keys.name().into()),
            ("retention_days", self.retention_days.to_string()),
        ]
    }
}

fn forbids(what: &str) -> ApiError {
    ApiError::new(
        403,
        "policy_forbids",
        format!("Your organisation's policy lets only administrators {what}. Ask an administrator if you need to."),
    )
}

fn bad_policy(message: String) -> ApiError {
    ApiError::bad_request("bad_policy", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ceiling() -> Limits {
        Limits {
            max_file_bytes: 10_000,
            max_files: 100,
            log2_chunk: 16,
            max_expiry_seconds: 30 * 86_400,
            max_download_limit: 1000,
        }
    }

    fn stored(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_the_ceiling_and_everyone() {
        let policy = Policy::from_rows(&[], &ceiling());
        assert_eq!(policy.max_file_bytes, 10_000);
        assert_eq!(policy.max_expiry_seconds, 30 * 86_400);
        assert_eq!(policy.retention_days, 365);
        assert!(policy.may_share(false) && policy.may_request(false));
    }

    #[test]
    fn stored_settings_narrow_the_limits() {
        let rows = stored(&[
            ("max_file_bytes", "500"),
            ("who_may_share", "admins"),
            ("max_expiry_seconds", "3600"),
        ]);
        let policy = Policy::from_rows(&rows, &ceiling());
        let limits = policy.limits(&ceiling());
        assert_eq!(
            (limits.max_file_bytes, limits.max_expiry_seconds),
            (500, 3600)
        );
        assert_eq!(limits.max_files, 100);
        assert!(!policy.may_share(false) && policy.may_share(true));
        assert!(policy.may_request(false));
    }

    #[test]
    fn every_setting_is_bounded() {
        let mut policy = Policy::from_rows(&[], &ceiling());
        let before = policy;
        for (name, value) in [
            ("max_file_bytes", serde_json::json!(0)),
            ("max_file_bytes", serde_json::json!(10_001)),
            ("max_file_bytes", serde_json::json!(-1)),
            ("max_file_bytes", serde_json::json!(1.5)),
            ("max_expiry_seconds", serde_json::json!(3599)),
            ("retention_days", serde_json::json!(29)),
            ("retention_days", serde_json::json!(3651)),
            ("who_may_share", serde_json::json!("nobody")),
            ("who_may_request", serde_json::json!(true)),
            ("api_keys", serde_json::json!(false)),
            ("api_keys", serde_json::json!("nobody")),
            ("colour", serde_json::json!("blue")),
        ] {
            let err = policy.set(name, &value, &ceiling()).unwrap_err();
            assert_eq!(err.code, "bad_policy", "{name} = {value}");
        }
        assert_eq!(policy, before);
        policy
            .set("retention_days", &serde_json::json!(30), &ceiling())
            .unwrap();
        assert_eq!(policy.retention_days, 30);
    }
}
