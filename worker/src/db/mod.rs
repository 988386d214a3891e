//! Every SQL statement of the worker, parameterised, over the D1 binding `DB`.
//!
//! Multi-row changes go through `batch`, which D1 runs as one transaction: a refusal or a
//! failure never leaves half of them written.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result, Env};

use crate::error::{ApiError, ApiResult};

mod accounts;
pub mod attempts;
mod audit;
mod console;
mod requests;
mod sql;

pub use accounts::{AccountRow, Created, InviteRow};
pub use audit::{remove_through, CheckpointRow, Entry, EventFilter, EventRow, Order, Scope};
pub use console::set_policy;
pub use requests::{RequestFileRow, RequestRow};
pub use sql::{n, opt, t, Outcome, Sql};

pub struct Db(D1Database);

/// A share row as the API needs it.
#[derive(Debug, Deserialize)]
pub struct ShareRow {
    pub id: String,
    /// The stored state; what it means at a given time is `ShareRow::state_at`.
    pub state: String,
    pub auth_key_hash: String,
    pub owner_token_hash: String,
    pub password: Option<String>,
    pub manifest: Option<String>,
    pub created_at: u64,
    pub expires_at: u64,
    pub max_downloads: Option<u64>,
    pub downloads: u64,
    pub file_count: u64,
    pub locked: u8,
    pub failed_proofs: u64,
    /// The latest use of any of the share's tickets.
    pub last_ticket_use: Option<u64>,
    /// The account that made it (none for shares from before accounts).
    pub owner_account: Option<String>,
    /// Whether that account is disabled now: its uploads stop with its sessions.
    pub owner_disabled: Option<u8>,
    /// The sum of its files' payload sizes.
    pub payload_bytes: u64,
    /// The owner's email, for admins' lists.
    pub owner_email: Option<String>,
}

/// A share whose storage the purge releases, and why.
#[derive(Debug, Deserialize)]
pub struct Ended {
    pub id: String,
    pub stored_state: String,
    /// expired, exhausted, revoked or abandoned.
    pub reason: String,
}

const SHARE_COLUMNS: &str =
    "id, state, auth_key_hash, owner_token_hash, password, manifest, created_at, expires_at, \
    max_downloads, downloads, file_count, locked, failed_proofs, \
    (SELECT MAX(last_used_at) FROM tickets WHERE share_id = shares.id) AS last_ticket_use, owner_account, \
    (SELECT disabled_at IS NOT NULL FROM accounts WHERE id = shares.owner_account) AS owner_disabled, \
    (SELECT COALESCE(SUM(payload_size), 0) FROM files WHERE share_id = shares.id) AS payload_bytes, \
    (SELECT email FROM accounts WHERE id = shares.owner_account) AS owner_email";

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

#[derive(Debug, Deserialize)]
pub struct PartRow {
    pub n: u64,
    pub size: u64,
    pub blake3: String,
    pub etag: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TicketRow {
    pub share_id: String,
    pub last_used_at: u64,
}

/// What a part upload found when it tried to reserve its number.
pub enum Claim {
    /// The part is ours to store.
    Claimed,
    /// Another request stored it already.
    Stored,
    /// Another request is storing it right now.
    InProgress,
}

/// A claim on a part that is still unconfirmed after this long is taken to be from a request
/// that died, and may be taken over.
const STALE_CLAIM_MS: u64 = 10 * 60 * 1000;
/// The same bytes (the same BLAKE3) sent again after this long are the uploader's retry of a
/// request that died (a server restart ends every request in flight; issue 7): the retry takes
/// the claim over at once instead of waiting [`STALE_CLAIM_MS`]. Were the first request still
/// alive, both would store identical bytes under the same part number.
const RETRY_TAKEOVER_MS: u64 = 20 * 1000;

fn num(value: u64) -> JsValue {
    // Every number stored is below 2^53 (sizes are capped far lower), so this is exact.
    JsValue::from_f64(value as f64)
}

fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

fn changes(result: &D1Result) -> usize {
    result
        .meta()
        .ok()
        .flatten()
        .and_then(|m| m.changes)
        .unwrap_or(0)
}

impl Db {
    pub fn from_env(env: &Env) -> ApiResult<Self> {
        env.d1("DB").map(Db).map_err(ApiError::database)
    }

    fn statement(&self, sql: &str, values: &[JsValue]) -> ApiResult<D1PreparedStatement> {
        self.0.prepare(sql).bind(values).map_err(ApiError::database)
    }

    async fn batch(&self, statements: Vec<D1PreparedStatement>) -> ApiResult<Vec<D1Result>> {
        self.0.batch(statements).await.map_err(ApiError::database)
    }

    async fn first<T: for<'de> Deserialize<'de>>(
        &self,
        sql: &str,
        values: &[JsValue],
    ) -> ApiResult<Option<T>> {
        self.statement(sql, values)?
            .first(None)
            .await
            .map_err(ApiError::database)
    }

