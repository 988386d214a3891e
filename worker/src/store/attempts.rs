//! The SQL of the guessing limits (`rules::attempts`): failures recorded only while under every
//! limit, the condition that grants (a download, a session) are guarded on, and the counts read
//! back for messages.

use serde_json::Value;

use crate::rules::attempts::{too_many, Limits, Recent, PROOFS, SIGN_INS};
use crate::rules::error::{ApiError, ApiResult};
use crate::store::sql::{n, t, Sql};
use crate::store::{num, text, Db};

/// What is guessed: a share's key (failures by share id) or a password (failures by email).
#[derive(Clone, Copy, Debug)]
pub enum Guess {
    Proof,
    SignIn,
}

impl Guess {
    fn table(self) -> &'static str {
        match self {
            Guess::Proof => "proof_failures",
            Guess::SignIn => "sign_in_failures",
        }
    }

    /// The limits of this kind of guess.
    pub fn limits(self) -> &'static Limits {
        match self {
            Guess::Proof => &PROOFS,
            Guess::SignIn => &SIGN_INS,
        }
    }

    /// What its 429 says was too many.
    pub fn what(self) -> &'static str {
        match self {
            Guess::Proof => "Too many wrong tries",
            Guess::SignIn => "Too many failed sign-ins",
        }
    }

    fn target(self) -> &'static str {
        match self {
            Guess::Proof => "share_id",
            Guess::SignIn => "email",
        }
    }

    /// The condition "under every limit", over the values ?1 target, ?2 address, ?4 window
    /// start and ?5, ?6, ?7 the limits (per target and address, per address, per target).
    pub(super) fn room(self) -> String {
        let (table, target) = (self.table(), self.target());
        format!(
            "(SELECT COUNT(*) FROM {table} WHERE {target} = ?1 AND client = ?2 AND at > ?4) < ?5
             AND (SELECT COUNT(*) FROM {table} WHERE client = ?2 AND at > ?4) < ?6
             AND (SELECT COUNT(*) FROM {table} WHERE {target} = ?1 AND at > ?4) < ?7"
        )
    }

    /// ?1 to ?7 of [`Guess::room`], with ?3 the time.
    pub(super) fn values(target: &str, address: &str, now: u64, limits: &Limits) -> Vec<Value> {
        vec![
            t(target),
            t(address),
            n(now),
            n(now.saturating_sub(limits.window_ms)),
            n(limits.per_target_and_address),
            n(limits.per_address),
            n(limits.per_target),
        ]
    }

    /// Records one failure, only while under every limit (then it is the last statement, and
    /// changes a row); older failures are forgotten on the way.
    pub fn failure(self, target: &str, address: &str, now: u64, limits: &Limits) -> Vec<Sql> {
        let table = self.table();
        vec![
            Sql::new(
                &format!("DELETE FROM {table} WHERE at <= ?1"),
                vec![n(now.saturating_sub(limits.window_ms))],
            ),
            Sql::new(
                &format!(
                    "INSERT INTO {table} ({}, client, at) SELECT ?1, ?2, ?3 WHERE {}",
                    self.target(),
                    self.room()
                ),
                Self::values(target, address, now, limits),
            ),
        ]
    }
}

impl Db {
    /// The 429 of an address that a guarded statement found over a limit, with the time it may
    /// try again read now (a full window from now if the counts have moved on meanwhile).
    pub async fn held(&self, guess: Guess, target: &str, address: &str, now: u64) -> ApiError {
        let limits = guess.limits();
        match self.recent(guess, target, address, now, limits).await {
            Ok(recent) => too_many(
                guess.what(),
                recent
                    .held_until(limits, now)
                    .unwrap_or(now + limits.window_ms),
                now,
            ),
            Err(err) => err,
        }
    }

    /// The failures within the window for this target and address.
    pub async fn recent(
        &self,
        guess: Guess,
        target: &str,
        address: &str,
        now: u64,
        limits: &Limits,
    ) -> ApiResult<Recent> {
        let (table, col) = (guess.table(), guess.target());
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM {table} WHERE {col} = ?1 AND client = ?2 AND at > ?3) AS mine,
                    (SELECT MIN(at) FROM {table} WHERE {col} = ?1 AND client = ?2 AND at > ?3) AS mine_oldest,
                    (SELECT COUNT(*) FROM {table} WHERE client = ?2 AND at > ?3) AS address,
                    (SELECT MIN(at) FROM {table} WHERE client = ?2 AND at > ?3) AS address_oldest,
                    (SELECT COUNT(*) FROM {table} WHERE {col} = ?1 AND at > ?3) AS target,
                    (SELECT MIN(at) FROM {table} WHERE {col} = ?1 AND at > ?3) AS target_oldest"
        );
        let since = now.saturating_sub(limits.window_ms);
        let row: Option<Recent> = self
            .first(&sql, &[text(target), text(address), num(since)])
            .await?;
        Ok(row.unwrap_or_default())
    }
}
