//! Dispatch of `/api/*`: resolve the route, then call its handler. Handlers parse, call and map
//! errors; the rules live in `sealdrop-core`, the SQL in `db`, the storage calls in `storage`.

use worker::{Env, Request, Response};

use crate::audit::{self, Actor, Event, Origin};
use crate::config::Limits;
use crate::context::Ctx;
use crate::error::ApiResult;
use crate::http::ok;
use crate::routes::{resolve, Op, Params};
use crate::{accounts, download, intake, log_api, requests, shares};

const OPENAPI: &str = include_str!("../openapi.json");

pub async fn handle(req: Request, env: &Env) -> ApiResult<Response> {
    let (op, p) = resolve(req.method().as_ref(), &req.path())?;
    if op == Op::OpenApi {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap_or_default();
        return ok(&doc);
    }
    if op == Op::Limits {
        return ok(&Limits::from_env(env)?);
    }
    let ctx = &Ctx::new(env).await?;
    let from = Origin::of(&req);
    let answer = dispatch(op, p, req, ctx, env).await;
    if let Err(err) = &answer {
        // Every refusal is logged, with its reason; failures of our own (503) are not refusals.
        if err.status < 500 {
            let mut event = Event::new(format!("{op:?}"), Actor::Anonymous).refused(err.code);
            // Params of a route without an id stay zero.
            if p.id.0 != [0; 16] {
                event = event.object(p.id);
            }
            if let Err(log) = audit::record(ctx, &from, event).await {
                worker::console_error!("audit: a refusal went unlogged: {}", log.message);
            }
        }
    }
    answer
}

async fn dispatch(op: Op, p: Params, req: Request, ctx: &Ctx, env: &Env) -> ApiResult<Response> {
    let (id, file) = (&p.id, &p.file);
    match op {
        Op::OpenApi | Op::Limits => unreachable!("answered above"),
        Op::CreateShare => shares::create(req, ctx).await,
        Op::ListShares => shares::list(req, ctx, false).await,
        Op::AdminShares => shares::list(req, ctx, true).await,
        Op::ShareState => shares::state(ctx, id).await,
        Op::UploadPart => shares::upload_part(req, ctx, id, p.j, p.n).await,
        Op::CompleteFile => shares::complete_file(req, ctx, id, p.j).await,
        Op::CompleteShare => shares::complete_share(req, ctx, id).await,
        Op::AbortShare => shares::abort(req, ctx, id).await,
        Op::OwnerView => shares::owner_view(req, ctx, id).await,
        Op::Revoke => shares::revoke(req, ctx, id).await,
        Op::Unlock => shares::unlock(req, ctx, id).await,
        Op::Proof => download::proof(req, ctx, id).await,
        Op::Contents => download::contents(req, ctx, id).await,
        Op::Payload => download::payload(req, ctx, id, p.j).await,
        Op::InviteSelf => accounts::invite_self(req, ctx).await,
        Op::CreateAccount => accounts::create(req, ctx, env).await,
        Op::Accounts => accounts::list(req, ctx).await,
        Op::ChangeAccount => accounts::change(req, ctx, id).await,
        Op::SignInParams => accounts::params(req, ctx, env).await,
        Op::SignIn => accounts::sign_in(req, ctx, env).await,
        Op::Session => accounts::show(req, ctx).await,
        Op::SignOut => accounts::sign_out(req, ctx).await,
        Op::ChangePassword => accounts::change_password(req, ctx, env).await,
        Op::CreateInvite => accounts::invite(req, ctx).await,
        Op::Invites => accounts::invites(req, ctx).await,
        Op::CancelInvite => accounts::cancel_invite(req, ctx, id).await,
        Op::CreateRequest => requests::create(req, ctx).await,
        Op::Requests => requests::list(req, ctx).await,
        Op::RequestDetail => requests::show(req, ctx, id).await,
        Op::DeleteRequest => requests::delete(req, ctx, id).await,
        Op::RequestPayload => requests::payload(req, ctx, id, file).await,
        Op::MarkRead => requests::mark_read(req, ctx, id, file).await,
        Op::DeleteRequestFile => requests::delete_file(req, ctx, id, file).await,
        Op::Intake => intake::show(req, ctx, id).await,
        Op::CreateRequestFile => intake::create(req, ctx, id).await,
        Op::UploadRequestPart => intake::part(req, ctx, id, file, p.n).await,
        Op::CompleteRequestFile => intake::complete(req, ctx, id, file).await,
        Op::AbortRequestFile => intake::abort(req, ctx, id, file).await,
        Op::LogCheckpoint => log_api::checkpoint(req, ctx).await,
        Op::LogExport => log_api::export(req, ctx).await,
    }
}
