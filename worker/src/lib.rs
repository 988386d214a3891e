//! The sealdrop Cloudflare Worker: the HTTP API over R2 (ciphertext objects) and D1 (records),
//! and the pages of web/ as static assets, every response with strict security headers.
//!
//! The worker never sees a plaintext, a file name or a key that decrypts: it stores headers,
//! sealed blobs and ciphertext, and keeps the keys it must check only as hashes.

mod accounts;
mod api;
mod assets;
mod attempts;
mod audit;
mod auth;
mod checkpoint;
mod config;
mod console;
mod context;
mod db;
mod download;
mod error;
mod http;
mod intake;
mod lifecycle;
mod log_api;
mod log_event;
mod log_export;
mod policy;
mod purge;
mod requests;
mod routes;
mod security;
mod sequencer;
mod shares;
mod storage;
mod uploads;

use worker::{event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let https = req.url().is_ok_and(|url| url.scheme() == "https");
    let path = req.path();
    let answer = if path == "/api" || path.starts_with("/api/") {
        api::handle(req, &env).await
    } else {
        assets::serve(req, &env).await
    };
    let response = answer.unwrap_or_else(error::ApiError::into_response);
    Ok(security::with_security_headers(response, https))
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    purge::scheduled(&env).await;
    audit::scheduled(&env).await;
}
