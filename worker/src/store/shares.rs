//! The SQL of shares and their files: reads run here; changes are statements as data for the
//! sequencer, each committed with its access-log event and each guarded on the state it was
//! read in.

use serde::Deserialize;
use serde_json::Value;

use crate::rules::error::ApiResult;
use crate::rules::lifecycle::{ShareLife, State};
use crate::store::sql::{n, opt, t, Sql};
use crate::store::{flag, num, text, Db};

/// A share row as the API needs it.
#[derive(Debug, Deserialize)]
pub struct ShareRow {
    pub id: String,
    /// The stored state; what it means at a given time is `ShareRow::state_at`.
    pub state: State,
    pub auth_key_hash: String,
    pub owner_token_hash: String,
    pub password: Option<String>,
    pub manifest: Option<String>,
    pub created_at: u64,
    pub expires_at: u64,
    pub max_downloads: Option<u64>,
    pub downloads: u64,
    pub file_count: u64,
    #[serde(deserialize_with = "flag")]
    pub locked: bool,
    pub failed_proofs: u64,
    /// The latest use of any of the share's tickets.
    pub last_ticket_use: Option<u64>,
    /// The account that made it (none for shares from before accounts).
    pub owner_account: Option<String>,
    /// Whether that account is disabled now: its uploads stop with its sessions.
    #[serde(deserialize_with = "flag")]
    pub owner_disabled: bool,
    /// The sum of its files' payload sizes.
    pub payload_bytes: u64,
    /// The owner's email, for admins' lists.
    pub owner_email: Option<String>,
    /// When the purge took the share to release its storage; nothing may complete it after.
    pub purge_claimed_at: Option<u64>,
    /// The addresses failed proofs came from since the last unlock.
    #[serde(default)]
    pub failing_addresses: u64,
}

impl ShareRow {
    fn life(&self) -> ShareLife {
        ShareLife {
            stored: self.state,
            expires_at: self.expires_at,
            max_downloads: self.max_downloads,
            downloads: self.downloads,
            last_ticket_use: self.last_ticket_use,
        }
    }

    /// The state at `now` (`ShareLife::state_at`).
    pub fn state_at(&self, now: u64) -> State {
        self.life().state_at(now)
    }

    /// The state a new proof meets (`ShareLife::state_for_proof`).
    pub fn state_for_proof(&self, now: u64) -> State {
        self.life().state_for_proof(now)
    }
}

/// A share to record: what its creator chose and the hashes of its secrets.
pub struct NewShare {
    pub id: String,
    pub auth_key_hash: String,
    pub owner_token_hash: String,
    pub password: Option<String>,
    pub expires_at: u64,
    pub max_downloads: Option<u64>,
    pub owner_account: String,
}

/// A file of a share to record, with the R2 multipart upload already made for it.
pub struct NewShareFile {
    pub j: u32,
    pub header: String,
    pub metadata: String,
    pub payload_size: u64,
    pub chunks_per_part: u64,
    pub part_size: u64,
    pub part_count: u64,
    pub object_key: String,
    pub upload_id: Option<String>,
}

const SHARE_COLUMNS: &str =
    "id, state, auth_key_hash, owner_token_hash, password, manifest, created_at, expires_at, \
    max_downloads, downloads, file_count, locked, failed_proofs, \
    (SELECT MAX(last_used_at) FROM tickets WHERE share_id = shares.id) AS last_ticket_use, owner_account, \
    (SELECT disabled_at IS NOT NULL FROM accounts WHERE id = shares.owner_account) AS owner_disabled, \
    (SELECT COALESCE(SUM(payload_size), 0) FROM files WHERE share_id = shares.id) AS payload_bytes, \
    (SELECT email FROM accounts WHERE id = shares.owner_account) AS owner_email, purge_claimed_at, \
    (SELECT COUNT(*) FROM proof_failure_sources WHERE share_id = shares.id) AS failing_addresses";

/// A file row.
#[derive(Debug, Deserialize)]
pub struct FileRow {
    pub j: u32,
    pub header: String,
    pub metadata: String,
    pub payload_size: u64,
    pub chunks_per_part: u64,
    pub part_size: u64,
    pub part_count: u64,
    pub object_key: String,
    pub upload_id: Option<String>,
    pub content_id: Option<String>,
}

impl Db {
    pub async fn share(&self, id: &str) -> ApiResult<Option<ShareRow>> {
        self.first(
            &format!("SELECT {SHARE_COLUMNS} FROM shares WHERE id = ?1"),
            &[text(id)],
        )
        .await
    }

    /// An account's shares, newest first; with `None`, everyone's (for admins).
    pub async fn shares_of(&self, account_id: Option<&str>) -> ApiResult<Vec<ShareRow>> {
        match account_id {
            Some(id) => {
                self.all(
                    &format!("SELECT {SHARE_COLUMNS} FROM shares WHERE owner_account = ?1 ORDER BY created_at DESC"),
                    &[text(id)],
                )
                .await
            }
            None => {
                self.all(
                    &format!("SELECT {SHARE_COLUMNS} FROM shares ORDER BY created_at DESC LIMIT 1000"),
                    &[],
                )
                .await
            }
        }
    }

    pub async fn file(&self, share_id: &str, j: u32) -> ApiResult<Option<FileRow>> {
        self.first(
            "SELECT j, header, metadata, payload_size, chunks_per_part, part_size, part_count, object_key, upload_id, content_id
             FROM files WHERE share_id = ?1 AND j = ?2",
            &[text(share_id), num(j.into())],
        )
        .await
    }

    pub async fn files(&self, share_id: &str) -> ApiResult<Vec<FileRow>> {
        self.all(
            "SELECT j, header, metadata, payload_size, chunks_per_part, part_size, part_count, object_key, upload_id, content_id
             FROM files WHERE share_id = ?1 ORDER BY j",
            &[text(share_id)],
        )
        .await
    }
}

/// A share being uploaded and not taken by the purge: the state every upload step needs.
const UPLOADING: &str = "EXISTS (SELECT 1 FROM shares WHERE id = ?1 AND state = 'uploading' AND purge_claimed_at IS NULL)";

/// Records a new share and its files, with the R2 multipart uploads already made for them.
pub fn insert_share(share: &NewShare, files: &[NewShareFile], now: u64) -> Vec<Sql> {
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
            t(&share.owner_account),
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

/// The statements that delete a share's tickets, parts, files and failures while the share
/// meets `condition` (over ?1, the share, then `values`), then `last`, which also binds `more`.
pub(super) fn dropping_contents(
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
