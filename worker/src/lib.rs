//! The sealdrop Cloudflare Worker: the HTTP API over R2 (ciphertext objects) and D1 (records),
//! and the pages of web/ as static assets, every response with strict security headers.
//!
//! The worker never sees a plaintext, a file name or a key that decrypts: it stores headers,
//! sealed blobs and ciphertext, and keeps the keys it must check only as hashes.
//!
//! Its modules are layers, each importing only those below it (worker/tests/layers.rs checks
//! this): `rules` (states, limits, policy, events, refusals; no I/O), `store` (D1, R2 and the
//! configuration), `services` (the request's context, auth, the access log and its sequencer,
//! uploads, the purge) and `http` (routes, dispatch and the handlers).

mod http;
mod rules;
mod services;
mod store;

use worker::{event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let https = req.url().is_ok_and(|url| url.scheme() == "https");
    let path = req.path();
    let answer = if path == "/api" || path.starts_with("/api/") {
        http::api::handle(req, &env).await
    } else {
        http::assets::serve(req, &env).await
    };
    let response = answer.unwrap_or_else(http::respond::error_response);
    Ok(http::security::with_security_headers(response, https))
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    services::purge::scheduled(&env).await;
    services::audit::scheduled(&env).await;
}
