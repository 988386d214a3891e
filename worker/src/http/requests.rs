//! File requests, the staff side: creating one, the inbox (requests with their received files),
//! downloading a received file's ciphertext, marking it read, deleting.
//!
//! A request belongs to the account that made it; nobody else sees it, admins included (they
//! manage accounts, not other people's files). Another account's request answers 404.

use sealdrop_core::api::{CreateRequest, InboxFile, RequestDetail, RequestSummary};
use sealdrop_core::encoding::Id;
use worker::{Request, Response};

use crate::http::checks::{
    checked_expiry, checked_text, key32, no_such_request, no_such_request_file, request_file,
    wrapped_key,
};
use crate::http::payload::serve_payload;
use crate::http::request::json_body;
use crate::http::respond::{json_response, ok};
use crate::rules::error::{ApiError, ApiResult};
use crate::rules::limits::MAX_REQUEST_FILES;
use crate::rules::log_event::{Actor, Event};
use crate::rules::staff::Staff;
use crate::services::audit::{self, Change};
use crate::services::auth;
use crate::services::context::Ctx;
use crate::services::headers::origin;
use crate::services::uploads;
use crate::store::requests::{
    self as rows, delete_request, delete_request_file, insert_request, NewRequest, RequestFileRow,
    RequestRow,
};

/// `POST /api/requests`.
pub async fn create(mut req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    ctx.policy.check_request(&staff)?;
    let body: CreateRequest = json_body(&mut req).await?;
    let id = Id::parse(&body.id).map_err(|_| {
        ApiError::bad_request(
            "bad_id",
            "id must be 16 random bytes in base64url (22 characters).",
        )
    })?;
    let label = checked_text(
        &body.label,
        1,
        100,
        "bad_label",
        "The label must be 1 to 100 characters.",
    )?;
    let message = checked_text(
        &body.message,
        0,
        2000,
        "bad_message",
        "The message must be at most 2,000 characters.",
    )?;
    let expires_at = checked_expiry(body.expires_at, ctx)?;
    if !(1..=MAX_REQUEST_FILES).contains(&body.max_files) {
        return Err(ApiError::bad_request(
            "bad_max_files",
            format!("max_files must be 1 to {MAX_REQUEST_FILES}."),
        ));
    }
    let most_bytes = ctx.limits.max_file_bytes.saturating_mul(body.max_files);
    if body.max_bytes == 0 || body.max_bytes > most_bytes {
        return Err(ApiError::bad_request(
            "bad_max_bytes",
            format!("max_bytes must be 1 to {most_bytes} (the largest file times max_files)."),
        ));
    }
    let account = ctx
        .db
        .account(&staff.id)
        .await?
        .ok_or_else(no_such_request)?;
    key32(&body.public_key, "bad_public_key", "public_key")?;
    // The link carries the key the browser computed from the unwrapped private key; one that
    // differs from the account's means the browser and the server disagree about the key.
    if body.public_key != account.public_key {
        return Err(ApiError::conflict(
            "key_mismatch",
            "This public key is not your account's key; reload and unlock again.",
        ));
    }
    let token_hash = key32(
        &body.upload_token_hash,
        "bad_upload_token_hash",
        "upload_token_hash",
    )?;
    wrapped_key(&body.wrapped_rs, "bad_wrapped_key", "wrapped_rs")?;
    let row = NewRequest {
        id: id.to_string(),
        owner_account: staff.id.clone(),
        label,
        message,
        public_key: body.public_key,
        upload_token_hash: hex::encode(token_hash),
        wrapped_rs: body.wrapped_rs,
        max_files: body.max_files,
        max_bytes: body.max_bytes,
        created_at: ctx.now,
        expires_at,
    };
    let event = Event::new("request.created", Actor::Staff(staff.id.clone()))
        .object(&row.id)
        .detail(serde_json::json!({ "expires_at": row.expires_at, "max_files": row.max_files, "max_bytes": row.max_bytes }));
    // Recorded only if no request has the id.
    let change = Change::guarded(vec![insert_request(&row)]);
    if !audit::commit(ctx, &origin(&req), event, change)
        .await?
        .happened()
    {
        return Err(ApiError::conflict(
            "id_taken",
            "A request with this id exists; draw another id.",
        ));
    }
    let row = RequestRow::from(row);
    Ok(json_response(
        201,
        &serde_json::json!({ "request": summary(&row, ctx.now) }),
    ))
}

/// `GET /api/requests`: the caller's requests, newest first.
pub async fn list(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    let requests: Vec<RequestSummary> = ctx
        .db
        .requests_of(&staff.id)
        .await?
        .iter()
        .map(|r| summary(r, ctx.now))
        .collect();
    ok(&serde_json::json!({ "requests": requests }))
}

/// `GET /api/requests/{id}`: a request and its received files.
pub async fn show(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    let request = owned(ctx, &staff, id).await?;
    let hashes = ctx.db.received_part_hashes(&request.id).await?;
    let files = ctx
        .db
        .received_files(&request.id)
        .await?
        .into_iter()
        .map(|f| {
            let parts = hashes
                .iter()
                .filter(|(key, _)| *key == f.object_key)
                .map(|(_, h)| h.clone())
                .collect();
            inbox_file(f, parts)
        })
        .collect();
    ok(&RequestDetail {
        request: summary(&request, ctx.now),
        files,
    })
}

