//! Uploading one part: checked against the file's layout, then streamed from the request
//! straight into the R2 multipart upload, with the uploader's BLAKE3 claim recorded.

use sealdrop_core::encoding::{hex_array, Id};
use worker::{Request, Response};

use crate::context::Ctx;
use crate::db::Claim;
use crate::error::{ApiError, ApiResult};
use crate::http::{content_length, header, ok};
use crate::shares::{no_such_file, owned_uploading};

pub async fn upload(req: Request, ctx: &Ctx, id: &Id, j: u32, n: u64) -> ApiResult<Response> {
    let share = owned_uploading(&req, ctx, id).await?;
    let declared = content_length(&req)?;
    let hash = part_hash(&req)?;
    let file = ctx.db.file(&share.id, j).await?.ok_or_else(no_such_file)?;
    if file.content_id.is_some() {
        return Err(ApiError::conflict(
            "file_complete",
            "This file is complete; its parts can no longer change.",
        ));
    }
    if n == 0 || n > file.part_count {
        return Err(ApiError::bad_request(
            "part_out_of_range",
            format!("File {j} has parts 1 to {}.", file.part_count),
        ));
    }
    let expected = file
        .part_size
        .min(file.payload_size - (n - 1) * file.part_size);
    if declared > expected {
        return Err(ApiError::new(
            413,
            "part_too_large",
            format!("Part {n} of file {j} is {expected} bytes; {declared} were sent."),
        ));
    }
    if declared != expected {
        return Err(ApiError::bad_request(
            "wrong_part_size",
            format!("Part {n} of file {j} is {expected} bytes; {declared} were sent."),
        ));
    }
    let upload_id = file.upload_id.as_deref().ok_or_else(|| {
        ApiError::conflict(
            "upload_missing",
            "This file's upload was not started; abort the share and start again.",
        )
    })?;
    let number = u16::try_from(n)
        .map_err(|_| ApiError::bad_request("part_out_of_range", "Part numbers end at 10000."))?;
    match ctx
        .db
        .claim_part(&share.id, j, n, expected, &hash, ctx.now)
        .await?
    {
        Claim::Claimed => {}
        Claim::Stored => {
            return Err(ApiError::conflict(
                "part_exists",
                format!("Part {n} of file {j} is already stored."),
            ))
        }
        Claim::InProgress => {
            return Err(ApiError::conflict(
                "part_in_progress",
                format!(
                    "Part {n} of file {j} is being stored by another request; try again shortly."
                ),
            ))
        }
    }
    let body = req.inner().body().ok_or_else(|| {
        ApiError::bad_request(
            "wrong_part_size",
            format!("Part {n} of file {j} arrived without a body."),
        )
    });
    let stored = match body {
        Ok(body) => {
            ctx.storage
                .upload_part(&file.object_key, upload_id, number, body)
                .await
        }
        Err(err) => Err(err),
    };
    match stored {
        Ok(etag) => {
            ctx.db.confirm_part(&share.id, j, n, &etag).await?;
            ok(&serde_json::json!({ "n": n, "size": expected }))
        }
        Err(err) => {
            ctx.db.release_part(&share.id, j, n, ctx.now).await?;
            Err(err)
        }
    }
}

/// The uploader's `BLAKE3(part bytes)`, from `Sealdrop-Part-Blake3` (64 lower-case hex digits).
fn part_hash(req: &Request) -> ApiResult<String> {
    let bad = || {
        ApiError::bad_request(
            "bad_part_hash",
            "The Sealdrop-Part-Blake3 header must hold the part's BLAKE3 as 64 lower-case hex digits.",
        )
    };
    let value = header(req, "Sealdrop-Part-Blake3")?.ok_or_else(bad)?;
    let canonical = hex_array::<32>(&value, "the part hash")
        .map(hex::encode)
        .map_err(|_| bad())?;
    if canonical == value {
        Ok(value)
    } else {
        Err(bad())
    }
}
