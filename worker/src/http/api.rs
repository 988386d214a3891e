//! Dispatch of `/api/*`: resolve the route, then call its handler, and log every refusal.
//! Handlers parse, call and map errors; the rules live in `rules` and `sealdrop-core`, the SQL
//! and the storage calls in `store`.

use worker::{Env, Request, Response};

use crate::http::respond::ok;
use crate::http::routes::{resolve, Op, Params};
use crate::http::{
    account_key, accounts, api_keys, console, download, intake, log_api, log_export, policy,
    requests, shares,
};
use crate::rules::api_keys::LAST_USED_EVERY_MS;
use crate::rules::attempts::address_group;
use crate::rules::error::{ApiError, ApiResult};
use crate::rules::log_event::{Actor, Event, Origin};
use crate::services::audit::{self, Change};
use crate::services::auth;
use crate::services::context::Ctx;
use crate::services::headers::origin;
use crate::services::sequencer;
use crate::store::api_keys::touch_api_key;

const OPENAPI: &str = include_str!("../../openapi.json");

pub async fn handle(req: Request, env: &Env) -> ApiResult<Response> {
    let (op, p) = resolve(req.method().as_ref(), &req.path())?;
    if op == Op::OpenApi {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap_or_default();
        return ok(&doc);
    }
    let from = origin(&req);
    let caller = auth::Caller::of(&req);
    if caller.is_anonymous() {
        throttle(env, &from, op).await?;
    }
    let mut ctx = Ctx::new(env).await?;
    let answer = match with_key(&mut ctx, &req, &caller, op).await {
        Ok(()) => dispatch(op, p, req, &ctx, env).await,
        Err(err) => Err(err),
    };
    let answer = match answer {
        Ok(response) => note_key_use(&ctx, &from, op, p).await.map(|()| response),
        Err(err) => Err(err),
    };
    let ctx = &ctx;
    if let Err(err) = &answer {
        // Every refusal is logged, with its reason; failures of our own (503) are not refusals.
        if err.status < 500 && !err.logged {
            log_refusal(ctx, &from, &caller, op, p, err).await;
        }
    }
    answer
}

/// Checks the API key the request carries, if it carries one, for `op`; the handlers then see its
/// account as the caller (`auth::staff`).
async fn with_key(ctx: &mut Ctx, req: &Request, caller: &auth::Caller, op: Op) -> ApiResult<()> {
    // A malformed key is refused here; `caller` keeps only well-formed ones.
    auth::api_key_hash(req)?;
    if let Some(hash) = &caller.api_key_hash {
        let key = auth::api_key(ctx, hash, op.key_scopes()).await?;
        ctx.key = Some(key);
    }
    Ok(())
}

/// Every call made with an API key leaves an event under its account and the key's name: the
/// handler's own, or else one here, written with the key's last use before the answer goes out
/// (503 if the log cannot take it). A call whose handler logged marks the key used alone.
async fn note_key_use(ctx: &Ctx, from: &Origin, op: Op, p: Params) -> ApiResult<()> {
    let Some(caller) = &ctx.key else {
        return Ok(());
    };
    let touch = touch_api_key(&caller.key.id, ctx.now, LAST_USED_EVERY_MS);
    if ctx.logged.get() {
        return ctx.db.commit(&[touch]).await.map(drop);
    }
    let mut event = Event::new(op.action(), Actor::Staff(caller.staff.id.clone()));
    if let Some(id) = p.file.or(p.id) {
        event = event.object(id);
    }
    audit::commit(ctx, from, event, Change::of(vec![touch]))
        .await
        .map(drop)
}

/// Calls that carry no credential at all are limited per client address before any database
/// work (`ANONYMOUS_CALLS` in wrangler.toml); a refusal here is only counted into the address's
/// summary of refusals.
async fn throttle(env: &Env, from: &Origin, op: Op) -> ApiResult<()> {
    let limiter = env
        .rate_limiter("ANONYMOUS_CALLS")
        .map_err(ApiError::database)?;
    let key = address_group(&from.client);
    if limiter
        .limit(key)
        .await
        .map_err(ApiError::database)?
        .success
    {
        return Ok(());
    }
    let refused = ApiError::new(
        429,
        "rate_limited",
        "Too many requests from this address. Try again in a minute.",
    )
    .with_header("Retry-After", "60".into());
    let sequencer = sequencer::Client::from_env(env)?;
    let at = worker::Date::now().as_millis();
    if let Err(log) = audit::refusal(&sequencer, from, op.action(), refused.code, at).await {
        worker::console_error!("audit: a refusal went unlogged: {}", log.message);
    }
    Err(refused)
}

/// Logs a refused call under whoever made it, as far as the request says: the signed-in account
/// (a session that is still valid), a partner sending an upload token, the holder of a share
/// link, or nobody known.
async fn log_refusal(
    ctx: &Ctx,
    from: &Origin,
    caller: &auth::Caller,
    op: Op,
    p: Params,
    err: &ApiError,
) {
    // A known API key names its account and itself, whatever its state; a session its account.
    let refused_key = match (&ctx.key, &caller.api_key_hash) {
        (None, Some(hash)) => auth::refused_key(ctx, hash).await,
        _ => None,
    };
    let staff = match (&ctx.key, &refused_key) {
        (Some(key), _) => Some(key.staff.id.clone()),
        (None, Some((account, _))) => Some(account.clone()),
        (None, None) => caller.staff(ctx).await.map(|s| s.id),
    };
    let actor = match staff {
        Some(id) => Actor::Staff(id),
        None => match p.id {
            Some(id) if op.is_intake() && caller.sent_upload_token => {
                Actor::Partner(id.to_string())
            }
            _ if op.is_download() => Actor::Holder,
            _ => Actor::Anonymous,
        },
    };
    let object = err.about.clone().or(p.id.map(|id| id.to_string()));
    // Nobody known, and nothing that exists: a guess or a scan. These are summed per address and
    // window rather than appended one by one, so that a flood cannot outgrow the log.
    let nameless = matches!(actor, Actor::Anonymous | Actor::Holder)
        && (object.is_none() || err.status == 404);
    let logged = if nameless {
        audit::refusal(&ctx.sequencer, from, op.action(), err.code, ctx.now).await
    } else {
        let mut event = Event::new(op.action(), actor).refused(err.code);
        if let Some(object) = object {
            event = event.object(object);
        }
        if let Some((_, key)) = refused_key {
            event = event.api_key(key);
        }
        audit::record(ctx, from, event).await
    };
    if let Err(log) = logged {
        worker::console_error!("audit: a refusal went unlogged: {}", log.message);
    }
}

