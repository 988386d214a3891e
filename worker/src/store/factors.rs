//! The SQL of the account key (unlock-factors.md): each account's generation of K and its wrapped
//! sk128 (columns of `accounts`), and its unlock factors. Every write here is a statement for a
//! guarded change: the guard is on the account's generation, so that two devices that rotate or
//! adopt at once cannot both win, and nothing the server stores is ever wrapped under two keys.

use serde::Deserialize;

use crate::rules::error::ApiResult;
use crate::store::sql::{n, t, Sql};
use crate::store::{text, Db};

/// An unlock factor as stored. Its `wrapped_k` is at the account's current generation.
#[derive(Debug, Deserialize)]
pub struct FactorRow {
    pub id: String,
    pub kind: String,
    pub label: String,
    pub wrapped_k: String,
    pub created_at: u64,
    pub last_used_at: Option<u64>,
}

/// A factor to write: the id the client drew and K wrapped under it. Checked by the handler.
pub struct NewFactor<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub label: &'a str,
    pub wrapped_k: &'a str,
}

impl Db {
    /// The account's factors, oldest first.
    pub async fn factors(&self, account_id: &str) -> ApiResult<Vec<FactorRow>> {
        self.all(
            "SELECT id, kind, label, wrapped_k, created_at, last_used_at FROM account_factors
             WHERE account_id = ?1 ORDER BY created_at, id",
            &[text(account_id)],
        )
        .await
    }
}

/// Adds a factor, only if the statement before changed a row (the event of the change that makes
/// it).
pub fn insert_factor(account_id: &str, factor: &NewFactor, now: u64) -> Sql {
    Sql::new(
        "INSERT INTO account_factors (account_id, id, kind, label, wrapped_k, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE changes() = 1",
        vec![
            t(account_id),
            t(factor.id),
            t(factor.kind),
            t(factor.label),
            t(factor.wrapped_k),
            n(now),
        ],
    )
}

/// A v1 account adopts its vault key as K at generation 0, for a guarded change: only while it
/// has no K yet and is enabled. Its password factor follows the event ([`insert_factor`]).
pub fn adopt_key(account_id: &str, wrapped_sk128: &str) -> Sql {
    Sql::new(
        "UPDATE accounts SET key_generation = 0, wrapped_sk128 = ?2
         WHERE id = ?1 AND key_generation IS NULL AND disabled_at IS NULL",
        vec![t(account_id), t(wrapped_sk128)],
    )
}

/// What a rotation writes beside the password factor (unlock-factors.md, Rotating K): sk and
/// sk128 under K', and every request secret and every other factor's K' (ids distinct).
pub struct RotationSql<'a> {
    pub wrapped_sk: &'a str,
    pub wrapped_sk128: &'a str,
    pub requests: &'a [(String, String)],
    pub factors: &'a [(String, String)],
}

/// A password change, for a guarded change: the new salt and login key's hash, only if the
/// current login key still matches, the account is enabled, has a password factor and is still
/// at `generation`. With a rotation, also sk and sk128 under K' and the generation moved on, only
/// if the account's requests and its other factors are exactly those listed; then each statement
/// of [`after_password_change`] changes exactly one row.
pub fn change_password(
    account_id: &str,
    old_hash: &str,
    new_salt: &str,
    new_hash: &str,
    generation: u32,
    rotation: Option<&RotationSql>,
) -> Sql {
    let ids = |pairs: &[(String, String)]| {
        serde_json::to_string(&pairs.iter().map(|(id, _)| id).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let (next, wrapped_sk, wrapped_sk128, requests, factors) = match rotation {
        None => (generation, None, None, None, None),
        Some(r) => (
            generation + 1,
            Some(r.wrapped_sk),
            Some(r.wrapped_sk128),
            Some((ids(r.requests), r.requests.len())),
            Some((ids(r.factors), r.factors.len())),
        ),
    };
    let listed = |l: Option<(String, usize)>| {
        l.map_or((serde_json::Value::Null, n(0)), |(ids, count)| {
            (t(&ids), n(count as u64))
        })
    };
    let (request_ids, request_count) = listed(requests);
    let (factor_ids, factor_count) = listed(factors);
    Sql::new(
        "UPDATE accounts SET salt = ?3, login_hash = ?4, key_generation = ?6,
                wrapped_sk = COALESCE(?7, wrapped_sk), wrapped_sk128 = COALESCE(?8, wrapped_sk128)
         WHERE id = ?1 AND login_hash = ?2 AND disabled_at IS NULL AND key_generation = ?5
           AND EXISTS (SELECT 1 FROM account_factors WHERE account_id = ?1 AND kind = 'password')
           AND (?9 IS NULL OR (
                 (SELECT COUNT(*) FROM requests WHERE owner_account = ?1) = ?10
             AND (SELECT COUNT(*) FROM requests WHERE owner_account = ?1
                    AND id IN (SELECT value FROM json_each(?9))) = ?10))
           AND (?11 IS NULL OR (
                 (SELECT COUNT(*) FROM account_factors WHERE account_id = ?1 AND kind != 'password') = ?12
             AND (SELECT COUNT(*) FROM account_factors WHERE account_id = ?1 AND kind != 'password'
                    AND id IN (SELECT value FROM json_each(?11))) = ?12))",
        vec![
            t(account_id),
            t(old_hash),
            t(new_salt),
            t(new_hash),
            n(u64::from(generation)),
            n(u64::from(next)),
            wrapped_sk.map_or(serde_json::Value::Null, t),
            wrapped_sk128.map_or(serde_json::Value::Null, t),
            request_ids,
            request_count,
            factor_ids,
            factor_count,
        ],
    )
}

/// What follows a password change's event, each only if the statement before changed a row: the
/// password factor replaced, and with a rotation every request secret and other factor under K'.
pub fn after_password_change(
    account_id: &str,
    password: &NewFactor,
    rotation: Option<&RotationSql>,
    now: u64,
) -> Vec<Sql> {
    let mut after = vec![Sql::new(
        "UPDATE account_factors SET id = ?2, label = ?3, wrapped_k = ?4, created_at = ?5, last_used_at = NULL
         WHERE account_id = ?1 AND kind = 'password' AND changes() = 1",
        vec![
            t(account_id),
            t(password.id),
            t(password.label),
            t(password.wrapped_k),
            n(now),
        ],
    )];
    if let Some(r) = rotation {
        after.extend(r.requests.iter().map(|(id, wrapped)| {
            Sql::new(
                "UPDATE requests SET wrapped_rs = ?3 WHERE id = ?2 AND owner_account = ?1 AND changes() = 1",
                vec![t(account_id), t(id), t(wrapped)],
            )
        }));
        after.extend(r.factors.iter().map(|(id, wrapped)| {
            Sql::new(
                "UPDATE account_factors SET wrapped_k = ?3
                 WHERE account_id = ?1 AND id = ?2 AND kind != 'password' AND changes() = 1",
                vec![t(account_id), t(id), t(wrapped)],
            )
        }));
    }
    after
}

/// Marks the password factor used at a sign-in, only if the statement before (the session) was
/// written.
pub fn touch_password_factor(account_id: &str, now: u64) -> Sql {
    Sql::new(
        "UPDATE account_factors SET last_used_at = ?2
         WHERE account_id = ?1 AND kind = 'password' AND changes() = 1",
        vec![t(account_id), n(now)],
    )
}
