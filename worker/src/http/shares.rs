//! Making a share: create it with its files' headers and sealed metadata, complete each file,
//! then the share with its sealed manifest; or abort it. Also its public state.

use sealdrop_core::api::{
    CompleteFile, CompleteShare, CreateShare, CreatedShare, FileLayout, NewFile, OwnerView,
    PasswordParams, ShareState, ShareSummary,
};
use sealdrop_core::encoding::{b64_decode, b64_decode_array, Id};
use worker::{Request, Response};

use crate::http::checks::{checked_content_id, checked_expiry, key32, share, share_file};
use crate::http::request::json_body;
use crate::http::respond::{json_response, ok};
use crate::rules::error::{ApiError, ApiResult};
use crate::rules::lifecycle::State;
use crate::rules::limits::{MAX_DOWNLOAD_LIMIT, MAX_MANIFEST_LEN};
use crate::rules::log_event::{Actor, Event};
use crate::rules::staff::Staff;
use crate::services::audit::{self, Change};
use crate::services::auth;
use crate::services::context::Ctx;
use crate::services::headers::origin;
use crate::services::uploads::{self, checked_file, sealed_shape};
use crate::store::shares::{self as rows, NewShare, NewShareFile, ShareRow};
use crate::store::storage::object_key;

/// `POST /api/shares`: signed-in staff only; the share belongs to them.
pub async fn create(mut req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let staff = auth::staff(&req, ctx).await?;
    ctx.policy.check_share(&staff)?;
    let from = origin(&req);
    let body: CreateShare = json_body(&mut req).await?;
    let id = Id::random();
    let share_id = id.to_string();
    let files = body
        .files
        .iter()
        .enumerate()
        .map(|(j, file)| checked_share_file(&id, j as u32, file, ctx))
        .collect::<ApiResult<Vec<_>>>()?;
    let count = files.len() as u32;
    if count == 0 || count > ctx.limits.max_files {
        return Err(ApiError::bad_request(
            "bad_file_count",
            format!("A share holds 1 to {} files.", ctx.limits.max_files),
        ));
    }
    let auth_key_hash = key32(&body.auth_key_hash, "bad_auth_key_hash", "auth_key_hash")?;
    let password = body.password.as_ref().map(checked_password).transpose()?;
    let expires_at = checked_expiry(body.expires_at, ctx)?;
    let max_downloads = checked_download_limit(body.max_downloads)?;
    let (owner_token, owner_token_hash) = auth::new_token();
    let share = NewShare {
        id: share_id.clone(),
        auth_key_hash: hex::encode(auth_key_hash),
        owner_token_hash,
        password,
        expires_at,
        max_downloads,
        owner_account: staff.id.clone(),
    };
    // The multipart uploads are made first, so that the share, its files, their uploads and the
    // event are one commit; if that fails they are aborted again. (Were the worker to die in
    // between, R2's lifecycle rule ends incomplete uploads that no record names.)
    let mut files = files;
    for index in 0..files.len() {
        match ctx.storage.create_upload(&files[index].object_key).await {
            Ok(upload_id) => files[index].upload_id = Some(upload_id),
            Err(err) => {
                abort_uploads(ctx, &files[..index]).await;
                return Err(err);
            }
        }
    }
    let created = CreatedShare {
        id: share_id,
        owner_token,
        files: files.iter().map(layout_of).collect(),
    };
    let bytes = files.iter().map(|f| f.payload_size).sum();
    let event = Event::new("share.created", Actor::Staff(staff.id.clone()))
        .object(&created.id)
        .bytes(bytes)
        .detail(serde_json::json!({ "files": files.len(), "expires_at": expires_at, "max_downloads": max_downloads, "password": body.password.is_some() }));
    let change = Change::of(rows::insert_share(&share, &files, ctx.now));
    if let Err(err) = audit::commit(ctx, &from, event, change).await {
        abort_uploads(ctx, &files).await;
        return Err(err);
    }
    Ok(json_response(201, &created))
}

