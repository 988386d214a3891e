//! What only a test stack reads (its `SEALDROP_TEST_CLOCK` variable is set on the wrangler command
//! line by tests/run.mjs, never in wrangler.toml): the clock a test set, and the fault switch that
//! fails the next append. Nothing in the API writes either.

use serde::Deserialize;

use crate::rules::error::ApiResult;
use crate::store::Db;

impl Db {
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

    /// Takes the test stack's fault switch if it is set: the next append then fails as if the
    /// database had not answered. Only a test stack reads it (`SEALDROP_TEST_CLOCK`), and nothing
    /// in the API writes it.
    pub async fn take_fault(&self) -> ApiResult<bool> {
        // A read first: the switch is almost never set, and a read does not wait for writers.
        let set: Vec<serde_json::Value> = self
            .all("SELECT 1 AS set_ FROM test_faults LIMIT 1", &[])
            .await?;
        if set.is_empty() {
            return Ok(false);
        }
        let taken: Vec<serde_json::Value> = self
            .all("DELETE FROM test_faults RETURNING 1 AS taken", &[])
            .await?;
        Ok(!taken.is_empty())
    }
}
