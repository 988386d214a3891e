//! The account key K on the server (unlock-factors.md): what the signed-in person's pages read of
//! it, a v1 account's adoption of its vault key as K, and password changes, which rewrite only the
//! password factor unless they rotate K.
//!
//! The server checks shapes and guards every write on the generation it read; it can open none of
//! these blobs. Once an account has K, nothing here accepts a wrapped sk or rs except as part of a
//! rotation, which swaps everything K wraps at once.

use sealdrop_core::api::{
    AccountKeyView, AdoptAccountKey, Argon2Settings, ChangePassword, FactorView, Me,
    NewFactor as FactorBody, Rotation,
};
use sealdrop_core::encoding::b64_decode_array;
use sealdrop_core::keys::ct_eq;
use sealdrop_core::share::Argon2Params;
use worker::{Env, Request, Response};

use crate::http::checks::{checked_text, key32, wrapped_blob, WRAPPED_KEY_LEN};
use crate::http::request::json_body;
use crate::http::respond::ok;
use crate::rules::error::{ApiError, ApiResult};
use crate::rules::log_event::{Actor, Event};
use crate::rules::staff::Staff;
use crate::services::audit::{self, Change};
use crate::services::auth;
use crate::services::context::Ctx;
use crate::services::headers::origin;
use crate::store::accounts::{end_other_sessions, AccountRow};
use crate::store::config::pepper;
use crate::store::factors::{
    adopt_key, after_password_change, change_password as change_password_sql, insert_factor,
    FactorRow, NewFactor, RotationSql,
};

/// Argon2id of every new account: the format's minimum and default, as core defines it.
pub const ARGON2: Argon2Settings = Argon2Settings {
    m_kib: Argon2Params::DEFAULT.m_kib,
    t: Argon2Params::DEFAULT.t,
    p: Argon2Params::DEFAULT.p,
};

/// `nonce || K || tag`.
const WRAPPED_K_LEN: usize = sealdrop_core::account::WRAPPED_K_LEN;
/// `nonce || sk128 || tag`.
const WRAPPED_SK128_LEN: usize = sealdrop_core::account::WRAPPED_SK128_LEN;

/// A password factor as a client sent it: a 16-byte id, a label a person can read, and a wrapped
/// K of the right size.
pub fn checked_password_factor(body: &FactorBody) -> ApiResult<NewFactor<'_>> {
    b64_decode_array::<16>(&body.id, "a factor id").map_err(|_| {
        ApiError::bad_request(
            "bad_factor",
            "The factor's id must be 16 bytes in base64url.",
        )
    })?;
    checked_text(
        &body.label,
        1,
        100,
        "bad_factor",
        "The factor's label must be 1 to 100 characters.",
    )?;
    wrapped_blob(&body.wrapped_k, WRAPPED_K_LEN, "bad_factor", "wrapped_k")?;
    Ok(NewFactor {
        id: &body.id,
        kind: "password",
        label: body.label.trim(),
        wrapped_k: &body.wrapped_k,
    })
}

/// sk128 wrapped under K, of the right size.
pub fn checked_sk128(value: &str) -> ApiResult<()> {
    wrapped_blob(value, WRAPPED_SK128_LEN, "bad_wrapped_key", "wrapped_sk128")
}

/// `POST /api/account/key`: a v1 account adopts its vault key as K. The client sends this only
/// after that vault key opened the account's wrapped sk; the server takes it only while the
/// account has no K, so a second device that adopts at the same time gets 409 and reads the first
/// one's factor.
pub async fn adopt(mut req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    let body: AdoptAccountKey = json_body(&mut req).await?;
    let factor = checked_password_factor(&body.password_factor)?;
    checked_sk128(&body.wrapped_sk128)?;
    let event = Event::new("account.key.adopted", Actor::Staff(staff.id.clone()))
        .object(&staff.id)
        .detail(serde_json::json!({ "generation": 0, "factor": factor.id }));
    let change = Change::guarded(vec![adopt_key(&staff.id, &body.wrapped_sk128)])
        .then(vec![insert_factor(&staff.id, &factor, ctx.now)]);
    if !audit::commit(ctx, &origin(&req), event, change)
        .await?
        .happened()
    {
        return Err(ApiError::conflict(
            "key_exists",
            "This account has its account key already; unlock again to use it.",
        ));
    }
    let account = account_of(ctx, &staff).await?;
    ok(&serde_json::json!({ "account": me(ctx, &account).await? }))
}

