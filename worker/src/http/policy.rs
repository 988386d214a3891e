//! The policy's endpoints: admins read it and change any of its settings; each change is written
//! in the same D1 batch as its `policy.changed` event, naming each old and new value.

use worker::{Request, Response};

use crate::http::request::json_body;
use crate::http::respond::ok;
use crate::rules::error::ApiResult;
use crate::rules::log_event::{Actor, Event};
use crate::rules::policy::Policy;
use crate::services::audit::{self, Change};
use crate::services::auth;
use crate::services::context::Ctx;
use crate::services::headers::origin;
use crate::store::console::set_policy;

fn view(policy: &Policy, ctx: &Ctx) -> serde_json::Value {
    serde_json::json!({
        "policy": policy,
        "ceiling": {
            "max_expiry_seconds": ctx.ceiling.max_expiry_seconds,
            "max_file_bytes": ctx.ceiling.max_file_bytes,
        },
    })
}

/// `GET /api/admin/policy`.
pub async fn show(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    auth::admin(&req, ctx).await?;
    ok(&view(&ctx.policy, ctx))
}

/// `PUT /api/admin/policy`: any subset of the settings; all are checked before any is written,
/// and the changed ones are written with one `policy.changed` event naming each old and new value.
pub async fn change(mut req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let admin = auth::admin(&req, ctx).await?;
    let body: serde_json::Map<String, serde_json::Value> = json_body(&mut req).await?;
    let mut next = ctx.policy;
    for (name, value) in &body {
        next.set(name, value, &ctx.ceiling)?;
    }
    // (name, from, to) of each setting that changes.
    let changed: Vec<(&str, String, String)> = ctx
        .policy
        .stored()
        .into_iter()
        .zip(next.stored())
        .filter(|(old, new)| old.1 != new.1)
        .map(|((name, from), (_, to))| (name, from, to))
        .collect();
    if changed.is_empty() {
        return ok(&view(&ctx.policy, ctx));
    }
    let detail: serde_json::Map<String, serde_json::Value> = changed
        .iter()
        .map(|(name, from, to)| {
            (
                name.to_string(),
                serde_json::json!({ "from": from, "to": to }),
            )
        })
        .collect();
    let event = Event::new("policy.changed", Actor::Staff(admin.id))
        .detail(serde_json::Value::Object(detail));
    let writes = changed
        .iter()
        .map(|(name, _, to)| set_policy(name, to))
        .collect();
    audit::commit(ctx, &origin(&req), event, Change::of(writes)).await?;
    ok(&view(&next, ctx))
}