/// Best effort: the uploads of a share that was not recorded.
async fn abort_uploads(ctx: &Ctx, files: &[NewShareFile]) {
    for file in files {
        if let Some(upload_id) = &file.upload_id {
            let _ = ctx.storage.abort(&file.object_key, upload_id).await;
        }
    }
}

/// Checks one file of a new share against the format and the limits.
fn checked_share_file(share: &Id, j: u32, file: &NewFile, ctx: &Ctx) -> ApiResult<NewShareFile> {
    let checked = checked_file(
        &format!("File {j}"),
        &file.header,
        &file.metadata,
        file.payload_size,
        file.chunks_per_part,
        ctx,
    )?;
    Ok(NewShareFile {
        j,
        header: file.header.clone(),
        metadata: file.metadata.clone(),
        payload_size: checked.payload_size,
        chunks_per_part: checked.chunks_per_part,
        part_size: checked.part_size,
        part_count: checked.part_count,
        object_key: object_key(share, j),
        upload_id: None,
    })
}

/// The password parameters, stored as JSON; Argon2id bounds are the format's.
fn checked_password(params: &PasswordParams) -> ApiResult<String> {
    let bad = || {
        ApiError::bad_request(
            "bad_password_params",
            "The password salt must be 16 bytes and the Argon2id parameters within the format's bounds.",
        )
    };
    b64_decode_array::<16>(&params.salt, "the password salt").map_err(|_| bad())?;
    params.argon2().map_err(|_| bad())?;
    serde_json::to_string(params).map_err(|_| bad())
}

/// The download limit: 1 to 1,000, or `null` for none before the expiry; the field is required.
fn checked_download_limit(limit: Option<Option<i64>>) -> ApiResult<Option<u64>> {
    match limit {
        Some(None) => Ok(None),
        Some(Some(n)) if (1..=MAX_DOWNLOAD_LIMIT).contains(&n) => Ok(Some(n as u64)),
        _ => Err(ApiError::bad_request(
            "bad_download_limit",
            format!("max_downloads must be 1 to {MAX_DOWNLOAD_LIMIT}, or null for no limit."),
        )),
    }
}

fn layout_of(file: &NewShareFile) -> FileLayout {
    FileLayout {
        j: file.j,
        payload_size: file.payload_size,
        chunks_per_part: file.chunks_per_part,
        part_size: file.part_size,
        part_count: file.part_count,
    }
}

/// The share's state: the one thing served without a proof.
pub async fn state(ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let share = share(ctx, &id.to_string()).await?;
    let password = share
        .password
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok());
    ok(&ShareState {
        // What a visitor's proof would meet: used up means exhausted here, although the last
        // ticket may still be finishing its download.
        state: share.state_for_proof(ctx.now).name().into(),
        id: share.id,
        password,
    })
}

/// The share, if the request carries its owner token and its owner's account is enabled.
async fn with_owner_token(req: &Request, ctx: &Ctx, id: &Id) -> ApiResult<ShareRow> {
    let share = share(ctx, &id.to_string()).await?;
    auth::check_owner(req, &share.owner_token_hash)?;
    if share.owner_disabled {
        return Err(ApiError::new(
            403,
            "account_disabled",
            "The account that made this share is disabled.",
        ));
    }
    Ok(share)
}

/// The share, if the request carries its owner token and it is still being uploaded.
pub async fn owned_uploading(req: &Request, ctx: &Ctx, id: &Id) -> ApiResult<ShareRow> {
    let share = with_owner_token(req, ctx, id).await?;
    if share.purge_claimed_at.is_some() {
        return Err(being_purged());
    }
    if share.state != State::Uploading {
        return Err(ApiError::conflict(
            "not_uploading",
            format!(
                "This share is {}; its files can no longer change.",
                share.state.name()
            ),
        ));
    }
    Ok(share)
}

