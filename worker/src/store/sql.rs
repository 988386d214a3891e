//! A statement as data: SQL text and its values. Changes that must commit with their access-log
//! event travel in this form to the log's sequencer (a Durable Object, reached only by fetch), which
//! prepares and runs them in one D1 batch with the event.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::{D1PreparedStatement, D1Result};

use crate::rules::error::ApiResult;
use crate::store::{changes, Db};

/// One parameterised statement. Invariant: `values` holds only null, numbers below 2^53 and
/// strings, the types the schema uses; SQL text is always a constant of `store`, never user input.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Sql {
    pub sql: String,
    pub values: Vec<Value>,
}

/// A number for a statement. Every number stored is below 2^53 (sizes are capped far lower).
pub fn n(value: u64) -> Value {
    Value::from(value)
}

/// A text for a statement.
pub fn t(value: &str) -> Value {
    Value::from(value)
}

/// A text or null.
pub fn opt(value: Option<&str>) -> Value {
    value.map_or(Value::Null, t)
}

impl Sql {
    pub fn new(sql: &str, values: Vec<Value>) -> Self {
        Sql {
            sql: sql.into(),
            values,
        }
    }
}

impl Db {
    /// `sql` prepared for this database.
    pub fn prepared(&self, sql: &Sql) -> ApiResult<D1PreparedStatement> {
        let values: Vec<JsValue> = sql.values.iter().map(js).collect();
        self.statement(&sql.sql, &values)
    }

    /// Runs `statements` as one transaction (a change that needs no event of its own); returns
    /// the rows each changed.
    pub async fn commit(&self, statements: &[Sql]) -> ApiResult<Vec<usize>> {
        let prepared = statements
            .iter()
            .map(|s| self.prepared(s))
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(self.batch(prepared).await?.iter().map(changes).collect())
    }

    /// Runs prepared statements as one batch, giving D1's error (the sequencer tells one failing
    /// caller's statements from the others' by it).
    pub async fn try_batch(
        &self,
        statements: Vec<D1PreparedStatement>,
    ) -> Result<Vec<D1Result>, worker::Error> {
        self.0.batch(statements).await
    }
}

fn js(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(x) => JsValue::from_f64(x.as_f64().unwrap_or(0.0)),
        Value::String(s) => JsValue::from_str(s),
        other => JsValue::from_str(&other.to_string()),
    }
}
