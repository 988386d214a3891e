//! API keys: a staff member makes named, scoped, expiring keys on their account page, sees when
//! each was last used and revokes them; admins list and revoke anyone's. The key is in the answer
//! that made it and nowhere else: the server keeps only its BLAKE3 hash. Making keys needs a
//! session (a key cannot make keys) and a policy that allows them.

use sealdrop_core::api::{AccountView, ApiKeySummary, NewApiKey};
use sealdrop_core::encoding::Id;
use worker::{Request, Response};

use crate::http::account_key::{account_of, me};
use crate::http::checks::checked_text;
use crate::http::request::json_body;
use crate::http::respond::{json_response, ok};
use crate::rules::api_keys::{
    checked_scopes, read_scopes, stored_scopes, KeyState, MAX_KEY_DAYS, MAX_KEY_NAME,
};
use crate::rules::error::{ApiError, ApiResult};
use crate::rules::limits::DAY_MS;
use crate::rules::log_event::{Actor, Event};
use crate::services::audit::{self, Change};
use crate::services::auth;
use crate::services::context::Ctx;
use crate::services::headers::origin;
use crate::store::api_keys::{self as rows, insert_api_key, revoke_api_key, ApiKeyRow};

/// Revoked keys stay in the admins' list this long, so that a revocation can be seen.
const REVOKED_SHOWN_MS: u64 = 30 * DAY_MS;

/// `GET /api/account`: who the caller is (a session or an API key), with the account key's
/// objects, which a command line unlocks as the pages do.
pub async fn account(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    let account = account_of(ctx, &staff).await?;
    let api_key = match &ctx.key {
        Some(caller) => ctx
            .db
            .api_keys_of(&staff.id)
            .await?
            .into_iter()
            .find(|k| k.id == caller.key.id)
            .map(|k| summary(ctx, k, false)),
        None => None,
    };
    ok(&AccountView {
        account: me(ctx, &account).await?,
        api_key,
    })
}

/// `POST /api/account/api-keys`: a new key; the key itself is in this answer only.
pub async fn create(mut req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    ctx.policy.check_api_keys()?;
    let body: NewApiKey = json_body(&mut req).await?;
    let name = checked_text(
        &body.name,
        1,
        MAX_KEY_NAME,
        "bad_name",
        "A key's name must be 1 to 64 characters, on one line.",
    )?;
    if name.contains('\n') {
        return Err(ApiError::bad_request(
            "bad_name",
            "A key's name must be 1 to 64 characters, on one line.",
        ));
    }
    let scopes = checked_scopes(&body.scopes)?;
    if !(1..=MAX_KEY_DAYS).contains(&body.expires_in_days) {
        return Err(ApiError::bad_request(
            "bad_expiry",
            format!("expires_in_days must be 1 to {MAX_KEY_DAYS}."),
        ));
    }
    let (key, key_hash) = auth::new_token();
    let id = Id::random().to_string();
    let scopes = stored_scopes(&scopes);
    let new = rows::NewApiKey {
        id: &id,
        account_id: &staff.id,
        name: &name,
        scopes: &scopes,
        key_hash: &key_hash,
        created_at: ctx.now,
        expires_at: ctx.now + body.expires_in_days * DAY_MS,
    };
    let event = Event::new("api_key.created", Actor::Staff(staff.id.clone()))
        .object(&id)
        .detail(
            serde_json::json!({ "name": name, "scopes": scopes, "expires_at": new.expires_at }),
        );
    if !audit::commit(
        ctx,
        &origin(&req),
        event,
        Change::guarded(vec![insert_api_key(&new)]),
    )
    .await?
    .happened()
    {
        return Err(ApiError::conflict(
            "name_taken",
            "You have a key of this name already: revoke it first, or choose another name.",
        ));
    }
    let made = ctx
        .db
        .api_keys_of(&staff.id)
        .await?
        .into_iter()
        .find(|k| k.id == id)
        .ok_or_else(not_found)?;
    let mut view = summary(ctx, made, false);
    view.key = Some(key);
    Ok(json_response(201, &serde_json::json!({ "api_key": view })))
}

/// `GET /api/account/api-keys`: the caller's own keys, revoked ones included.
pub async fn list(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    let keys = ctx.db.api_keys_of(&staff.id).await?;
    let keys: Vec<ApiKeySummary> = keys.into_iter().map(|k| summary(ctx, k, false)).collect();
    ok(&serde_json::json!({ "api_keys": keys, "allowed": ctx.policy.check_api_keys().is_ok() }))
}

/// `DELETE /api/account/api-keys/{id}`: revokes one of the caller's own keys.
pub async fn revoke(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    revoke_as(req, ctx, id, &staff.id, Some(&staff.id)).await
}

/// `GET /api/admin/api-keys` (admins): every live key, and those revoked in the last 30 days.
pub async fn admin_list(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    auth::admin(&req, ctx).await?;
    let keys = ctx
        .db
        .all_api_keys(ctx.now.saturating_sub(REVOKED_SHOWN_MS))
        .await?;
    let keys: Vec<ApiKeySummary> = keys.into_iter().map(|k| summary(ctx, k, true)).collect();
    ok(&serde_json::json!({ "api_keys": keys }))
}

/// `DELETE /api/admin/api-keys/{id}` (admins): revokes anyone's key.
pub async fn admin_revoke(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let admin = auth::admin(&req, ctx).await?;
    revoke_as(req, ctx, id, &admin.id, None).await
}

async fn revoke_as(
    req: Request,
    ctx: &Ctx,
    id: &Id,
    by: &str,
    owner: Option<&str>,
) -> ApiResult<Response> {
    let id = id.to_string();
    let event = Event::new("api_key.revoked", Actor::Staff(by.to_string())).object(&id);
    let change = Change::guarded(vec![revoke_api_key(&id, owner, by, ctx.now)]);
    if !audit::commit(ctx, &origin(&req), event, change)
        .await?
        .happened()
    {
        return Err(not_found());
    }
    ok(&serde_json::json!({ "id": id, "revoked": true }))
}

fn not_found() -> ApiError {
    ApiError::new(
        404,
        "no_api_key",
        "No API key of yours that is not revoked yet has this id.",
    )
}

fn summary(ctx: &Ctx, k: ApiKeyRow, for_admin: bool) -> ApiKeySummary {
    ApiKeySummary {
        state: KeyState::of(k.expires_at, k.revoked_at, ctx.now)
            .name()
            .into(),
        id: k.id,
        key: None,
        name: k.name,
        scopes: read_scopes(&k.scopes)
            .iter()
            .map(|s| s.name().to_string())
            .collect(),
        created_at: k.created_at,
        expires_at: k.expires_at,
        last_used_at: k.last_used_at,
        revoked_at: k.revoked_at,
        owner_email: for_admin.then_some(k.owner_email),
    }
}
