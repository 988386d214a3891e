//! Making a share: create it with its files' headers and sealed metadata, complete each file,
//! then the share with its sealed manifest; or abort it. Also its public state.

use sealdrop_core::api::{
    CompleteFile, CompleteShare, CreateShare, CreatedShare, FileLayout, NewFile, OwnerView,
    PasswordParams, ShareState,
};
use sealdrop_core::encoding::{b64_decode, b64_decode_array, hex_array, Id};
use sealdrop_core::header::Header;
use sealdrop_core::layout::{PartLayout, PayloadLayout};
use worker::{Request, Response};

use crate::auth;
use crate::context::Ctx;
use crate::db::{FileRow, ShareRow};
use crate::error::{ApiError, ApiResult};
use crate::http::{json_body, json_response, ok};
use crate::lifecycle::{State, MAX_DOWNLOAD_LIMIT};
use crate::storage::object_key;

/// R2's limit on parts per multipart upload.
const MAX_PARTS: u64 = 10_000;
/// The sealed metadata of a file and the sealed manifest of a share: nonce, space-padded JSON
/// in 256-byte steps, tag. Names and manifests are small; anything larger is refused.
const MAX_METADATA_LEN: usize = 64 * 1024;
const MAX_MANIFEST_LEN: usize = 256 * 1024;

pub async fn create(mut req: Request, ctx: &Ctx) -> ApiResult<Response> {
    auth::may_create_share(&req)?;
    let body: CreateShare = json_body(&mut req).await?;
    let id = Id::random();
    let share_id = id.to_string();
    let files = body
        .files
        .iter()
        .enumerate()
        .map(|(j, file)| checked_file(&id, j as u32, file, ctx))
        .collect::<ApiResult<Vec<_>>>()?;
    let count = files.len() as u32;
    if count == 0 || count > ctx.limits.max_files {
        return Err(ApiError::bad_request(
            "bad_file_count",
            format!("A share holds 1 to {} files.", ctx.limits.max_files),
        ));
    }
    let auth_key_hash =
        b64_decode_array::<32>(&body.auth_key_hash, "the auth key hash").map_err(|_| {
            ApiError::bad_request(
                "bad_auth_key_hash",
                "auth_key_hash must be 32 bytes in base64url.",
            )
        })?;
    let password = body.password.as_ref().map(checked_password).transpose()?;
    let expires_at = checked_expiry(body.expires_at, ctx)?;
    let max_downloads = checked_download_limit(body.max_downloads)?;
    let (owner_token, owner_token_hash) = auth::new_token();
    let share = ShareRow {
        id: share_id.clone(),
        state: "uploading".into(),
        auth_key_hash: hex::encode(auth_key_hash),
        owner_token_hash,
        password,
        manifest: None,
        created_at: ctx.now,
        expires_at,
        max_downloads,
        downloads: 0,
        file_count: files.len() as u64,
        locked: 0,
        failed_proofs: 0,
        last_ticket_use: None,
    };
    ctx.db.insert_share(&share, &files, ctx.now).await?;
    // Recorded first, created second: an upload R2 holds is always one the database knows.
    let mut upload_ids = Vec::with_capacity(files.len());
    for file in &files {
        match ctx.storage.create_upload(&file.object_key).await {
            Ok(upload_id) => upload_ids.push((file.j, upload_id)),
            Err(err) => {
                for ((_, upload_id), file) in upload_ids.iter().zip(&files) {
                    let _ = ctx.storage.abort(&file.object_key, upload_id).await;
                }
                let _ = ctx.db.delete_share(&share_id).await;
                return Err(err);
            }
        }
    }
    ctx.db.set_upload_ids(&share_id, &upload_ids).await?;
    let created = CreatedShare {
        id: share_id,
        owner_token,
        files: files.iter().map(layout_of).collect(),
    };
    Ok(json_response(201, &created))
}

