//! The SQL of the guessing limits (`attempts.rs`): failures recorded only while under every
//! limit, grants guarded on the same counts, and the counts read back for messages.

use serde_json::Value;

use super::{n, t, Db, Sql};
use crate::attempts::{
    too_many, Limits, Recent, LOCK_AFTER_ADDRESSES, LOCK_AFTER_FAILURES, PROOFS, SIGN_INS,
};
use crate::error::{ApiError, ApiResult};

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
    fn room(self) -> String {
        let (table, target) = (self.table(), self.target());
        format!(
            "(SELECT COUNT(*) FROM {table} WHERE {target} = ?1 AND client = ?2 AND at > ?4) < ?5
             AND (SELECT COUNT(*) FROM {table} WHERE client = ?2 AND at > ?4) < ?6
             AND (SELECT COUNT(*) FROM {table} WHERE {target} = ?1 AND at > ?4) < ?7"
        )
    }

    /// ?1 to ?7 of [`Guess::room`], with ?3 the time.
    fn values(target: &str, address: &str, now: u64, limits: &Limits) -> Vec<Value> {
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

/// A recorded failed proof also counts against the share's lock: this follows
/// [`Guess::failure`] and changes the share only if the failure was recorded. Locking needs
/// failures from several addresses.
pub fn count_against_lock(share_id: &str, address: &str) -> Sql {
    Sql::new(
        "UPDATE shares SET failed_proofs = failed_proofs + 1,
                locked = CASE WHEN failed_proofs + 1 >= ?3
                  AND (SELECT COUNT(*) FROM proof_failure_sources WHERE share_id = ?1 AND client != ?2) + 1 >= ?4
                  THEN 1 ELSE locked END
         WHERE id = ?1 AND changes() = 1",
        vec![t(share_id), t(address), n(LOCK_AFTER_FAILURES), n(LOCK_AFTER_ADDRESSES)],
    )
}

/// Remembers that this address failed against the share since its last unlock, only if the
/// statement before (the failure's event) was written.
pub fn remember_source(share_id: &str, address: &str) -> Sql {
    Sql::new(
        "INSERT OR IGNORE INTO proof_failure_sources (share_id, client) SELECT ?1, ?2 WHERE changes() = 1",
        vec![t(share_id), t(address)],
    )
}

/// Counts one download, only if the share is active, unexpired, unlocked, has a download left
/// and this address is under the proof limits at that moment. The grant's event and its ticket
/// follow it in one batch, each only if the one before changed a row; D1 runs writes one at a
/// time, so concurrent proofs for the last download get one ticket.
pub fn count_download(share_id: &str, address: &str, now: u64, limits: &Limits) -> Sql {
    Sql::new(
        &format!(
            "UPDATE shares SET downloads = downloads + 1
             WHERE id = ?1 AND state = 'active' AND expires_at > ?3 AND locked = 0
               AND (max_downloads IS NULL OR downloads < max_downloads) AND {}",
            Guess::Proof.room()
        ),
        Guess::values(share_id, address, now, limits),
    )
}

/// Opens a session, only while this address is under the sign-in limits for this email.
pub fn open_session(
    email: &str,
    address: &str,
    now: u64,
    limits: &Limits,
    token_hash: &str,
    account_id: &str,
    expires_at: u64,
) -> Vec<Sql> {
    let mut values = Guess::values(email, address, now, limits);
    values.extend([t(token_hash), t(account_id), n(expires_at)]);
    vec![
        // Sessions that ended are dropped as new ones begin, so the table stays small.
        Sql::new(
            "DELETE FROM sessions WHERE account_id = ?1 AND expires_at <= ?2",
            vec![t(account_id), n(now)],
        ),
        Sql::new(
            &format!(
                "INSERT INTO sessions (token_hash, account_id, created_at, expires_at)
                 SELECT ?8, ?9, ?3, ?10 WHERE {}",
                Guess::SignIn.room()
            ),
            values,
        ),
    ]
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
            .first(
                &sql,
                &[super::text(target), super::text(address), super::num(since)],
            )
            .await?;
        Ok(row.unwrap_or_default())
    }
}
