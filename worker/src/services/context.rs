//! What every handler works with: the database, the bucket, the policy and its limits, the time,
//! the checkpoint signer and the access log's writer.

use std::cell::Cell;

use worker::{Date, Env};

use crate::rules::api_keys::KeyCaller;
use crate::rules::error::ApiResult;
use crate::rules::limits::Limits;
use crate::rules::policy::Policy;
use crate::services::checkpoint::Signer;
use crate::services::sequencer;
use crate::store::storage::Storage;
use crate::store::{config, Db};

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
    /// The API key the call was made with, once the dispatcher checked it for the operation.
    pub key: Option<KeyCaller>,
    /// Whether an event of this call was written (calls made with a key must leave one).
    pub logged: Cell<bool>,
}

impl Ctx {
    pub async fn new(env: &Env) -> ApiResult<Self> {
        let db = Db::from_env(env)?;
        let now = now(env, &db).await?;
        let ceiling = config::limits(env)?;
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
            key: None,
            logged: Cell::new(false),
        })
    }
}

/// The time. A test stack reads it from the `test_clock` table when a test has set one, so that
/// expiry is tested without sleeping.
async fn now(env: &Env, db: &Db) -> ApiResult<u64> {
    let real = Date::now().as_millis();
    if !config::testing(env) {
        return Ok(real);
    }
    Ok(db.test_clock().await?.unwrap_or(real))
}
