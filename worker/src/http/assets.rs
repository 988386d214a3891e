//! The pages of web/, served from the static assets binding `ASSETS`. Page routes map to their
//! HTML file; everything else is served as the file of that path, or 404.

use worker::{Env, Method, Request, Response};

use crate::rules::error::{ApiError, ApiResult};

/// The asset that answers `path`: `/d/<id>` is the download page and `/r/<id>` the request
/// page whatever the id (the page reads it; the keys stay in the fragment, which browsers never
/// send).
fn asset_path(path: &str) -> &str {
    match path {
        "/" => "/index.html",
        "/mine" => "/mine.html",
        "/setup" | "/join" => "/join.html",
        "/signin" => "/signin.html",
        "/account" => "/account.html",
        "/admin" => "/admin.html",
        "/inbox" => "/inbox.html",
        p if p.starts_with("/d/") => "/download.html",
        p if p.starts_with("/r/") => "/request.html",
        p => p,
    }
}

pub async fn serve(req: Request, env: &Env) -> ApiResult<Response> {
    if !matches!(req.method(), Method::Get | Method::Head) {
        return Err(
            ApiError::new(405, "method_not_allowed", "Pages answer GET only.")
                .with_header("Allow", "GET, HEAD".into()),
        );
    }
    let mut url = req
        .url()
        .map_err(|_| ApiError::bad_request("bad_url", "The URL is malformed."))?;
    let path = asset_path(url.path()).to_string();
    url.set_path(&path);
    url.set_query(None);
    let assets = env.assets("ASSETS").map_err(ApiError::storage)?;
    let response = assets
        .fetch(url.to_string(), None)
        .await
        .map_err(ApiError::storage)?;
    if response.status_code() == 404 {
        return Err(ApiError::new(
            404,
            "no_page",
            "There is no page at this address.",
        ));
    }
    Ok(response)
}
