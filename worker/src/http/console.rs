//! What the admin console reads besides the log and the policy: the overview's counts.

use worker::{Request, Response};

use crate::auth;
use crate::context::Ctx;
use crate::error::ApiResult;
use crate::http::ok;

/// `GET /api/admin/overview`: active shares and requests, storage used, refusals in 24 hours.
pub async fn overview(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    auth::admin(&req, ctx).await?;
    ok(&ctx.db.overview(ctx.now).await?)
}
