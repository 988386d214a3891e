//! File requests, the partner's side: anyone holding a request link (its upload token) may see
//! who asks and send files into it, within its limits and before it expires; nothing else.
//! Partners cannot list, download or delete what is there, not even what they sent.

use sealdrop_core::api::{CompleteFile, CreatedRequestFile, Intake, IntakeFrom, NewRequestFile};
use sealdrop_core::encoding::{b64_decode_array, Id};
use sealdrop_core::request::STANZA_LEN;
use worker::{console_error, Request, Response};

use crate::http::checks::{
    checked_content_id, no_such_request, no_such_request_file, request_file,
};
use crate::http::request::json_body;
use crate::http::respond::{json_response, ok};
use crate::rules::error::{ApiError, ApiResult};
use crate::rules::log_event::{Actor, Event};
use crate::services::audit::{self, Change};
use crate::services::auth;
use crate::services::context::Ctx;
use crate::services::headers::origin;
use crate::services::uploads::{self, checked_file};
use crate::store::requests::{
    self as rows, complete_request_file, delete_unfinished_file, insert_request_file,
    set_request_upload_id, RequestFileRow, RequestRow,
};
use crate::store::storage::request_object_key;

/// The request, if the caller holds its upload token. A disabled staff member's requests are as
/// good as gone: nobody could open what arrived.
async fn linked(req: &Request, ctx: &Ctx, id: &Id) -> ApiResult<RequestRow> {
    let request = ctx
        .db
        .request(&id.to_string())
        .await?
        .filter(|r| !r.owner_disabled)
        .ok_or_else(no_such_request)?;
    auth::check_upload_token(req, &request.upload_token_hash)?;
    Ok(request)
}

fn expired() -> ApiError {
    ApiError::new(
        410,
        "request_expired",
        "This request has expired; ask its sender for a new link.",
    )
}

/// `GET /api/requests/{id}/intake`: who asks, their message and the room left.
pub async fn show(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let request = linked(&req, ctx, id).await?;
    let owner = ctx
        .db
        .account(&request.owner_account)
        .await?
        .ok_or_else(no_such_request)?;
    ok(&Intake {
        id: request.id.clone(),
        from: IntakeFrom {
            name: owner.name,
            email: owner.email,
        },
        message: request.message.clone(),
        expires_at: request.expires_at,
        max_files: request.max_files,
        max_bytes: request.max_bytes,
        files_left: request.max_files.saturating_sub(request.files),
        bytes_left: request.max_bytes.saturating_sub(request.bytes),
        state: request.state_at(ctx.now).name().into(),
    })
}

/// `POST /api/requests/{id}/uploads`: records a new file, if it fits, and starts its upload.
pub async fn create(mut req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let request = open_request(&req, ctx, id).await?;
    let body: NewRequestFile = json_body(&mut req).await?;
    let file = checked_file(
        "This file",
        &body.header,
        &body.metadata,
        body.payload_size,
        body.chunks_per_part,
        ctx,
    )?;
    b64_decode_array::<STANZA_LEN>(&body.stanza, "the stanza").map_err(|_| {
        ApiError::bad_request(
            "bad_stanza",
            format!("The stanza must be {STANZA_LEN} bytes in base64url."),
        )
    })?;
    let file_id = Id::random();
    let row = rows::NewRequestFile {
        id: file_id.to_string(),
        request_id: request.id.clone(),
        header: body.header,
        metadata: body.metadata,
        stanza: body.stanza,
        plaintext_size: file.plaintext_size,
        payload_size: file.payload_size,
        chunks_per_part: file.chunks_per_part,
        part_size: file.part_size,
        part_count: file.part_count,
        object_key: request_object_key(id, &file_id),
    };
    let from = origin(&req);
    let started = Event::new("request.upload.started", Actor::Partner(request.id.clone()))
        .object(&request.id)
        .bytes(row.plaintext_size)
        .detail(serde_json::json!({ "file": row.id }));
    // Recorded only if the request is open and the file fits, with its event.
    let change = Change::guarded(vec![insert_request_file(&row, ctx.now)]);
    if !audit::commit(ctx, &from, started, change).await?.happened() {
        let request = ctx
            .db
            .request(&request.id)
            .await?
            .ok_or_else(no_such_request)?;
        return Err(if request.expires_at <= ctx.now {
            expired()
        } else if request.files >= request.max_files {
            ApiError::conflict(
                "request_full",
                format!(
                    "This request takes {} files, and has them all.",
                    request.max_files
                ),
            )
        } else {
            ApiError::conflict(
                "request_full",
                format!(
                    "This file does not fit: the request has {} bytes of room left.",
                    request.max_bytes.saturating_sub(request.bytes)
                ),
            )
        });
    }
    // Recorded first, created second: an upload R2 holds is always one the database knows. If
    // R2 fails, the record goes again with an event saying so; should that event not be taken,
    // the purge removes the record as abandoned later.
    let upload_id = match ctx.storage.create_upload(&row.object_key).await {
        Ok(upload_id) => upload_id,
        Err(err) => {
            let aborted = Event::new("request.upload.aborted", Actor::Partner(request.id.clone()))
                .object(&request.id)
                .detail(serde_json::json!({ "file": row.id, "reason": "storage" }));
            let change = Change::guarded(delete_unfinished_file(&row.id));
            if let Err(undone) = audit::commit(ctx, &from, aborted, change).await {
                console_error!("intake: a record R2 refused stays: {}", undone.message);
            }
            return Err(err);
        }
    };
    ctx.db
        .commit(&[set_request_upload_id(&row.id, &upload_id)])
        .await?;
    Ok(json_response(
        201,
        &CreatedRequestFile {
            id: row.id,
            payload_size: row.payload_size,
            chunks_per_part: row.chunks_per_part,
            part_size: row.part_size,
            part_count: row.part_count,
        },
    ))
}