/// `PUT /api/account/password`: the new login key's hash and salt and a new password factor, in
/// one batch; with a rotation also everything K wraps under K'. The account's other sessions end;
/// its API keys and what K wraps stay as they are.
pub async fn change_password(mut req: Request, ctx: &Ctx, env: &Env) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    let body: ChangePassword = json_body(&mut req).await?;
    let pepper = pepper(env)?;
    let account = account_of(ctx, &staff).await?;
    let Some(generation) = account.key_generation else {
        return Err(ApiError::conflict(
            "account_key_missing",
            "Unlock your account on this page first, so that it gets its account key; then change the password.",
        ));
    };
    let old_hash = auth::login_hash(
        &pepper,
        &key32(&body.login_key, "bad_login_key", "login_key")?,
    );
    if !ct_eq(old_hash.as_bytes(), account.login_hash.as_bytes()) {
        return Err(ApiError::new(
            401,
            "wrong_credentials",
            "The current password is wrong.",
        ));
    }
    b64_decode_array::<16>(&body.new_salt, "the salt").map_err(|_| {
        ApiError::bad_request("bad_salt", "new_salt must be 16 bytes in base64url.")
    })?;
    let new_hash = auth::login_hash(
        &pepper,
        &key32(&body.new_login_key, "bad_login_key", "new_login_key")?,
    );
    let factor = checked_password_factor(&body.password_factor)?;
    if body.generation != generation {
        return Err(key_changed());
    }
    let rotation = body.rotation.as_ref().map(checked_rotation).transpose()?;
    if let Some(r) = &rotation {
        if !same_ids(&r.requests, ctx.db.request_ids_of(&account.id).await?) {
            return Err(requests_changed());
        }
        let others = ctx.db.factors(&account.id).await?;
        let others = others.into_iter().filter(|f| f.kind != "password");
        if !same_ids(&r.factors, others.map(|f| f.id).collect()) {
            return Err(key_changed());
        }
    }
    let rotation = rotation.as_ref().map(|r| RotationSql {
        wrapped_sk: r.wrapped_sk,
        wrapped_sk128: r.wrapped_sk128,
        requests: &r.requests,
        factors: &r.factors,
    });
    let session = auth::session_token(&req)?
        .map(|t| auth::hash_hex(t.as_bytes()))
        .unwrap_or_default();
    let event = Event::new("password.changed", Actor::Staff(staff.id.clone()))
        .object(&staff.id)
        .detail(serde_json::json!({
            "generation": generation + u32::from(rotation.is_some()),
            "rotated": rotation.is_some(),
            "requests_rewrapped": rotation.as_ref().map_or(0, |r| r.requests.len()),
        }));
    let mut after = after_password_change(&account.id, &factor, rotation.as_ref(), ctx.now);
    after.push(end_other_sessions(&account.id, &session));
    let change = Change::guarded(vec![change_password_sql(
        &account.id,
        &account.login_hash,
        &body.new_salt,
        &new_hash,
        generation,
        rotation.as_ref(),
    )])
    .then(after);
    if !audit::commit(ctx, &origin(&req), event, change)
        .await?
        .happened()
    {
        // Which guard failed: the key moved on (another device rotated or changed the password),
        // or the requests changed meanwhile.
        let now = account_of(ctx, &staff).await?;
        return Err(
            if now.key_generation != Some(generation) || now.login_hash != account.login_hash {
                key_changed()
            } else {
                requests_changed()
            },
        );
    }
    let account = account_of(ctx, &staff).await?;
    ok(&serde_json::json!({ "account": me(ctx, &account).await? }))
}