async fn dispatch(op: Op, p: Params, req: Request, ctx: &Ctx, env: &Env) -> ApiResult<Response> {
    // The route table gives every operation below whose path has `{id}` (or `{file}`) its value.
    let missing = || ApiError::new(404, "no_route", "There is no such API endpoint.");
    let id = p.id.as_ref().ok_or_else(missing);
    let file = p.file.as_ref().ok_or_else(missing);
    match op {
        Op::OpenApi => unreachable!("answered above"),
        Op::Limits => ok(&ctx.limits),
        Op::CreateShare => shares::create(req, ctx).await,
        Op::ListShares => shares::list(req, ctx, false).await,
        Op::AdminShares => shares::list(req, ctx, true).await,
        Op::ShareState => shares::state(ctx, id?).await,
        Op::UploadPart => shares::upload_part(req, ctx, id?, p.j, p.n).await,
        Op::StoredParts => shares::stored_parts(req, ctx, id?, p.j).await,
        Op::CompleteFile => shares::complete_file(req, ctx, id?, p.j).await,
        Op::CompleteShare => shares::complete_share(req, ctx, id?).await,
        Op::AbortShare => shares::abort(req, ctx, id?).await,
        Op::OwnerView => shares::owner_view(req, ctx, id?).await,
        Op::Revoke => shares::revoke(req, ctx, id?).await,
        Op::Unlock => shares::unlock(req, ctx, id?).await,
        Op::Proof => download::proof(req, ctx, id?).await,
        Op::Contents => download::contents(req, ctx, id?).await,
        Op::Payload => download::payload(req, ctx, id?, p.j).await,
        Op::InviteSelf => accounts::invite_self(req, ctx).await,
        Op::CreateAccount => accounts::create(req, ctx, env).await,
        Op::Accounts => accounts::list(req, ctx).await,
        Op::ChangeAccount => accounts::change(req, ctx, id?).await,
        Op::SignInParams => accounts::params(req, ctx, env).await,
        Op::SignIn => accounts::sign_in(req, ctx, env).await,
        Op::Session => accounts::show(req, ctx).await,
        Op::SignOut => accounts::sign_out(req, ctx).await,
        Op::ChangePassword => account_key::change_password(req, ctx, env).await,
        Op::AdoptAccountKey => account_key::adopt(req, ctx).await,
        Op::Account => api_keys::account(req, ctx).await,
        Op::CreateApiKey => api_keys::create(req, ctx).await,
        Op::ApiKeys => api_keys::list(req, ctx).await,
        Op::RevokeApiKey => api_keys::revoke(req, ctx, id?).await,
        Op::AdminApiKeys => api_keys::admin_list(req, ctx).await,
        Op::AdminRevokeApiKey => api_keys::admin_revoke(req, ctx, id?).await,
        Op::CreateInvite => accounts::invite(req, ctx).await,
        Op::Invites => accounts::invites(req, ctx).await,
        Op::CancelInvite => accounts::cancel_invite(req, ctx, id?).await,
        Op::CreateRequest => requests::create(req, ctx).await,
        Op::Requests => requests::list(req, ctx).await,
        Op::RequestDetail => requests::show(req, ctx, id?).await,
        Op::DeleteRequest => requests::delete(req, ctx, id?).await,
        Op::RequestPayload => requests::payload(req, ctx, id?, file?).await,
        Op::MarkRead => requests::mark_read(req, ctx, id?, file?).await,
        Op::DeleteRequestFile => requests::delete_file(req, ctx, id?, file?).await,
        Op::Intake => intake::show(req, ctx, id?).await,
        Op::CreateRequestFile => intake::create(req, ctx, id?).await,
        Op::UploadRequestPart => intake::part(req, ctx, id?, file?, p.n).await,
        Op::StoredRequestParts => intake::stored_parts(req, ctx, id?, file?).await,
        Op::CompleteRequestFile => intake::complete(req, ctx, id?, file?).await,
        Op::AbortRequestFile => intake::abort(req, ctx, id?, file?).await,
        Op::Receipt => download::receipt(req, ctx, id?, p.j).await,
        Op::LogCheckpoint => log_api::checkpoint(req, ctx).await,
        Op::LogEvents => log_api::events(req, ctx, log_api::Reader::Admin).await,
        Op::LogVerify => log_api::verify(req, ctx).await,
        Op::LogExport => log_export::export(req, ctx, env).await,
        Op::Activity => log_api::events(req, ctx, log_api::Reader::Owner).await,
        Op::Overview => console::overview(req, ctx).await,
        Op::Policy => policy::show(req, ctx).await,
        Op::SetPolicy => policy::change(req, ctx).await,
    }
}