    async fn all<T: for<'de> Deserialize<'de>>(
        &self,
        sql: &str,
        values: &[JsValue],
    ) -> ApiResult<Vec<T>> {
        let result = self
            .statement(sql, values)?
            .all()
            .await
            .map_err(ApiError::database)?;
        result.results().map_err(ApiError::database)
    }

    async fn run(&self, sql: &str, values: &[JsValue]) -> ApiResult<usize> {
        let result = self
            .statement(sql, values)?
            .run()
            .await
            .map_err(ApiError::database)?;
        Ok(changes(&result))
    }

    /// Records a new share and its files in one transaction, before any storage exists for it.
    pub async fn insert_share(
        &self,
        share: &ShareRow,
        files: &[FileRow],
        now: u64,
    ) -> ApiResult<()> {
        let mut statements = vec![self.statement(
            "INSERT INTO shares (id, state, auth_key_hash, owner_token_hash, password, file_count, created_at, expires_at, max_downloads, owner_account)
             VALUES (?1, 'uploading', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            &[
                text(&share.id),
                text(&share.auth_key_hash),
                text(&share.owner_token_hash),
                share.password.as_deref().map_or(JsValue::NULL, text),
                num(files.len() as u64),
                num(now),
                num(share.expires_at),
                share.max_downloads.map_or(JsValue::NULL, num),
                share.owner_account.as_deref().map_or(JsValue::NULL, text),
            ],
        )?];
        for file in files {
            statements.push(self.statement(
                "INSERT INTO files (share_id, j, header, metadata, payload_size, chunks_per_part, part_size, part_count, object_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                &[
                    text(&share.id),
                    num(file.j.into()),
                    text(&file.header),
                    text(&file.metadata),
                    num(file.payload_size),
                    num(file.chunks_per_part),
                    num(file.part_size),
                    num(file.part_count),
                    text(&file.object_key),
                ],
            )?);
        }
        self.batch(statements).await.map(drop)
    }

    pub async fn set_upload_ids(
        &self,
        share_id: &str,
        upload_ids: &[(u32, String)],
    ) -> ApiResult<()> {
        let statements = upload_ids
            .iter()
            .map(|(j, upload_id)| {
                self.statement(
                    "UPDATE files SET upload_id = ?3 WHERE share_id = ?1 AND j = ?2",
                    &[text(share_id), num((*j).into()), text(upload_id)],
                )
            })
            .collect::<ApiResult<Vec<_>>>()?;
        self.batch(statements).await.map(drop)
    }

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

    /// The parts recorded for the object `object_key` (a share file's or a request file's).
    pub async fn parts(&self, object_key: &str) -> ApiResult<Vec<PartRow>> {
        self.all(
            "SELECT n, size, blake3, etag FROM upload_parts WHERE object_key = ?1 ORDER BY n",
            &[text(object_key)],
        )
        .await
    }

    /// Reserves part `n` for one request, so that two uploads of the same part never race in
    /// storage. A claim left unconfirmed for [`STALE_CLAIM_MS`] is taken over, or after
    /// [`RETRY_TAKEOVER_MS`] by the same bytes again.
    pub async fn claim_part(
        &self,
        object_key: &str,
        n: u64,
        size: u64,
        blake3: &str,
        now: u64,
    ) -> ApiResult<Claim> {
        let claimed = self
            .run(
                "INSERT INTO upload_parts (object_key, n, size, blake3, etag, claimed_at) VALUES (?1, ?2, ?3, ?4, NULL, ?5)
                 ON CONFLICT (object_key, n) DO UPDATE SET size = excluded.size, blake3 = excluded.blake3, claimed_at = excluded.claimed_at
                 WHERE upload_parts.etag IS NULL AND (upload_parts.claimed_at < ?6
                   OR (upload_parts.blake3 = excluded.blake3 AND upload_parts.claimed_at < ?7))",
                &[
                    text(object_key),
                    num(n),
                    num(size),
                    text(blake3),
                    num(now),
                    num(now.saturating_sub(STALE_CLAIM_MS)),
                    num(now.saturating_sub(RETRY_TAKEOVER_MS)),
                ],
            )
            .await?;
        if claimed == 1 {
            return Ok(Claim::Claimed);
        }
        let stored: Option<PartRow> = self
            .first(
                "SELECT n, size, blake3, etag FROM upload_parts WHERE object_key = ?1 AND n = ?2",
                &[text(object_key), num(n)],
            )
            .await?;
        Ok(match stored.and_then(|p| p.etag) {
            Some(_) => Claim::Stored,
            None => Claim::InProgress,
        })
    }

