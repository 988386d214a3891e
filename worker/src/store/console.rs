//! The SQL of the admin console beyond the log: the policy's settings and the overview's counts.

use serde::{Deserialize, Serialize};

use crate::rules::error::ApiResult;
use crate::rules::log_event::REFUSAL_SUMMARY;
use crate::store::sql::{t, Sql};
use crate::store::{num, text, Db};

/// The overview cards.
#[derive(Debug, Deserialize, Serialize)]
pub struct Overview {
    pub active_shares: u64,
    pub active_requests: u64,
    /// Payload bytes held in R2: live shares' files and every request file.
    pub storage_bytes: u64,
    pub refusals_24h: u64,
}

impl Db {
    /// Every stored setting, as (name, value).
    pub async fn policy_rows(&self) -> ApiResult<Vec<(String, String)>> {
        #[derive(Deserialize)]
        struct Row {
            name: String,
            value: String,
        }
        let rows: Vec<Row> = self.all("SELECT name, value FROM policy", &[]).await?;
        Ok(rows.into_iter().map(|r| (r.name, r.value)).collect())
    }

    /// The counts at `now`. A share is active as `ShareRow::state_at` says, short of a used-up
    /// count whose last ticket is still alive (counted as not active: it takes no new download).
    pub async fn overview(&self, now: u64) -> ApiResult<Overview> {
        let row: Option<Overview> = self
            .first(
                "SELECT
                   (SELECT COUNT(*) FROM shares WHERE state = 'active' AND expires_at > ?1
                      AND (max_downloads IS NULL OR downloads < max_downloads)) AS active_shares,
                   (SELECT COUNT(*) FROM requests WHERE expires_at > ?1) AS active_requests,
                   (SELECT COALESCE(SUM(f.payload_size), 0) FROM files f JOIN shares s ON s.id = f.share_id
                      WHERE s.state <> 'purged')
                   + (SELECT COALESCE(SUM(payload_size), 0) FROM request_files) AS storage_bytes,
                   (SELECT COALESCE(SUM(CASE WHEN action = ?3 THEN json_extract(event, '$.detail.count') ELSE 1 END), 0)
                      FROM audit_events WHERE at >= ?2
                      AND outcome >= 'refused:' AND outcome < 'refused;') AS refusals_24h",
                &[
                    num(now),
                    num(now.saturating_sub(86_400_000)),
                    text(REFUSAL_SUMMARY),
                ],
            )
            .await?;
        Ok(row.unwrap_or(Overview {
            active_shares: 0,
            active_requests: 0,
            storage_bytes: 0,
            refusals_24h: 0,
        }))
    }
}

/// Sets one policy setting.
pub fn set_policy(name: &str, value: &str) -> Sql {
    Sql::new(
        "INSERT INTO policy (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        vec![t(name), t(value)],
    )
}