/// A rotation's parts, checked for shape; ids as listed.
struct CheckedRotation<'a> {
    wrapped_sk: &'a str,
    wrapped_sk128: &'a str,
    requests: Vec<(String, String)>,
    factors: Vec<(String, String)>,
}

fn checked_rotation(r: &Rotation) -> ApiResult<CheckedRotation<'_>> {
    wrapped_blob(
        &r.wrapped_sk,
        WRAPPED_KEY_LEN,
        "bad_wrapped_key",
        "wrapped_sk",
    )?;
    checked_sk128(&r.wrapped_sk128)?;
    let mut requests = Vec::with_capacity(r.requests.len());
    for q in &r.requests {
        wrapped_blob(
            &q.wrapped_rs,
            WRAPPED_KEY_LEN,
            "bad_wrapped_key",
            "wrapped_rs",
        )?;
        requests.push((q.id.clone(), q.wrapped_rs.clone()));
    }
    let mut factors = Vec::with_capacity(r.factors.len());
    for f in &r.factors {
        wrapped_blob(&f.wrapped_k, WRAPPED_K_LEN, "bad_factor", "wrapped_k")?;
        factors.push((f.id.clone(), f.wrapped_k.clone()));
    }
    Ok(CheckedRotation {
        wrapped_sk: &r.wrapped_sk,
        wrapped_sk128: &r.wrapped_sk128,
        requests,
        factors,
    })
}

/// Whether `listed` names exactly the ids of `stored`, each once.
fn same_ids(listed: &[(String, String)], mut stored: Vec<String>) -> bool {
    let mut ids: Vec<&str> = listed.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    stored.sort_unstable();
    ids.len() == listed.len() && ids == stored.iter().map(String::as_str).collect::<Vec<_>>()
}

fn requests_changed() -> ApiError {
    ApiError::conflict(
        "requests_changed",
        "Your requests changed while the password was being changed; try again.",
    )
}

fn key_changed() -> ApiError {
    ApiError::conflict(
        "key_changed",
        "Your account key or password was changed on another device meanwhile. Nothing was changed; reload the page and try again.",
    )
}

pub async fn account_of(ctx: &Ctx, staff: &Staff) -> ApiResult<AccountRow> {
    ctx.db.account(&staff.id).await?.ok_or_else(no_account)
}

pub fn no_account() -> ApiError {
    ApiError::new(404, "no_account", "No account has this id.")
}

pub fn argon2_of(account: &AccountRow) -> Argon2Settings {
    serde_json::from_str(&account.argon2).unwrap_or(ARGON2)
}

/// The signed-in person as their own pages see them, with the account key's objects.
pub async fn me(ctx: &Ctx, account: &AccountRow) -> ApiResult<Me> {
    let account_key = match (account.key_generation, &account.wrapped_sk128) {
        (Some(generation), Some(wrapped_sk128)) => Some(AccountKeyView {
            generation,
            wrapped_sk128: wrapped_sk128.clone(),
            factors: ctx
                .db
                .factors(&account.id)
                .await?
                .into_iter()
                .map(factor_view)
                .collect(),
        }),
        _ => None,
    };
    Ok(Me {
        id: account.id.clone(),
        email: account.email.clone(),
        name: account.name.clone(),
        role: account.role.name().into(),
        public_key: account.public_key.clone(),
        wrapped_sk: account.wrapped_sk.clone(),
        salt: account.salt.clone(),
        argon2: argon2_of(account),
        account_key,
    })
}

fn factor_view(f: FactorRow) -> FactorView {
    FactorView {
        id: f.id,
        kind: f.kind,
        label: f.label,
        wrapped_k: f.wrapped_k,
        created_at: f.created_at,
        last_used_at: f.last_used_at,
    }
}