/// Checks one file of a new share against the format and the limits.
fn checked_file(share: &Id, j: u32, file: &NewFile, ctx: &Ctx) -> ApiResult<FileRow> {
    let header_bytes = b64_decode(&file.header, "the header").map_err(|_| {
        ApiError::bad_request(
            "bad_header",
            format!("File {j}: the header is not base64url."),
        )
    })?;
    let header = Header::parse(&header_bytes)
        .map_err(|e| ApiError::bad_request("bad_header", format!("File {j}: {e}.")))?;
    let metadata = b64_decode(&file.metadata, "the metadata")
        .ok()
        .filter(|m| sealed_shape(m, MAX_METADATA_LEN));
    if metadata.is_none() {
        return Err(ApiError::bad_request(
            "bad_metadata",
            format!("File {j}: the sealed metadata is not base64url of a sealed, padded blob."),
        ));
    }
    let payload = PayloadLayout::new(header.log2_chunk(), file.payload_size).map_err(|_| {
        ApiError::bad_request(
            "bad_payload_size",
            format!(
                "File {j}: {} bytes is not the size of a payload with this chunk size.",
                file.payload_size
            ),
        )
    })?;
    if payload.plaintext_len() > ctx.limits.max_file_bytes {
        return Err(ApiError::new(
            413,
            "file_too_large",
            format!(
                "File {j} is larger than the {} bytes allowed.",
                ctx.limits.max_file_bytes
            ),
        ));
    }
    let parts = PartLayout::with_chunks_per_part(header.log2_chunk(), file.chunks_per_part)
        .filter(|p| p.part_count(payload.payload_len()) <= MAX_PARTS)
        .ok_or_else(|| {
            ApiError::bad_request(
                "bad_part_layout",
                format!(
                    "File {j}: {} chunks per part is below 5 MiB, above 5 GiB, or makes more than {MAX_PARTS} parts.",
                    file.chunks_per_part
                ),
            )
        })?;
    Ok(FileRow {
        j,
        header: file.header.clone(),
        metadata: file.metadata.clone(),
        payload_size: payload.payload_len(),
        chunks_per_part: parts.chunks_per_part(),
        part_size: parts.part_len(),
        part_count: parts.part_count(payload.payload_len()),
        object_key: object_key(share, j),
        upload_id: None,
        content_id: None,
    })
}

