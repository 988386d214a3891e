//! What every handler works with: the database, the bucket, the limits and the time.

use worker::{Date, Env};

use crate::config::Limits;
use crate::db::Db;
use crate::error::ApiResult;
use crate::storage::Storage;

pub struct Ctx {
    pub db: Db,
    pub storage: Storage,
    pub limits: Limits,
    /// Milliseconds since the epoch, read once per request.
    pub now: u64,
}

impl Ctx {
    pub fn new(env: &Env) -> ApiResult<Self> {
        Ok(Ctx {
            db: Db::from_env(env)?,
            storage: Storage::from_env(env)?,
            limits: Limits::from_env(env)?,
            now: Date::now().as_millis(),
        })
    }
}
