//! Staff accounts: invites (and the setup link), account creation, sign-in and sign-out,
//! password changes, and what admins do to accounts.
//!
//! The server sees login keys (derived from the password in the browser) and keeps only
//! `mac(pepper, login key)`; the vault key, the password and the account secret key never reach
//! it (format-v1.md, Staff keys).

use sealdrop_core::api::{
    AccountChange, AccountSummary, InviteSummary, InviteView, NewAccount, NewInvite, SessionView,
    SignIn, SignInParams, SignInParamsQuery,
};
use sealdrop_core::encoding::{b64_decode_array, b64_encode, Id};
use sealdrop_core::keys::ct_eq;
use sealdrop_core::Key32;
use worker::{Env, Request, Response};

use crate::http::account_key::{
    account_of, argon2_of, checked_password_factor, checked_sk128, me, no_account, ARGON2,
};
use crate::http::checks::{checked_text, key32, wrapped_key};
use crate::http::request::json_body;
use crate::http::respond::{json_response, ok};
use crate::rules::attempts::{address_group, too_many, SIGN_INS};
use crate::rules::error::{ApiError, ApiResult};
use crate::rules::limits::{HOUR_MS, MAX_INVITE_HOURS, SESSION_TTL_MS};
use crate::rules::log_event::{Actor, Event};
use crate::rules::staff::Role;
use crate::services::audit::{self, Change};
use crate::services::auth;
use crate::services::context::Ctx;
use crate::services::headers::origin;
use crate::store::accounts::{
    self as rows, change_account, create_account, delete_session, end_sessions, first_session,
    insert_invite, open_session, AccountRow, InviteRow,
};
use crate::store::attempts::Guess;
use crate::store::config::pepper;
use crate::store::factors::{insert_factor, touch_password_factor};

fn invite_unknown() -> ApiError {
    ApiError::new(
        404,
        "invite_unknown",
        "This invite link is unknown, already used, cancelled or expired. Ask an admin for a new one.",
    )
}

/// `GET /api/invites/self`: what the invite is for, and the account's id and salt.
pub async fn invite_self(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let invite = ctx
        .db
        .pending_invite(&auth::invite_hash(&req)?, ctx.now)
        .await?
        .ok_or_else(invite_unknown)?;
    ok(&InviteView {
        email: invite.email,
        role: invite.role.name().into(),
        setup: invite.setup,
        account_id: invite.account_id,
        salt: invite.salt,
        argon2: ARGON2,
        expires_at: invite.expires_at,
    })
}

/// `POST /api/accounts`: creates the invite's account and signs it in.
pub async fn create(mut req: Request, ctx: &Ctx, env: &Env) -> ApiResult<Response> {
    let from = origin(&req);
    let invite = ctx
        .db
        .pending_invite(&auth::invite_hash(&req)?, ctx.now)
        .await?
        .ok_or_else(invite_unknown)?;
    let body: NewAccount = json_body(&mut req).await?;
    let email = checked_email(&body.email)?;
    if invite.email.as_ref().is_some_and(|e| *e != email) {
        return Err(ApiError::bad_request(
            "email_mismatch",
            "This invite is for another email address.",
        ));
    }
    let name = checked_text(
        &body.name,
        1,
        100,
        "bad_name",
        "Your name must be 1 to 100 characters.",
    )?;
    let login_key = key32(&body.login_key, "bad_login_key", "login_key")?;
    key32(&body.public_key, "bad_public_key", "public_key")?;
    wrapped_key(&body.wrapped_sk, "bad_wrapped_key", "wrapped_sk")?;
    checked_sk128(&body.wrapped_sk128)?;
    let factor = checked_password_factor(&body.password_factor)?;
    let (token, token_hash) = auth::new_token();
    let account = rows::NewAccount {
        id: invite.account_id.clone(),
        email,
        name,
        role: invite.role,
        salt: invite.salt.clone(),
        argon2: serde_json::to_string(&ARGON2).unwrap_or_default(),
        login_hash: auth::login_hash(&pepper(env)?, &login_key),
        public_key: body.public_key,
        wrapped_sk: body.wrapped_sk.clone(),
        wrapped_sk128: body.wrapped_sk128.clone(),
        created_at: ctx.now,
    };
    // The invite is used and the account created only if the invite is still pending and no
    // account has the email; its first session follows the event.
    let event = Event::new("account.created", Actor::Staff(account.id.clone()))
        .object(&account.id)
        .detail(serde_json::json!({ "role": account.role.name(), "setup": invite.setup, "invite": invite.id }));
    let change = Change::guarded(create_account(&invite.id, &account)).then(vec![
        insert_factor(&account.id, &factor, ctx.now),
        first_session(&account.id, &token_hash, ctx.now, ctx.now + SESSION_TTL_MS),
    ]);
    if audit::commit(ctx, &from, event, change).await?.happened() {
        return signed_in(ctx, 201, &AccountRow::from(account), &token).await;
    }
    // Which condition failed: the email was taken, or the invite used, cancelled or expired.
    Err(match ctx.db.account_by_email(&account.email).await? {
        Some(_) => email_taken(),
        None => invite_unknown(),
    })
}

