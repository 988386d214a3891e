//! The changes to shares, as statements for the sequencer: each commits with its access-log
//! event (`audit::commit`), and each is guarded on the state it was read in.

use serde_json::Value;

use super::{n, opt, t, Ended, FileRow, ShareRow, Sql};

/// A share being uploaded and not taken by the purge: the state every upload step needs.
const UPLOADING: &str = "EXISTS (SELECT 1 FROM shares WHERE id = ?1 AND state = 'uploading' AND purge_claimed_at IS NULL)";

/// Records a new share and its files, with the R2 multipart uploads already made for them.
pub fn insert_share(share: &ShareRow, files: &[FileRow], now: u64) -> Vec<Sql> {
    let mut statements = vec![Sql::new(
        "INSERT INTO shares (id, state, auth_key_hash, owner_token_hash, password, file_count, created_at, expires_at, max_downloads, owner_account)
         VALUES (?1, 'uploading', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        vec![
            t(&share.id),
            t(&share.auth_key_hash),
            t(&share.owner_token_hash),
            opt(share.password.as_deref()),
            n(files.len() as u64),
            n(now),
            n(share.expires_at),
            share.max_downloads.map_or(serde_json::Value::Null, n),
            opt(share.owner_account.as_deref()),
        ],
    )];
    for file in files {
        statements.push(Sql::new(
            "INSERT INTO files (share_id, j, header, metadata, payload_size, chunks_per_part, part_size, part_count, object_key, upload_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            vec![
                t(&share.id),
                n(file.j.into()),
                t(&file.header),
                t(&file.metadata),
                n(file.payload_size),
                n(file.chunks_per_part),
                n(file.part_size),
                n(file.part_count),
                t(&file.object_key),
                opt(file.upload_id.as_deref()),
            ],
        ));
    }
    statements
}

/// Records a file's content id once, while its share is still being uploaded (guarded).
pub fn complete_file(share_id: &str, j: u32, content_id: &str, now: u64) -> Sql {
    Sql::new(
        &format!(
            "UPDATE files SET content_id = ?3, completed_at = ?4
             WHERE share_id = ?1 AND j = ?2 AND content_id IS NULL AND {UPLOADING}"
        ),
        vec![t(share_id), n(j.into()), t(content_id), n(now)],
    )
}

/// Makes a share downloadable once every file is complete, only from the uploading state and
/// only if the purge has not taken it (guarded).
pub fn activate_share(share_id: &str, manifest: &str, now: u64) -> Sql {
    Sql::new(
        "UPDATE shares SET state = 'active', manifest = ?2, completed_at = ?3
         WHERE id = ?1 AND state = 'uploading' AND purge_claimed_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM files WHERE share_id = ?1 AND content_id IS NULL)",
        vec![t(share_id), t(manifest), n(now)],
    )
}

/// Revokes an active, unexpired share (guarded).
pub fn revoke(share_id: &str, now: u64) -> Sql {
    Sql::new(
        "UPDATE shares SET state = 'revoked', revoked_at = ?2 WHERE id = ?1 AND state = 'active' AND expires_at > ?2",
        vec![t(share_id), n(now)],
    )
}

/// Lifts a share's lock and forgets its failed proofs and the addresses they came from.
pub fn unlock(share_id: &str) -> Vec<Sql> {
    [
        "DELETE FROM proof_failures WHERE share_id = ?1",
        "DELETE FROM proof_failure_sources WHERE share_id = ?1",
        "UPDATE shares SET locked = 0, failed_proofs = 0 WHERE id = ?1",
    ]
    .iter()
    .map(|sql| Sql::new(sql, vec![t(share_id)]))
    .collect()
}

/// Removes every record of a share still being uploaded and not taken by the purge (its owner's
/// abort): each delete runs only while the share is so, the last is the guard.
pub fn delete_uploading_share(share_id: &str) -> Vec<Sql> {
    dropping_contents(
        share_id,
        "state = 'uploading' AND purge_claimed_at IS NULL",
        vec![],
        "DELETE FROM shares WHERE id = ?1 AND state = 'uploading' AND purge_claimed_at IS NULL",
        vec![],
    )
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
            t(&ended.stored_state),
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
        vec![t(&ended.stored_state), n(claimed_at)],
        "UPDATE shares SET state = 'purged', ended_as = ?4, purged_at = ?5, manifest = NULL
         WHERE id = ?1 AND state = ?2 AND purge_claimed_at = ?3",
        vec![t(&ended.reason), n(now)],
    )
}

/// The statements that delete a share's tickets, parts, files and failures while the share
/// meets `condition` (over ?1, the share, then `values`), then `last`, which also binds `more`.
fn dropping_contents(
    share_id: &str,
    condition: &str,
    values: Vec<Value>,
    last: &str,
    more: Vec<Value>,
) -> Vec<Sql> {
    let mut bound = vec![t(share_id)];
    bound.extend(values);
    let guard = format!("EXISTS (SELECT 1 FROM shares WHERE id = ?1 AND {condition})");
    let mut statements: Vec<Sql> = [
        "DELETE FROM tickets WHERE share_id = ?1",
        "DELETE FROM upload_parts WHERE object_key IN (SELECT object_key FROM files WHERE share_id = ?1)",
        "DELETE FROM files WHERE share_id = ?1",
        "DELETE FROM proof_failure_sources WHERE share_id = ?1",
    ]
    .iter()
    .map(|sql| Sql::new(&format!("{sql} AND {guard}"), bound.clone()))
    .collect();
    bound.extend(more);
    statements.push(Sql::new(last, bound));
    statements
}
