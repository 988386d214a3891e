//! The SQL of upload parts, for share files and request files alike: the ledger of what each
//! multipart upload holds, and the claims that keep two requests from storing the same part.

use serde::Deserialize;

use crate::rules::error::ApiResult;
use crate::rules::limits::{RETRY_TAKEOVER_MS, STALE_PART_CLAIM_MS};
use crate::store::{num, text, Db};

#[derive(Debug, Deserialize)]
pub struct PartRow {
    pub n: u64,
    pub size: u64,
    pub blake3: String,
    pub etag: Option<String>,
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

impl Db {
    /// The parts recorded for the object `object_key` (a share file's or a request file's).
    pub async fn parts(&self, object_key: &str) -> ApiResult<Vec<PartRow>> {
        self.all(
            "SELECT n, size, blake3, etag FROM upload_parts WHERE object_key = ?1 ORDER BY n",
            &[text(object_key)],
        )
        .await
    }

    /// Reserves part `n` for one request, so that two uploads of the same part never race in
    /// storage. A claim left unconfirmed for [`STALE_PART_CLAIM_MS`] is taken over, or after
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
                    num(now.saturating_sub(STALE_PART_CLAIM_MS)),
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
}