/// The share, if the signed-in caller made it (or, where `admins_too`, is an admin). Anyone
/// else's share is as good as absent to them.
async fn managed(
    req: &Request,
    ctx: &Ctx,
    id: &Id,
    admins_too: bool,
) -> ApiResult<(Staff, ShareRow)> {
    let staff = auth::staff(req, ctx).await?;
    let share = ctx
        .db
        .share(&id.to_string())
        .await?
        .filter(|s| {
            s.owner_account.as_deref() == Some(&staff.id) || (admins_too && staff.is_admin())
        })
        .ok_or_else(ApiError::not_found)?;
    Ok((staff, share))
}

/// The share's owner, as the log names the one who uploads with its owner token.
fn owner_of(share: &ShareRow) -> Actor {
    Actor::Staff(share.owner_account.clone().unwrap_or_default())
}

/// `PUT /api/shares/{id}/files/{j}/parts/{n}`.
pub async fn upload_part(req: Request, ctx: &Ctx, id: &Id, j: u32, n: u64) -> ApiResult<Response> {
    let share = owned_uploading(&req, ctx, id).await?;
    let file = share_file(ctx, &share.id, j).await?;
    ok(&uploads::store_part(req, ctx, &file.upload(), n).await?)
}

/// `GET /api/shares/{id}/files/{j}/parts`: the parts of file `j` the server holds.
pub async fn stored_parts(req: Request, ctx: &Ctx, id: &Id, j: u32) -> ApiResult<Response> {
    let share = owned_uploading(&req, ctx, id).await?;
    let file = share_file(ctx, &share.id, j).await?;
    ok(&uploads::stored_parts(ctx, &file.upload(), file.content_id.as_deref()).await?)
}

pub async fn complete_file(mut req: Request, ctx: &Ctx, id: &Id, j: u32) -> ApiResult<Response> {
    let share = owned_uploading(&req, ctx, id).await?;
    let body: CompleteFile = json_body(&mut req).await?;
    let content_id = checked_content_id(&body.content_id)?;
    let file = share_file(ctx, &share.id, j).await?;
    if let Some(done) = &file.content_id {
        return if *done == content_id {
            ok(&serde_json::json!({ "j": j, "content_id": content_id }))
        } else {
            Err(ApiError::conflict(
                "file_complete",
                "This file was completed with another content id.",
            ))
        };
    }
    uploads::join_parts(ctx, &file.upload()).await?;
    let event = Event::new("share.file.completed", owner_of(&share))
        .object(&share.id)
        .bytes(file.payload_size)
        .content_id(&content_id)
        .detail(serde_json::json!({ "file": j, "parts": file.part_count }));
    let change = Change::guarded(vec![rows::complete_file(
        &share.id,
        j,
        &content_id,
        ctx.now,
    )]);
    if !audit::commit(ctx, &origin(&req), event, change)
        .await?
        .happened()
    {
        // Completed meanwhile (by a retry of this call), or taken by the purge.
        let share = owned_uploading(&req, ctx, id).await?;
        let file = share_file(ctx, &share.id, j).await?;
        if file.content_id.as_deref() != Some(content_id.as_str()) {
            return Err(ApiError::conflict(
                "file_complete",
                "This file was completed with another content id.",
            ));
        }
    }
    ok(&serde_json::json!({ "j": j, "content_id": content_id }))
}

pub async fn complete_share(mut req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let share = owned_uploading(&req, ctx, id).await?;
    let body: CompleteShare = json_body(&mut req).await?;
    let sealed = b64_decode(&body.manifest, "the manifest")
        .ok()
        .filter(|m| sealed_shape(m, MAX_MANIFEST_LEN));
    if sealed.is_none() {
        return Err(ApiError::bad_request(
            "bad_manifest",
            "The manifest is not base64url of a sealed, padded blob.",
        ));
    }
    let event = Event::new("share.completed", owner_of(&share)).object(&share.id);
    let change = Change::guarded(vec![rows::activate_share(
        &share.id,
        &body.manifest,
        ctx.now,
    )]);
    if !audit::commit(ctx, &origin(&req), event, change)
        .await?
        .happened()
    {
        // Taken by the purge, or already complete, meanwhile: say so; else files are missing.
        owned_uploading(&req, ctx, id).await?;
        return Err(ApiError::conflict(
            "files_incomplete",
            "Every file must be completed before the share.",
        ));
    }
    ok(&serde_json::json!({ "id": share.id, "state": "active" }))
}

