//! What every handler works with: the database, the bucket, the policy and its limits, and the
//! time.

use worker::{Date, Env};

use crate::checkpoint::Signer;
use crate::config::Limits;
use crate::db::Db;
use crate::error::ApiResult;
use crate::policy::Policy;
use crate::sequencer;
use crate::storage::Storage;

pub struct Ctx {
    pub db: Db,
    pub storage: Storage,
    /// What uploads may be now: the ceiling narrowed by the policy.
    pub limits: Limits,
    /// The worker's configured limits, which no policy can exceed.
    pub ceiling: Limits,
    pub policy: Policy,
    /// Milliseconds since the epoch, read once per request.
    pub now: u64,
    /// The key that signs the access log's checkpoints, and the witness they go to.
    pub signer: Signer,
    /// The access log's writer.
    pub sequencer: sequencer::Client,
}

impl Ctx {
    pub async fn new(env: &Env) -> ApiResult<Self> {
        let db = Db::from_env(env)?;
        let now = now(env, &db).await?;
        let ceiling = Limits::from_env(env)?;
        let policy = Policy::from_rows(&db.policy_rows().await?, &ceiling);
        Ok(Ctx {
            db,
            storage: Storage::from_env(env)?,
            limits: policy.limits(&ceiling),
            ceiling,
            policy,
            now,
            signer: Signer::from_env(env),
            sequencer: sequencer::Client::from_env(env)?,
        })
    }
}

/// The time. A test stack (and only one: its `SEALDROP_TEST_CLOCK` variable is set on the
/// wrangler command line by tests/run.mjs, never in wrangler.toml) reads it from the
/// `test_clock` table when a test has set one, so that expiry is tested without sleeping.
async fn now(env: &Env, db: &Db) -> ApiResult<u64> {
    let real = Date::now().as_millis();
    let testing = env
        .var("SEALDROP_TEST_CLOCK")
        .is_ok_and(|v| v.to_string() == "d1");
    if !testing {
        return Ok(real);
    }
    Ok(db.test_clock().await?.unwrap_or(real))
}
