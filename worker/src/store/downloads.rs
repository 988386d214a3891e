//! The SQL of downloads: the grant that counts a download (guarded on the share's state and the
//! proof limits), the tickets it hands out, and what a wrong proof adds to the share's lock.

use serde::Deserialize;

use crate::rules::attempts::{Limits, LOCK_AFTER_ADDRESSES, LOCK_AFTER_FAILURES};
use crate::rules::error::ApiResult;
use crate::store::attempts::Guess;
use crate::store::sql::{n, t, Sql};
use crate::store::{num, text, Db};

#[derive(Debug, Deserialize)]
pub struct TicketRow {
    pub share_id: String,
    pub last_used_at: u64,
}

impl Db {
    pub async fn ticket(&self, ticket_hash: &str) -> ApiResult<Option<TicketRow>> {
        self.first(
            "SELECT share_id, last_used_at FROM tickets WHERE hash = ?1",
            &[text(ticket_hash)],
        )
        .await
    }

    pub async fn touch_ticket(&self, ticket_hash: &str, now: u64) -> ApiResult<()> {
        self.run(
            "UPDATE tickets SET last_used_at = ?2 WHERE hash = ?1",
            &[text(ticket_hash), num(now)],
        )
        .await
        .map(drop)
    }
}

/// Records a ticket, only if the statement before it (the grant's event) changed a row.
pub fn insert_ticket(share_id: &str, ticket_hash: &str, now: u64) -> Sql {
    Sql::new(
        "INSERT INTO tickets (hash, share_id, granted_at, last_used_at) SELECT ?2, ?1, ?3, ?3 WHERE changes() = 1",
        vec![t(share_id), t(ticket_hash), n(now)],
    )
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