/// Cancels a share still being uploaded: its storage is released, then every record of it.
pub async fn abort(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let share = owned_uploading(&req, ctx, id).await?;
    for file in ctx.db.files(&share.id).await? {
        uploads::release(ctx, &file.upload()).await?;
    }
    let event = Event::new("share.aborted", owner_of(&share)).object(&share.id);
    let change = Change::guarded(rows::delete_uploading_share(&share.id));
    if !audit::commit(ctx, &origin(&req), event, change)
        .await?
        .happened()
    {
        // Completed or taken by the purge meanwhile.
        owned_uploading(&req, ctx, id).await?;
    }
    ok(&serde_json::json!({ "id": share.id, "aborted": true }))
}

fn being_purged() -> ApiError {
    ApiError::conflict(
        "not_uploading",
        "This upload was abandoned and its storage is being released; start again.",
    )
}

/// What the owner sees of a share: its state, limits and use.
pub async fn owner_view(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let (_, share) = managed(&req, ctx, id, true).await?;
    ok(&owner_view_of(&share, ctx.now))
}

fn owner_view_of(share: &ShareRow, now: u64) -> OwnerView {
    OwnerView {
        state: share.state_for_proof(now).name().into(),
        id: share.id.clone(),
        created_at: share.created_at,
        expires_at: share.expires_at,
        max_downloads: share.max_downloads,
        downloads: share.downloads,
        file_count: share.file_count,
        locked: share.locked,
        failed_proofs: share.failed_proofs,
        failing_addresses: share.failing_addresses,
    }
}

/// `GET /api/shares`: the caller's shares; `GET /api/admin/shares`: everyone's, for admins.
pub async fn list(req: Request, ctx: &Ctx, everyone: bool) -> ApiResult<Response> {
    let staff: Staff = if everyone {
        auth::admin(&req, ctx).await?
    } else {
        auth::staff(&req, ctx).await?
    };
    let shares: Vec<ShareSummary> = ctx
        .db
        .shares_of((!everyone).then_some(staff.id.as_str()))
        .await?
        .iter()
        .map(|s| ShareSummary {
            share: owner_view_of(s, ctx.now),
            payload_bytes: s.payload_bytes,
            owner_email: everyone.then(|| s.owner_email.clone().unwrap_or_default()),
        })
        .collect();
    ok(&serde_json::json!({ "shares": shares }))
}

/// Revokes an active share at once: no new proof, and every ticket stops working.
pub async fn revoke(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let (staff, share) = managed(&req, ctx, id, true).await?;
    match share.state_at(ctx.now) {
        State::Active | State::Exhausted => {}
        State::Revoked => {
            return Err(ApiError::conflict(
                "already_revoked",
                "This link was already revoked.",
            ))
        }
        state => {
            return Err(ApiError::conflict(
                "not_active",
                format!(
                    "This share is {}; there is nothing to revoke.",
                    state.name()
                ),
            ))
        }
    }
    let event = Event::new("share.revoked", Actor::Staff(staff.id)).object(&share.id);
    let change = Change::guarded(vec![rows::revoke(&share.id, ctx.now)]);
    if !audit::commit(ctx, &origin(&req), event, change)
        .await?
        .happened()
    {
        return Err(ApiError::conflict(
            "not_active",
            "This share changed state meanwhile; reload it.",
        ));
    }
    ok(&serde_json::json!({ "id": share.id, "state": "revoked" }))
}

/// Lifts the lock that failed proofs from many addresses put on a share, and forgets the
/// failures.
pub async fn unlock(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let (staff, share) = managed(&req, ctx, id, false).await?;
    let event = Event::new("share.unlocked", Actor::Staff(staff.id)).object(&share.id);
    let change = Change::of(rows::unlock(&share.id));
    audit::commit(ctx, &origin(&req), event, change).await?;
    ok(&serde_json::json!({ "id": share.id, "locked": false }))
}
