//! The SQL of the scheduled purge: which shares have ended and which request files were
//! abandoned, the guarded claims that take them before their storage is released, and the
//! statements that drop their records afterwards.

use serde::Deserialize;

use crate::rules::error::ApiResult;
use crate::rules::lifecycle::State;
use crate::store::requests::{remove_file, RequestFileRow};
use crate::store::shares::dropping_contents;
use crate::store::sql::{n, t, Sql};
use crate::store::{num, Db};

/// A share whose storage the purge releases, and why.
#[derive(Debug, Deserialize)]
pub struct Ended {
    pub id: String,
    pub stored_state: State,
    pub reason: Ending,
}

/// Why a share's storage may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ending {
    Expired,
    Exhausted,
    Revoked,
    Abandoned,
}

impl Ending {
    /// The reason as stored (`ended_as`) and logged.
    pub fn name(self) -> &'static str {
        match self {
            Ending::Expired => "expired",
            Ending::Exhausted => "exhausted",
            Ending::Revoked => "revoked",
            Ending::Abandoned => "abandoned",
        }
    }
}

impl Db {
    /// Up to `limit` shares whose storage may go: revoked ones, expired ones, used-up ones whose
    /// last ticket has expired, and uploads abandoned before `abandoned_before` (begun before it,
    /// and no part sent since: an upload being resumed is not abandoned).
    pub async fn ended(
        &self,
        now: u64,
        ticket_dead_before: u64,
        abandoned_before: u64,
        limit: u64,
    ) -> ApiResult<Vec<Ended>> {
        self.all(
            "SELECT id, state AS stored_state,
                    CASE WHEN state = 'revoked' THEN 'revoked'
                         WHEN state = 'uploading' THEN 'abandoned'
                         WHEN expires_at <= ?1 THEN 'expired'
                         ELSE 'exhausted' END AS reason
             FROM shares
             WHERE state = 'revoked'
                OR (state = 'uploading' AND created_at <= ?3
                    AND COALESCE((SELECT MAX(p.claimed_at) FROM upload_parts p JOIN files f ON f.object_key = p.object_key
                                  WHERE f.share_id = shares.id), 0) <= ?3)
                OR (state = 'active' AND (expires_at <= ?1
                    OR (max_downloads IS NOT NULL AND downloads >= max_downloads
                        AND COALESCE((SELECT MAX(last_used_at) FROM tickets WHERE share_id = shares.id), 0) <= ?2)))
             ORDER BY created_at LIMIT ?4",
            &[num(now), num(ticket_dead_before), num(abandoned_before), num(limit)],
        )
        .await
    }

    /// Up to `limit` request files left incomplete since before `abandoned_before`.
    pub async fn abandoned_request_files(
        &self,
        abandoned_before: u64,
        limit: u64,
    ) -> ApiResult<Vec<RequestFileRow>> {
        self.request_files_where(
            "content_id IS NULL AND created_at <= ?1 AND COALESCE((SELECT MAX(claimed_at) FROM upload_parts WHERE upload_parts.object_key = request_files.object_key), 0) <= ?1 ORDER BY created_at LIMIT ?2",
            &[num(abandoned_before), num(limit)],
        )
        .await
    }
}

/// Takes an ended share for the purge, only if it is still in the state it was found in and, if
/// being uploaded, still abandoned: no part since `abandoned_before` (guarded; run on its own
/// before any storage is released). A claim older than `stale_before` is from a run that died,
/// and is taken over.
pub fn claim_for_purge(ended: &Ended, now: u64, stale_before: u64, abandoned_before: u64) -> Sql {
    Sql::new(
        "UPDATE shares SET purge_claimed_at = ?3
         WHERE id = ?1 AND state = ?2 AND (purge_claimed_at IS NULL OR purge_claimed_at < ?4)
           AND (state <> 'uploading' OR COALESCE((SELECT MAX(p.claimed_at) FROM upload_parts p
                JOIN files f ON f.object_key = p.object_key WHERE f.share_id = ?1), 0) <= ?5)",
        vec![
            t(&ended.id),
            t(ended.stored_state.name()),
            n(now),
            n(stale_before),
            n(abandoned_before),
        ],
    )
}

/// Marks a share purged (keeping why) once its storage is gone, and drops its file, part, ticket
/// and failure records: only under this run's claim and from the state it was found in.
pub fn mark_purged(ended: &Ended, claimed_at: u64, now: u64) -> Vec<Sql> {
    dropping_contents(
        &ended.id,
        "state = ?2 AND purge_claimed_at = ?3",
        vec![t(ended.stored_state.name()), n(claimed_at)],
        "UPDATE shares SET state = 'purged', ended_as = ?4, purged_at = ?5, manifest = NULL
         WHERE id = ?1 AND state = ?2 AND purge_claimed_at = ?3",
        vec![t(ended.reason.name()), n(now)],
    )
}

/// Takes an abandoned file for the purge, only while it is still incomplete, unclaimed (or under
/// a claim older than `stale_before`) and without a part since `abandoned_before` (guarded; run
/// on its own before any storage is released). Completion is refused from then on.
pub fn claim_file_for_purge(
    file_id: &str,
    now: u64,
    stale_before: u64,
    abandoned_before: u64,
) -> Sql {
    Sql::new(
        "UPDATE request_files SET purge_claimed_at = ?2
         WHERE id = ?1 AND content_id IS NULL AND created_at <= ?4
           AND (purge_claimed_at IS NULL OR purge_claimed_at < ?3)
           AND COALESCE((SELECT MAX(claimed_at) FROM upload_parts WHERE object_key = request_files.object_key), 0) <= ?4",
        vec![t(file_id), n(now), n(stale_before), n(abandoned_before)],
    )
}

/// Removes the parts and record of a file the purge took at `claimed_at`, both only under that
/// claim; the record last, for a guarded change.
pub fn delete_claimed_file(file_id: &str, claimed_at: u64) -> Vec<Sql> {
    remove_file(
        file_id,
        " AND content_id IS NULL AND purge_claimed_at = ?2",
        vec![n(claimed_at)],
    )
}