fn email_taken() -> ApiError {
    ApiError::conflict(
        "email_taken",
        "An account with this email address exists already.",
    )
}

/// `POST /api/session/params`: the salt and Argon2id parameters to stretch a password with. For
/// an unknown email they are made up from the pepper, the same every time, so that this does not
/// tell which emails have accounts.
pub async fn params(mut req: Request, ctx: &Ctx, env: &Env) -> ApiResult<Response> {
    let body: SignInParamsQuery = json_body(&mut req).await?;
    let email = checked_email(&body.email)?;
    let answer = match ctx.db.account_by_email(&email).await? {
        Some(account) => SignInParams {
            argon2: argon2_of(&account),
            account_id: account.id,
            salt: account.salt,
        },
        None => {
            let made_up = blake3::keyed_hash(
                &pepper(env)?,
                format!("sealdrop unknown account\0{email}").as_bytes(),
            );
            let bytes = made_up.as_bytes();
            SignInParams {
                account_id: b64_encode(&bytes[..16]),
                salt: b64_encode(&bytes[16..]),
                argon2: ARGON2,
            }
        }
    };
    ok(&answer)
}

/// `POST /api/session`: signs in with the login key, within the failure limits.
pub async fn sign_in(mut req: Request, ctx: &Ctx, env: &Env) -> ApiResult<Response> {
    let from = origin(&req);
    let body: SignIn = json_body(&mut req).await?;
    let email = checked_email(&body.email)?;
    let login_key = key32(&body.login_key, "bad_login_key", "login_key")?;
    let address = address_group(&from.client);
    let recent = ctx
        .db
        .recent(Guess::SignIn, &email, &address, ctx.now, &SIGN_INS)
        .await?;
    if let Some(until) = recent.held_until(&SIGN_INS, ctx.now) {
        return Err(too_many(Guess::SignIn.what(), until, ctx.now));
    }
    let account = ctx.db.account_by_email(&email).await?;
    let presented = auth::login_hash(&pepper(env)?, &login_key);
    // An unknown email is compared against a stand-in, so both take the same path.
    let stored = account.as_ref().map_or("", |a| a.login_hash.as_str());
    let matches = ct_eq(presented.as_bytes(), stored.as_bytes()) && account.is_some();
    // The log names the account a failed sign-in tried, where the email is one; the caller
    // learns nothing of that.
    let tried = account.as_ref().map(|a| a.id.clone());
    let Some(account) = account.filter(|_| matches) else {
        let mut event = Event::new("signin", Actor::Anonymous).refused("wrong_credentials");
        if let Some(id) = &tried {
            event = event.object(id);
        }
        let change = Change::guarded(Guess::SignIn.failure(&email, &address, ctx.now, &SIGN_INS));
        if !audit::commit(ctx, &from, event, change).await?.happened() {
            // Others of the same burst used up the tries meanwhile.
            return Err(ctx.db.held(Guess::SignIn, &email, &address, ctx.now).await);
        }
        let wrong = ApiError::new(401, "wrong_credentials", "Wrong email or password.").logged();
        return Err(match tried {
            Some(id) => wrong.about(id),
            None => wrong,
        });
    };
    if account.disabled_at.is_some() {
        return Err(ApiError::new(
            403,
            "account_disabled",
            "This account is disabled. Ask an admin if this is a mistake.",
        )
        .about(&account.id));
    }
    let (token, token_hash) = auth::new_token();
    let event = Event::new("signin", Actor::Staff(account.id.clone())).object(&account.id);
    let session = open_session(
        &email,
        &address,
        ctx.now,
        &SIGN_INS,
        &token_hash,
        &account.id,
        ctx.now + SESSION_TTL_MS,
    );
    let change = Change::guarded(session).then(vec![touch_password_factor(&account.id, ctx.now)]);
    if !audit::commit(ctx, &from, event, change).await?.happened() {
        // Wrong keys of the same burst reached the limit first: the right one waits like them.
        return Err(ctx.db.held(Guess::SignIn, &email, &address, ctx.now).await);
    }
    signed_in(ctx, 200, &account, &token).await
}

