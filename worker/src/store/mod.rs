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
pub mod share_changes;
mod sql;

pub use accounts::{
    cancel_invite, change_account, change_password, create_account, delete_session,
    end_other_sessions, end_sessions, first_session, insert_invite, rewrap_requests, AccountRow,
    InviteRow,
};
pub use audit::{remove_through, CheckpointRow, Entry, EventFilter, EventRow, Order, Scope};
pub use console::set_policy;
pub use requests::{
    claim_file_for_purge, complete_request_file, delete_claimed_file, delete_request,
    delete_request_file, delete_unfinished_file, insert_request, insert_request_file, mark_read,
    set_request_upload_id, RequestFileRow, RequestRow,
};
pub use sql::{n, opt, t, Sql};

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
    /// When the purge took the share to release its storage; nothing may complete it after.
    pub purge_claimed_at: Option<u64>,
    /// The addresses failed proofs came from since the last unlock.
    #[serde(default)]
    pub failing_addresses: u64,
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

pub fn changes(result: &D1Result) -> usize {
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

    pub async fn ticket(&self, ticket_hash: &str) -> ApiResult<Option<TicketRow>> {
        self.first(
            "SELECT share_id, last_used_at FROM tickets WHERE hash = ?1",
            &[text(ticket_hash)],
        )
        .await
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