/// Whether `blob` can be `nonce (12) || AES-GCM(JSON padded to a multiple of 256) || tag (16)`.
fn sealed_shape(blob: &[u8], max: usize) -> bool {
    blob.len() <= max && blob.len() >= 12 + 256 + 16 && (blob.len() - 12 - 16) % 256 == 0
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

/// A browser's clock may run a little ahead of ours; the longest preset must still pass.
const CLOCK_SLACK_MS: u64 = 5 * 60 * 1000;

/// The expiry: in the future, and no later than the policy allows.
fn checked_expiry(expires_at: i64, ctx: &Ctx) -> ApiResult<u64> {
    let latest = ctx.now + ctx.limits.max_expiry_seconds * 1000 + CLOCK_SLACK_MS;
    match u64::try_from(expires_at) {
        Ok(at) if at > ctx.now && at <= latest => Ok(at),
        _ => Err(ApiError::bad_request(
            "bad_expiry",
            format!(
                "expires_at must be a time in the future, at most {} days from now.",
                ctx.limits.max_expiry_seconds / 86_400
            ),
        )),
    }
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

fn layout_of(file: &FileRow) -> FileLayout {
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
    let share = ctx
        .db
        .share(&id.to_string())
        .await?
        .ok_or_else(ApiError::not_found)?;
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

/// The share, if the request carries its owner token.
async fn owned(req: &Request, ctx: &Ctx, id: &Id) -> ApiResult<ShareRow> {
    let share = ctx
        .db
        .share(&id.to_string())
        .await?
        .ok_or_else(ApiError::not_found)?;
    auth::check_owner(req, &share.owner_token_hash)?;
    Ok(share)
}

/// The share, if the request carries its owner token and it is still being uploaded.
pub async fn owned_uploading(req: &Request, ctx: &Ctx, id: &Id) -> ApiResult<ShareRow> {
    let share = owned(req, ctx, id).await?;
    if share.state != "uploading" {
        return Err(ApiError::conflict(
            "not_uploading",
            format!(
                "This share is {}; its files can no longer change.",
                share.state
            ),
        ));
    }
    Ok(share)
}

pub async fn complete_file(mut req: Request, ctx: &Ctx, id: &Id, j: u32) -> ApiResult<Response> {
    let share = owned_uploading(&req, ctx, id).await?;
    let body: CompleteFile = json_body(&mut req).await?;
    let content_id = hex_array::<32>(&body.content_id, "the content id")
        .map(hex::encode)
        .ok()
        .filter(|canonical| *canonical == body.content_id)
        .ok_or_else(|| {
            ApiError::bad_request(
                "bad_content_id",
                "content_id must be 64 lower-case hex digits.",
            )
        })?;
    let file = ctx.db.file(&share.id, j).await?.ok_or_else(no_such_file)?;
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
    let parts = ctx.db.parts(&share.id, j).await?;
    let stored: Vec<(u16, String)> = parts
        .iter()
        .filter_map(|p| Some((u16::try_from(p.n).ok()?, p.etag.clone()?)))
        .collect();
    let total: u64 = parts
        .iter()
        .filter(|p| p.etag.is_some())
        .map(|p| p.size)
        .sum();
    if stored.len() as u64 != file.part_count || total != file.payload_size {
        let missing: Vec<String> = (1..=file.part_count)
            .filter(|n| !stored.iter().any(|(m, _)| u64::from(*m) == *n))
            .take(10)
            .map(|n| n.to_string())
            .collect();
        return Err(ApiError::conflict(
            "parts_missing",
            format!(
                "File {j} is missing parts {} (of {}).",
                missing.join(", "),
                file.part_count
            ),
        ));
    }
    let upload_id = file.upload_id.as_deref().ok_or_else(no_upload)?;
    ctx.storage
        .complete(&file.object_key, upload_id, stored, file.payload_size)
        .await?;
    ctx.db
        .complete_file(&share.id, j, &content_id, ctx.now)
        .await?;
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
    if !ctx
        .db
        .activate_share(&share.id, &body.manifest, ctx.now)
        .await?
    {
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
        match (&file.content_id, &file.upload_id) {
            (Some(_), _) => ctx.storage.delete(&file.object_key).await?,
            (None, Some(upload_id)) => ctx.storage.abort(&file.object_key, upload_id).await?,
            (None, None) => {}
        }
    }
    ctx.db.delete_share(&share.id).await?;
    ok(&serde_json::json!({ "id": share.id, "aborted": true }))
}

pub fn no_such_file() -> ApiError {
    ApiError::new(
        404,
        "no_such_file",
        "This share has no file with that index.",
    )
}

fn no_upload() -> ApiError {
    ApiError::conflict(
        "upload_missing",
        "This file's upload was not started; abort the share and start again.",
    )
}

/// What the owner sees of a share: its state, limits and use.
pub async fn owner_view(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let share = owned(&req, ctx, id).await?;
    ok(&OwnerView {
        state: share.state_for_proof(ctx.now).name().into(),
        id: share.id,
        created_at: share.created_at,
        expires_at: share.expires_at,
        max_downloads: share.max_downloads,
        downloads: share.downloads,
        file_count: share.file_count,
        locked: share.locked != 0,
    })
}

/// Revokes an active share at once: no new proof, and every ticket stops working.
pub async fn revoke(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let share = owned(&req, ctx, id).await?;
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
    if !ctx.db.revoke(&share.id, ctx.now).await? {
        return Err(ApiError::conflict(
            "not_active",
            "This share changed state meanwhile; reload it.",
        ));
    }
    ok(&serde_json::json!({ "id": share.id, "state": "revoked" }))
}

/// Lifts the lock that 100 failed proofs put on a share, and forgets the failures.
pub async fn unlock(req: Request, ctx: &Ctx, id: &Id) -> ApiResult<Response> {
    let share = owned(&req, ctx, id).await?;
    ctx.db.unlock(&share.id).await?;
    ok(&serde_json::json!({ "id": share.id, "locked": false }))
}