/// `GET /api/session`: who is signed in, and the session's CSRF token.
pub async fn show(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    let token = auth::session_token(&req)?.ok_or_else(ApiError::not_found)?;
    let account = account_of(ctx, &staff).await?;
    ok(&session_view(ctx, &account, auth::csrf_token(&token)).await?)
}

/// `DELETE /api/session`: signs out this session.
pub async fn sign_out(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    let event = Event::new("signout", Actor::Staff(staff.id.clone())).object(&staff.id);
    let ended = auth::session_token(&req)?
        .map(|token| delete_session(&auth::hash_hex(token.as_bytes())))
        .into_iter()
        .collect();
    audit::commit(ctx, &origin(&req), event, Change::of(ended)).await?;
    let mut response = json_response(200, &serde_json::json!({ "signed_out": true }));
    let _ = response
        .headers_mut()
        .set("Set-Cookie", &auth::session_cookie(None));
    Ok(response)
}

/// `GET /api/accounts` (admins).
pub async fn list(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    auth::admin(&req, ctx).await?;
    let accounts: Vec<AccountSummary> = ctx.db.accounts().await?.iter().map(summary).collect();
    ok(&serde_json::json!({ "accounts": accounts }))
}

/// `PATCH /api/accounts/{id}` (admins): role and disabling. An admin cannot change their own
/// account here, and no change may leave the service without an enabled admin.
pub async fn change(mut req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let from = origin(&req);
    let admin = auth::admin(&req, ctx).await?;
    let body: AccountChange = json_body(&mut req).await?;
    let id = id.to_string();
    let account = ctx.db.account(&id).await?.ok_or_else(no_account)?;
    if account.id == admin.id {
        return Err(ApiError::conflict(
            "own_account",
            "You cannot change your own role or disable yourself; ask another admin.",
        ));
    }
    let role = body.role.as_deref().map(checked_role).transpose()?;
    // Disabling or enabling only what is not so already.
    let disabled = body
        .disabled
        .filter(|d| *d != account.disabled_at.is_some());
    let event = Event::new("account.changed", Actor::Staff(admin.id.clone()))
        .object(&id)
        .detail(serde_json::json!({ "role": body.role, "disabled": body.disabled }));
    let change = if role.is_none() && disabled.is_none() {
        Change::default()
    } else {
        // One statement under both conditions (see `change_account`); a disabled account's
        // sessions end in the same transaction.
        let ending = match disabled {
            Some(true) => vec![end_sessions(&id)],
            _ => Vec::new(),
        };
        Change::guarded(vec![change_account(&id, role, disabled, ctx.now)]).then(ending)
    };
    if !audit::commit(ctx, &from, event, change).await?.happened() {
        return Err(ApiError::conflict(
            "last_admin",
            "This would leave no enabled admin.",
        ));
    }
    let account = ctx.db.account(&id).await?.ok_or_else(no_account)?;
    ok(&serde_json::json!({ "account": summary(&account) }))
}

