//! What the admin console reads besides the log and the policy: the overview's counts.

use worker::{Request, Response};

use crate::http::respond::ok;
use crate::rules::error::ApiResult;
use crate::services::auth;
use crate::services::context::Ctx;

/// `GET /api/admin/overview`: active shares and requests, storage used, refusals in 24 hours.
pub async fn overview(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    auth::admin(&req, ctx).await?;
    ok(&ctx.db.overview(ctx.now).await?)
}
