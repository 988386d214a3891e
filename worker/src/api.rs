//! Dispatch of `/api/*`: resolve the route, then call its handler. Handlers parse, call and map
//! errors; the rules live in `sealdrop-core`, the SQL in `db`, the storage calls in `storage`.

use worker::{Env, Request, Response};

use crate::config::Limits;
use crate::context::Ctx;
use crate::error::ApiResult;
use crate::http::ok;
use crate::routes::{resolve, Op};
use crate::{download, parts, shares};

const OPENAPI: &str = include_str!("../openapi.json");

pub async fn handle(req: Request, env: &Env) -> ApiResult<Response> {
    let (op, p) = resolve(req.method().as_ref(), &req.path())?;
    match op {
        Op::OpenApi => {
            let doc: serde_json::Value = serde_json::from_str(OPENAPI).unwrap_or_default();
            ok(&doc)
        }
        Op::Limits => ok(&Limits::from_env(env)?),
        Op::CreateShare => shares::create(req, &Ctx::new(env).await?).await,
        Op::ShareState => shares::state(&Ctx::new(env).await?, &p.id).await,
        Op::UploadPart => parts::upload(req, &Ctx::new(env).await?, &p.id, p.j, p.n).await,
        Op::CompleteFile => shares::complete_file(req, &Ctx::new(env).await?, &p.id, p.j).await,
        Op::CompleteShare => shares::complete_share(req, &Ctx::new(env).await?, &p.id).await,
        Op::AbortShare => shares::abort(req, &Ctx::new(env).await?, &p.id).await,
        Op::OwnerView => shares::owner_view(req, &Ctx::new(env).await?, &p.id).await,
        Op::Revoke => shares::revoke(req, &Ctx::new(env).await?, &p.id).await,
        Op::Unlock => shares::unlock(req, &Ctx::new(env).await?, &p.id).await,
        Op::Proof => download::proof(req, &Ctx::new(env).await?, &p.id).await,
        Op::Contents => download::contents(req, &Ctx::new(env).await?, &p.id).await,
        Op::Payload => download::payload(req, &Ctx::new(env).await?, &p.id, p.j).await,
    }
}
