//! Every SQL statement of the worker, parameterised, over the D1 binding `DB`, one file per
//! family of tables; the R2 bucket (`storage`); and the worker's configuration (`config`).
//!
//! Rows are decoded here into typed fields (states, flags), so that nothing above compares
//! stored text. Multi-row changes go through `batch`, which D1 runs as one transaction: a
//! refusal or a failure never leaves half of them written.

use std::fmt;

use serde::de::{Deserializer, Visitor};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result, Env};

use crate::rules::error::{ApiError, ApiResult};

pub mod accounts;
pub mod api_keys;
pub mod attempts;
pub mod audit;
pub mod config;
pub mod console;
pub mod downloads;
pub mod factors;
pub mod parts;
pub mod purge;
pub mod requests;
pub mod shares;
pub mod sql;
pub mod storage;
pub mod testing;

pub struct Db(D1Database);

fn num(value: u64) -> JsValue {
    // Every number stored is below 2^53 (sizes are capped far lower), so this is exact.
    JsValue::from_f64(value as f64)
}

fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

/// The rows a statement changed, as D1 reports them.
pub fn changes(result: &D1Result) -> usize {
    result
        .meta()
        .ok()
        .flatten()
        .and_then(|m| m.changes)
        .unwrap_or(0)
}

/// A flag column as D1 returns it: SQLite has no booleans, so 0 or 1, or NULL where a subquery
/// found no row, which is false.
fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    struct Flag;
    impl Visitor<'_> for Flag {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("0, 1 or null")
        }
        fn visit_bool<E>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_i64<E>(self, v: i64) -> Result<bool, E> {
            Ok(v != 0)
        }
        fn visit_u64<E>(self, v: u64) -> Result<bool, E> {
            Ok(v != 0)
        }
        fn visit_f64<E>(self, v: f64) -> Result<bool, E> {
            Ok(v != 0.0)
        }
        fn visit_unit<E>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_none<E>(self) -> Result<bool, E> {
            Ok(false)
        }
    }
    deserializer.deserialize_any(Flag)
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
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Row {
        #[serde(deserialize_with = "super::flag")]
        on: bool,
    }

    #[test]
    fn flags_decode_from_numbers_and_null() {
        let on = |json: &str| serde_json::from_str::<Row>(json).unwrap().on;
        assert!(on(r#"{"on": 1}"#));
        assert!(!on(r#"{"on": 0}"#));
        assert!(!on(r#"{"on": null}"#));
        assert!(on(r#"{"on": true}"#));
    }
}
