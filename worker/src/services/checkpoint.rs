//! Signed checkpoints of the access log's head (architecture.md): stored in D1 and sent to the
//! witness URL `SEALDROP_WITNESS_URL` when one is configured, with the worker secret
//! `SEALDROP_AUDIT_KEY`.

use sealdrop_core::audit::{checkpoint_public_key, Checkpoint, Head};
use worker::{console_error, Env, Request};

use crate::store::{config, Db};

/// The key and the witness, as configured.
#[derive(Clone)]
pub struct Signer {
    pub key: Option<[u8; 32]>,
    pub witness_url: Option<String>,
}

impl Signer {
    pub fn from_env(env: &Env) -> Self {
        Signer {
            key: config::audit_key(env),
            witness_url: config::witness_url(env),
        }
    }

    /// Signs `head` at `now`, stores the checkpoint and sends it to the witness. A missing key or
    /// an unreachable witness is logged for the operator; the events it covers stand.
    pub async fn checkpoint(&self, db: &Db, head: &Head, now: u64) {
        let Some(key) = self.key else {
            console_error!("audit: SEALDROP_AUDIT_KEY is not set; no checkpoint signed");
            return;
        };
        let cp = Checkpoint::sign(&key, head, now);
        if let Err(err) = db.insert_checkpoint(&cp).await {
            console_error!(
                "audit: checkpoint at seq {} not stored: {}",
                cp.seq,
                err.message
            );
            return;
        }
        if let Some(url) = &self.witness_url {
            if let Err(err) = send_to_witness(url, &cp, &key).await {
                console_error!(
                    "audit: the witness at {url} did not take checkpoint {}: {err}",
                    cp.seq
                );
            }
        }
    }
}

async fn send_to_witness(url: &str, cp: &Checkpoint, key: &[u8; 32]) -> worker::Result<()> {
    let body = serde_json::json!({
        "checkpoint": {
            "seq": cp.seq,
            "hash": hex::encode(cp.hash),
            "time_ms": cp.time_ms,
            "sig": hex::encode(cp.sig),
        },
        "public_key": hex::encode(checkpoint_public_key(key)),
    });
    let headers = worker::Headers::new();
    headers.set("Content-Type", "application/json")?;
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post)
        .with_headers(headers)
        .with_body(Some(body.to_string().into()));
    let response = worker::Fetch::Request(Request::new_with_init(url, &init)?)
        .send()
        .await?;
    if (200..300).contains(&response.status_code()) {
        Ok(())
    } else {
        Err(worker::Error::RustError(format!(
            "HTTP {}",
            response.status_code()
        )))
    }
}
