//! The SQL of API keys. A key is found by the hash of what the caller presents (an index lookup on
//! the hash of 256 random bits, which a timing cannot use), and answered for only while its
//! account is enabled.

use serde::Deserialize;

use crate::rules::error::ApiResult;
use crate::rules::staff::Role;
use crate::store::sql::{n, t, Sql};
use crate::store::{num, text, Db};

/// A key as stored, with its account's email (for admins) and role.
#[derive(Debug, Deserialize)]
pub struct ApiKeyRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub scopes: String,
    pub created_at: u64,
    pub expires_at: u64,
    pub last_used_at: Option<u64>,
    pub revoked_at: Option<u64>,
    pub owner_email: String,
    pub owner_role: Role,
    pub owner_disabled_at: Option<u64>,
}

const COLUMNS: &str = "k.id, k.account_id, k.name, k.scopes, k.created_at, k.expires_at, k.last_used_at, k.revoked_at,
     a.email AS owner_email, a.role AS owner_role, a.disabled_at AS owner_disabled_at";

/// A key to record; its hash is the caller's, the key itself is never stored.
pub struct NewApiKey<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub name: &'a str,
    pub scopes: &'a str,
    pub key_hash: &'a str,
    pub created_at: u64,
    pub expires_at: u64,
}

impl Db {
    /// The key whose hash this is, in whatever state; the caller decides what its state allows.
    pub async fn api_key_by_hash(&self, key_hash: &str) -> ApiResult<Option<ApiKeyRow>> {
        self.first(
            &format!(
                "SELECT {COLUMNS} FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.key_hash = ?1"
            ),
            &[text(key_hash)],
        )
        .await
    }

    /// An account's keys, newest first.
    pub async fn api_keys_of(&self, account_id: &str) -> ApiResult<Vec<ApiKeyRow>> {
        self.all(
            &format!(
                "SELECT {COLUMNS} FROM api_keys k JOIN accounts a ON a.id = k.account_id
                 WHERE k.account_id = ?1 ORDER BY k.created_at DESC, k.id"
            ),
            &[text(account_id)],
        )
        .await
    }

    /// Every key that has not been revoked, or was revoked in the last `since` ms, newest first
    /// (admins).
    pub async fn all_api_keys(&self, since: u64) -> ApiResult<Vec<ApiKeyRow>> {
        self.all(
            &format!(
                "SELECT {COLUMNS} FROM api_keys k JOIN accounts a ON a.id = k.account_id
                 WHERE k.revoked_at IS NULL OR k.revoked_at >= ?1 ORDER BY k.created_at DESC, k.id"
            ),
            &[num(since)],
        )
        .await
    }
}

/// Records a key, for a guarded change: only while its account is enabled and has no live key of
/// that name.
pub fn insert_api_key(key: &NewApiKey) -> Sql {
    Sql::new(
        "INSERT INTO api_keys (id, account_id, name, scopes, key_hash, created_at, expires_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
         WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?2 AND disabled_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM api_keys WHERE account_id = ?2 AND name = ?3 AND revoked_at IS NULL)",
        vec![
            t(key.id),
            t(key.account_id),
            t(key.name),
            t(key.scopes),
            t(key.key_hash),
            n(key.created_at),
            n(key.expires_at),
        ],
    )
}

/// Revokes a key, for a guarded change: only one not revoked yet, and with `owner` only a key of
/// that account (a staff member's own); admins pass none.
pub fn revoke_api_key(id: &str, owner: Option<&str>, by: &str, now: u64) -> Sql {
    Sql::new(
        "UPDATE api_keys SET revoked_at = ?3, revoked_by = ?4
         WHERE id = ?1 AND revoked_at IS NULL AND (?2 IS NULL OR account_id = ?2)",
        vec![
            t(id),
            owner.map_or(serde_json::Value::Null, t),
            n(now),
            t(by),
        ],
    )
}

/// Marks a key used now, at most once a `every` ms.
pub fn touch_api_key(id: &str, now: u64, every: u64) -> Sql {
    Sql::new(
        "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)",
        vec![t(id), n(now), n(now.saturating_sub(every))],
    )
}
