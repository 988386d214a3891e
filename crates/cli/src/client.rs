//! The HTTP client of the API (`worker/openapi.json`): one place where requests are made, retried
//! and their refusals turned into [`CliError`]. Network failures and 5xx are retried with
//! exponential backoff and jitter; a 4xx is the server's answer and is never retried.

use std::io::Read;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use ureq::Agent;

use crate::error::{CliError, Result};

/// Tries of one call before it counts as a network failure.
const TRIES: u32 = 6;
const FIRST_WAIT_MS: u64 = 500;

/// How a call authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    /// `Sealdrop-ApiKey`: the account's API key.
    ApiKey(&'a str),
    /// `Bearer`: a share's owner token.
    Owner(&'a str),
    /// `Sealdrop-Key`: the proof of key possession.
    Proof(&'a str),
    /// `Sealdrop-Ticket`: a download ticket.
    Ticket(&'a str),
}

/// An [`Auth`] that owns its credential, for a worker thread.
#[derive(Clone)]
pub enum OwnedAuth {
    None,
    ApiKey(String),
    Owner(String),
    Proof(String),
    Ticket(String),
}

impl OwnedAuth {
    pub fn borrow(&self) -> Auth<'_> {
        match self {
            OwnedAuth::None => Auth::None,
            OwnedAuth::ApiKey(k) => Auth::ApiKey(k),
            OwnedAuth::Owner(t) => Auth::Owner(t),
            OwnedAuth::Proof(k) => Auth::Proof(k),
            OwnedAuth::Ticket(t) => Auth::Ticket(t),
        }
    }
}

impl Auth<'_> {
    pub fn owned(&self) -> OwnedAuth {
        match *self {
            Auth::None => OwnedAuth::None,
            Auth::ApiKey(k) => OwnedAuth::ApiKey(k.to_string()),
            Auth::Owner(t) => OwnedAuth::Owner(t.to_string()),
            Auth::Proof(k) => OwnedAuth::Proof(k.to_string()),
            Auth::Ticket(t) => OwnedAuth::Ticket(t.to_string()),
        }
    }

    fn header(&self) -> Option<String> {
        match self {
            Auth::None => None,
            Auth::ApiKey(k) => Some(format!("Sealdrop-ApiKey {k}")),
            Auth::Owner(t) => Some(format!("Bearer {t}")),
            Auth::Proof(k) => Some(format!("Sealdrop-Key {k}")),
            Auth::Ticket(t) => Some(format!("Sealdrop-Ticket {t}")),
        }
    }
}

/// The server at `base` (scheme, host and port, no path).
#[derive(Clone)]
pub struct Client {
    base: String,
    agent: Agent,
}

/// A body to send.
pub enum Body<'a> {
    Empty,
    Json(serde_json::Value),
    Bytes(&'a [u8]),
}

impl Client {
    pub fn new(base: &str) -> Client {
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_recv_response(Some(Duration::from_secs(120)))
            .user_agent(concat!("sealdrop-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            base: base.trim_end_matches('/').to_string(),
            agent,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// A JSON call; the answer parsed as `T`.
    pub fn json<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        auth: Auth,
        body: Option<&impl Serialize>,
    ) -> Result<T> {
        let body = match body {
            Some(b) => {
                Body::Json(serde_json::to_value(b).map_err(|e| CliError::Local(format!("{e}.")))?)
            }
            None => Body::Empty,
        };
        let bytes = self.call(method, path, auth, &body, &[])?;
        serde_json::from_slice(&bytes).map_err(|_| {
            CliError::Network(format!(
                "The server at {} gave an answer this command line does not understand. Is it a sealdrop server of the same version?",
                self.base
            ))
        })
    }

    /// A call with extra headers; the whole answer body.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        auth: Auth,
        body: &Body,
        headers: &[(&str, String)],
    ) -> Result<Vec<u8>> {
        let mut wait = FIRST_WAIT_MS;
        for attempt in 1..=TRIES {
            match self.once(method, path, auth, body, headers) {
                Ok(bytes) => return Ok(bytes),
                Err(Failure::Answer(err)) => return Err(err),
                Err(Failure::Retry(why)) if attempt == TRIES => {
                    return Err(CliError::Network(format!(
                        "The server at {} could not be reached ({why}). Check the address and your connection, then run the same command again: it goes on where it stopped.",
                        self.base
                    )))
                }
                Err(Failure::Retry(_)) => {
                    std::thread::sleep(Duration::from_millis(wait + jitter(wait)));
                    wait = (wait * 2).min(16_000);
                }
            }
        }
        unreachable!("the loop returns on its last try")
    }

    fn once(
        &self,
        method: &str,
        path: &str,
        auth: Auth,
        body: &Body,
        headers: &[(&str, String)],
    ) -> std::result::Result<Vec<u8>, Failure> {
        let url = format!("{}{path}", self.base);
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(h) = auth.header() {
            req = req.header("Authorization", h);
        }
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        let sent = match body {
            Body::Empty => self.agent.run(req.body(()).map_err(bad_request)?),
            Body::Json(v) => {
                let text = serde_json::to_vec(v)
                    .map_err(|e| Failure::Answer(CliError::Local(format!("{e}."))))?;
                let req = req.header("Content-Type", "application/json");
                self.agent.run(req.body(text).map_err(bad_request)?)
            }
            Body::Bytes(b) => self.agent.run(req.body(*b).map_err(bad_request)?),
        };
        let mut response = sent.map_err(|e| Failure::Retry(e.to_string()))?;
        let status = response.status().as_u16();
        let mut bytes = Vec::new();
        response
            .body_mut()
            .as_reader()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::Retry(e.to_string()))?;
        if (200..300).contains(&status) {
            return Ok(bytes);
        }
        if status >= 500 || status == 429 {
            return Err(Failure::Retry(format!("HTTP {status}")));
        }
        Err(Failure::Answer(refusal(status, &bytes)))
    }
}

enum Failure {
    Answer(CliError),
    Retry(String),
}

fn bad_request(e: ureq::http::Error) -> Failure {
    Failure::Answer(CliError::Usage(format!(
        "That request cannot be made: {e}."
    )))
}

/// The server's refusal: `{"error": {"code", "message"}}`, or a sentence for an answer without one.
fn refusal(status: u16, body: &[u8]) -> CliError {
    #[derive(serde::Deserialize)]
    struct Answer {
        error: Inner,
    }
    #[derive(serde::Deserialize)]
    struct Inner {
        code: String,
        message: String,
    }
    match serde_json::from_slice::<Answer>(body) {
        Ok(a) => CliError::Refused {
            status,
            code: a.error.code,
            message: a.error.message,
        },
        Err(_) => CliError::Refused {
            status,
            code: format!("http_{status}"),
            message: format!("The server refused with HTTP {status}."),
        },
    }
}

/// Up to a quarter of `ms`, from the CSPRNG (the clock would make every client retry together).
fn jitter(ms: u64) -> u64 {
    let r = u64::from_le_bytes(sealdrop_core::random());
    r % (ms / 4 + 1)
}