/// `PUT /api/requests/{id}/uploads/{file}/parts/{n}`.
pub async fn part(req: Request, ctx: &Ctx, id: &Id, file: &Id, n: u64) -> ApiResult<Response> {
    let request = open_request(&req, ctx, id).await?;
    let file = uploading(ctx, &request, file).await?;
    ok(&uploads::store_part(req, ctx, &file.upload(), n).await?)
}

/// `GET /api/requests/{id}/uploads/{file}`: the parts of the file the server holds, complete or
/// not, so that a partner's page resumes where the upload stopped.
pub async fn stored_parts(req: Request, ctx: &Ctx, id: &Id, file: &Id) -> ApiResult<Response> {
    let request = linked(&req, ctx, id).await?;
    let file = request_file(ctx, &request.id, &file.to_string()).await?;
    ok(&uploads::stored_parts(ctx, &file.upload(), file.content_id.as_deref()).await?)
}

/// `POST /api/requests/{id}/uploads/{file}/complete`: idempotent.
pub async fn complete(mut req: Request, ctx: &Ctx, id: &Id, file: &Id) -> ApiResult<Response> {
    let request = linked(&req, ctx, id).await?;
    let body: CompleteFile = json_body(&mut req).await?;
    let content_id = checked_content_id(&body.content_id)?;
    let file = request_file(ctx, &request.id, &file.to_string()).await?;
    let answer = serde_json::json!({ "id": file.id, "content_id": content_id });
    match &file.content_id {
        Some(done) if *done == content_id => return ok(&answer),
        Some(_) => {
            return Err(ApiError::conflict(
                "file_complete",
                "This file was completed with another content id.",
            ))
        }
        None => {}
    }
    // A file whose every part arrived before the expiry may still be completed after it.
    uploads::join_parts(ctx, &file.upload()).await?;
    let event = Event::new(
        "request.upload.completed",
        Actor::Partner(request.id.clone()),
    )
    .object(&request.id)
    .bytes(file.plaintext_size)
    .content_id(&content_id)
    .detail(serde_json::json!({ "file": file.id }));
    // The content id is recorded once, with its event.
    let change = Change::guarded(vec![complete_request_file(&file.id, &content_id, ctx.now)]);
    if !audit::commit(ctx, &origin(&req), event, change)
        .await?
        .happened()
    {
        // Completed (or deleted) meanwhile: the answer a retry would get now.
        let done = request_file(ctx, &request.id, &file.id).await?.content_id;
        if done.as_deref() != Some(content_id.as_str()) {
            return Err(ApiError::conflict(
                "file_complete",
                "This file was completed with another content id.",
            ));
        }
    }
    ok(&answer)
}

/// `DELETE /api/requests/{id}/uploads/{file}`: abandons a file still being uploaded.
/// The storage goes first, then the rows with their event (a retry releases again, harmlessly).
pub async fn abort(req: Request, ctx: &Ctx, id: &Id, file_id: &Id) -> ApiResult<Response> {
    let request = linked(&req, ctx, id).await?;
    let file = uploading(ctx, &request, file_id).await?;
    uploads::release(ctx, &file.upload()).await?;
    let event = Event::new("request.upload.aborted", Actor::Partner(request.id.clone()))
        .object(&request.id)
        .detail(serde_json::json!({ "file": file.id }));
    // Only while the file is still incomplete.
    let change = Change::guarded(delete_unfinished_file(&file.id));
    if !audit::commit(ctx, &origin(&req), event, change)
        .await?
        .happened()
    {
        // Completed or deleted meanwhile: the refusal a retry would get now.
        return Err(match uploading(ctx, &request, file_id).await {
            Err(refusal) => refusal,
            Ok(_) => no_such_request_file(),
        });
    }
    ok(&serde_json::json!({ "id": file.id, "aborted": true }))
}

/// The request, if the caller holds its token and it still takes files.
async fn open_request(req: &Request, ctx: &Ctx, id: &Id) -> ApiResult<RequestRow> {
    let request = linked(req, ctx, id).await?;
    if request.expires_at <= ctx.now {
        return Err(expired());
    }
    Ok(request)
}

/// A file of the request that is still being uploaded.
async fn uploading(ctx: &Ctx, request: &RequestRow, file: &Id) -> ApiResult<RequestFileRow> {
    let file = request_file(ctx, &request.id, &file.to_string()).await?;
    if file.content_id.is_some() {
        return Err(ApiError::conflict(
            "file_complete",
            "This file is complete; it can no longer change.",
        ));
    }
    Ok(file)
}