    /// Gives up a claim whose bytes did not reach storage, so that a retry may store them.
    pub async fn release_part(&self, object_key: &str, n: u64, now: u64) -> ApiResult<()> {
        self.run(
            "DELETE FROM upload_parts WHERE object_key = ?1 AND n = ?2 AND etag IS NULL AND claimed_at = ?3",
            &[text(object_key), num(n), num(now)],
        )
        .await
        .map(drop)
    }

    pub async fn confirm_part(&self, object_key: &str, n: u64, etag: &str) -> ApiResult<()> {
        self.run(
            "UPDATE upload_parts SET etag = ?3 WHERE object_key = ?1 AND n = ?2",
            &[text(object_key), num(n), text(etag)],
        )
        .await
        .map(drop)
    }

    /// Records a file's content id once; false when it was already complete.
    pub async fn complete_file(
        &self,
        share_id: &str,
        j: u32,
        content_id: &str,
        now: u64,
    ) -> ApiResult<bool> {
        let changed = self
            .run(
                "UPDATE files SET content_id = ?3, completed_at = ?4 WHERE share_id = ?1 AND j = ?2 AND content_id IS NULL",
                &[text(share_id), num(j.into()), text(content_id), num(now)],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Makes a share downloadable once every file is complete; false otherwise.
    pub async fn activate_share(
        &self,
        share_id: &str,
        manifest: &str,
        now: u64,
    ) -> ApiResult<bool> {
        let changed = self
            .run(
                "UPDATE shares SET state = 'active', manifest = ?2, completed_at = ?3
                 WHERE id = ?1 AND state = 'uploading'
                   AND NOT EXISTS (SELECT 1 FROM files WHERE share_id = ?1 AND content_id IS NULL)",
                &[text(share_id), text(manifest), num(now)],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Removes every record of a share, in one transaction.
    pub async fn delete_share(&self, share_id: &str) -> ApiResult<()> {
        let last = self.statement("DELETE FROM shares WHERE id = ?1", &[text(share_id)]);
        self.batch(self.dropping_contents(share_id, last)?)
            .await
            .map(drop)
    }

    pub async fn ticket(&self, ticket_hash: &str) -> ApiResult<Option<TicketRow>> {
        self.first(
            "SELECT share_id, last_used_at FROM tickets WHERE hash = ?1",
            &[text(ticket_hash)],
        )
        .await
    }

    /// Revokes an active, unexpired share; false if it was not.
    pub async fn revoke(&self, share_id: &str, now: u64) -> ApiResult<bool> {
        let changed = self
            .run(
                "UPDATE shares SET state = 'revoked', revoked_at = ?2 WHERE id = ?1 AND state = 'active' AND expires_at > ?2",
                &[text(share_id), num(now)],
            )
            .await?;
        Ok(changed == 1)
    }

    pub async fn unlock(&self, share_id: &str) -> ApiResult<()> {
        self.batch(vec![
            self.statement(
                "UPDATE shares SET locked = 0, failed_proofs = 0 WHERE id = ?1",
                &[text(share_id)],
            )?,
            self.statement(
                "DELETE FROM proof_failures WHERE share_id = ?1",
                &[text(share_id)],
            )?,
        ])
        .await
        .map(drop)
    }

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

    /// Marks a share purged (keeping why) once its storage is gone, and drops its file, part
    /// and ticket records, in one transaction. Only from the state it was found in.
    pub async fn mark_purged(&self, ended: &Ended, now: u64) -> ApiResult<()> {
        let last = self.statement(
            "UPDATE shares SET state = 'purged', ended_as = ?3, purged_at = ?4, manifest = NULL WHERE id = ?1 AND state = ?2",
            &[text(&ended.id), text(&ended.stored_state), text(&ended.reason), num(now)],
        );
        self.batch(self.dropping_contents(&ended.id, last)?)
            .await
            .map(drop)
    }

    /// The statements that delete a share's tickets, parts and files, then `last`.
    fn dropping_contents(
        &self,
        share_id: &str,
        last: ApiResult<D1PreparedStatement>,
    ) -> ApiResult<Vec<D1PreparedStatement>> {
        [
            "DELETE FROM tickets WHERE share_id = ?1",
            "DELETE FROM upload_parts WHERE object_key IN (SELECT object_key FROM files WHERE share_id = ?1)",
            "DELETE FROM files WHERE share_id = ?1",
        ]
        .iter()
        .map(|sql| self.statement(sql, &[text(share_id)]))
        .chain([last])
        .collect()
    }

    /// The time a test stack was set to, if any (only read when the stack is configured so).
    pub async fn test_clock(&self) -> ApiResult<Option<u64>> {
        #[derive(Deserialize)]
        struct Clock {
            now_ms: u64,
        }
        let row: Option<Clock> = self
            .first("SELECT now_ms FROM test_clock LIMIT 1", &[])
            .await?;
        Ok(row.map(|c| c.now_ms))
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