/// `POST /api/invites` (admins): a new invite; its token is in this answer only.
pub async fn invite(mut req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let from = origin(&req);
    let admin = auth::admin(&req, ctx).await?;
    let body: NewInvite = json_body(&mut req).await?;
    let email = checked_email(&body.email)?;
    let role = checked_role(&body.role)?;
    if !(1..=MAX_INVITE_HOURS).contains(&body.valid_hours) {
        return Err(ApiError::bad_request(
            "bad_validity",
            format!("valid_hours must be 1 to {MAX_INVITE_HOURS}."),
        ));
    }
    if ctx.db.account_by_email(&email).await?.is_some() {
        return Err(email_taken());
    }
    let (token, token_hash) = auth::new_token();
    let invite = rows::NewInvite {
        id: Id::random().to_string(),
        email,
        role,
        account_id: Id::random().to_string(),
        salt: b64_encode(&sealdrop_core::random::<16>()),
        created_at: ctx.now,
        expires_at: ctx.now + body.valid_hours * HOUR_MS,
    };
    let event = Event::new("invite.created", Actor::Staff(admin.id.clone()))
        .object(&invite.id)
        .detail(serde_json::json!({ "email": invite.email, "role": invite.role.name(), "expires_at": invite.expires_at }));
    // Recorded only while no account has the email (one may have been created meanwhile).
    let change = Change::guarded(vec![insert_invite(&invite, &token_hash, &admin.id)]);
    if !audit::commit(ctx, &from, event, change).await?.happened() {
        return Err(email_taken());
    }
    let mut view = invite_summary(InviteRow::from(invite));
    view.token = Some(token);
    Ok(json_response(201, &view))
}

/// `GET /api/invites` (admins): pending invites.
pub async fn invites(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    auth::admin(&req, ctx).await?;
    let invites: Vec<InviteSummary> = ctx
        .db
        .pending_invites(ctx.now)
        .await?
        .into_iter()
        .map(invite_summary)
        .collect();
    ok(&serde_json::json!({ "invites": invites }))
}

/// `DELETE /api/invites/{id}` (admins).
pub async fn cancel_invite(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let admin = auth::admin(&req, ctx).await?;
    let event = Event::new("invite.cancelled", Actor::Staff(admin.id)).object(id);
    // Only a pending invite is cancelled.
    let change = Change::guarded(vec![rows::cancel_invite(&id.to_string(), ctx.now)]);
    if !audit::commit(ctx, &origin(&req), event, change)
        .await?
        .happened()
    {
        return Err(ApiError::new(
            404,
            "no_invite",
            "No pending invite has this id.",
        ));
    }
    ok(&serde_json::json!({ "id": id.to_string(), "cancelled": true }))
}

/// A JSON answer that starts a session: the cookie, and what the page may know.
async fn signed_in(
    ctx: &Ctx,
    status: u16,
    account: &AccountRow,
    token: &str,
) -> ApiResult<Response> {
    let csrf = b64_decode_array::<32>(token, "a session token")
        .map(|t| auth::csrf_token(&Key32::from_bytes(t)))
        .unwrap_or_default();
    let mut response = json_response(status, &session_view(ctx, account, csrf).await?);
    let _ = response
        .headers_mut()
        .set("Set-Cookie", &auth::session_cookie(Some(token)));
    Ok(response)
}

async fn session_view(ctx: &Ctx, account: &AccountRow, csrf: String) -> ApiResult<SessionView> {
    let admin = account.role == Role::Admin;
    Ok(SessionView {
        account: me(ctx, account).await?,
        csrf,
        may_share: ctx.policy.may_share(admin),
        may_request: ctx.policy.may_request(admin),
    })
}

fn summary(account: &AccountRow) -> AccountSummary {
    AccountSummary {
        id: account.id.clone(),
        email: account.email.clone(),
        name: account.name.clone(),
        role: account.role.name().into(),
        created_at: account.created_at,
        disabled_at: account.disabled_at,
    }
}

fn invite_summary(invite: InviteRow) -> InviteSummary {
    InviteSummary {
        id: invite.id,
        token: None,
        email: invite.email,
        role: invite.role.name().into(),
        created_at: invite.created_at,
        expires_at: invite.expires_at,
    }
}

fn checked_role(role: &str) -> ApiResult<Role> {
    Role::parse(role)
        .ok_or_else(|| ApiError::bad_request("bad_role", "role must be \"staff\" or \"admin\"."))
}

/// An email address, lower-cased: one `@`, something before it, a dotted domain after it, no
/// spaces or control characters, at most 254 characters.
pub fn checked_email(email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.split('.').count() >= 2
                && domain.split('.').all(|label| !label.is_empty())
        });
    if valid {
        Ok(email)
    } else {
        Err(ApiError::bad_request(
            "bad_email",
            "That is not an email address.",
        ))
    }
}