/// `DELETE /api/requests/{id}`: the request, its files and their storage. The storage goes
/// first, then the rows with their event: a retry after a busy log releases again, harmlessly.
pub async fn delete(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    let request = owned(ctx, &staff, id).await?;
    for file in ctx.db.all_request_files(&request.id).await? {
        uploads::release(ctx, &file.upload()).await?;
    }
    let event = Event::new("request.deleted", Actor::Staff(staff.id)).object(&request.id);
    let change = Change::guarded(delete_request(&request.id));
    if !audit::commit(ctx, &origin(&req), event, change)
        .await?
        .happened()
    {
        // Deleted meanwhile.
        return Err(no_such_request());
    }
    ok(&serde_json::json!({ "id": request.id, "deleted": true }))
}

/// `GET /api/requests/{id}/files/{file}/payload`: a received file's ciphertext, whole or a range.
///
/// One download is one event, however many ranges it takes: `request.file.downloaded` is logged
/// for the request that starts at offset 0 (a Range from byte 0, or no Range header: the whole
/// file), before its bytes are sent; a later range of the same download (starting further on)
/// logs nothing. A refused range (400, 416) logs nothing either.
pub async fn payload(req: Request, ctx: &Ctx, id: &Id, file: &Id) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    let request = owned(ctx, &staff, id).await?;
    let file = received(ctx, &request, file).await?;
    let response = serve_payload(&req, ctx, &file.object_key, file.payload_size).await?;
    if starts_at_zero(&response) {
        let event = Event::new("request.file.downloaded", Actor::Staff(staff.id))
            .object(&request.id)
            .bytes(file.payload_size)
            .detail(serde_json::json!({ "file": file.id }));
        audit::record(ctx, &origin(&req), event).await?;
    }
    Ok(response)
}

/// Whether a payload response begins at byte 0: a whole file (200), or a range (206) whose
/// `Content-Range: bytes first-last/size` has first 0.
fn starts_at_zero(response: &Response) -> bool {
    if response.status_code() != 206 {
        return true;
    }
    response
        .headers()
        .get("Content-Range")
        .ok()
        .flatten()
        .and_then(|range| {
            range
                .strip_prefix("bytes ")?
                .split('-')
                .next()?
                .parse::<u64>()
                .ok()
        })
        == Some(0)
}

/// `POST /api/requests/{id}/files/{file}/read`.
pub async fn mark_read(req: Request, ctx: &Ctx, id: &Id, file: &Id) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    let request = owned(ctx, &staff, id).await?;
    let file = received(ctx, &request, file).await?;
    let event = Event::new("request.file.read", Actor::Staff(staff.id))
        .object(&request.id)
        .bytes(file.plaintext_size)
        .content_id(file.content_id.as_deref().unwrap_or_default())
        .detail(serde_json::json!({ "file": file.id }));
    let change = Change::guarded(vec![rows::mark_read(&file.id, ctx.now)]);
    if !audit::commit(ctx, &origin(&req), event, change)
        .await?
        .happened()
    {
        // Deleted meanwhile.
        return Err(no_such_request_file());
    }
    ok(&serde_json::json!({ "id": file.id, "read_at": file.read_at.unwrap_or(ctx.now) }))
}

/// `DELETE /api/requests/{id}/files/{file}`: a received file, or one still arriving.
pub async fn delete_file(req: Request, ctx: &Ctx, id: &Id, file: &Id) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    let request = owned(ctx, &staff, id).await?;
    let file = request_file(ctx, &request.id, &file.to_string()).await?;
    // The storage first, then the rows with their event (a retry releases again, harmlessly).
    uploads::release(ctx, &file.upload()).await?;
    let event = Event::new("request.file.deleted", Actor::Staff(staff.id))
        .object(&request.id)
        .detail(serde_json::json!({ "file": file.id }));
    let change = Change::guarded(delete_request_file(&file.id));
    if !audit::commit(ctx, &origin(&req), event, change)
        .await?
        .happened()
    {
        // Deleted meanwhile.
        return Err(no_such_request_file());
    }
    ok(&serde_json::json!({ "id": file.id, "deleted": true }))
}

/// The request, if the caller owns it; anyone else's is as good as absent.
async fn owned(ctx: &Ctx, staff: &Staff, id: &Id) -> ApiResult<RequestRow> {
    ctx.db
        .request(&id.to_string())
        .await?
        .filter(|r| r.owner_account == staff.id)
        .ok_or_else(no_such_request)
}

async fn received(ctx: &Ctx, request: &RequestRow, file: &Id) -> ApiResult<RequestFileRow> {
    ctx.db
        .request_file(&request.id, &file.to_string())
        .await?
        .filter(|f| f.content_id.is_some())
        .ok_or_else(no_such_request_file)
}

fn summary(r: &RequestRow, now: u64) -> RequestSummary {
    RequestSummary {
        id: r.id.clone(),
        label: r.label.clone(),
        message: r.message.clone(),
        public_key: r.public_key.clone(),
        wrapped_rs: r.wrapped_rs.clone(),
        created_at: r.created_at,
        expires_at: r.expires_at,
        max_files: r.max_files,
        max_bytes: r.max_bytes,
        state: r.state_at(now).name().into(),
        files: r.received,
        unread: r.unread,
        bytes: r.received_bytes,
    }
}

fn inbox_file(f: RequestFileRow, parts: Vec<String>) -> InboxFile {
    InboxFile {
        id: f.id,
        header: f.header,
        metadata: f.metadata,
        stanza: f.stanza,
        plaintext_size: f.plaintext_size,
        payload_size: f.payload_size,
        chunks_per_part: f.chunks_per_part,
        part_size: f.part_size,
        part_count: f.part_count,
        content_id: f.content_id.unwrap_or_default(),
        parts,
        received_at: f.completed_at.unwrap_or(f.created_at),
        read_at: f.read_at,
    }
}
