//! One encrypted file's way into R2, whatever holds it (a share or a file request): checking
//! what the uploader declares against the format and the limits, streaming each part from the
//! request straight into the multipart upload, and joining the parts once all are there.

use sealdrop_core::encoding::{b64_decode, hex_array};
use sealdrop_core::header::Header;
use sealdrop_core::layout::{PartLayout, PayloadLayout};
use serde_json::{json, Value};
use worker::Request;

use crate::rules::error::{ApiError, ApiResult};
use crate::rules::limits::{MAX_METADATA_LEN, MAX_PARTS};
use crate::services::context::Ctx;
use crate::services::headers::{content_length, header};
use crate::store::parts::Claim;
use crate::store::requests::RequestFileRow;
use crate::store::shares::FileRow;

/// A file as its uploader declared it, checked.
pub struct CheckedFile {
    pub plaintext_size: u64,
    pub payload_size: u64,
    pub chunks_per_part: u64,
    pub part_size: u64,
    pub part_count: u64,
}

/// Checks a new file's header, sealed metadata and geometry against the format and the limits.
/// `what` names the file in messages ("File 3", "This file").
pub fn checked_file(
    what: &str,
    header_b64: &str,
    metadata_b64: &str,
    payload_size: u64,
    chunks_per_part: u64,
    ctx: &Ctx,
) -> ApiResult<CheckedFile> {
    let header_bytes = b64_decode(header_b64, "the header").map_err(|_| {
        ApiError::bad_request(
            "bad_header",
            format!("{what}: the header is not base64url."),
        )
    })?;
    let header = Header::parse(&header_bytes)
        .map_err(|e| ApiError::bad_request("bad_header", format!("{what}: {e}.")))?;
    let metadata = b64_decode(metadata_b64, "the metadata")
        .ok()
        .filter(|m| sealed_shape(m, MAX_METADATA_LEN));
    if metadata.is_none() {
        return Err(ApiError::bad_request(
            "bad_metadata",
            format!("{what}: the sealed metadata is not base64url of a sealed, padded blob."),
        ));
    }
    let payload = PayloadLayout::new(header.log2_chunk(), payload_size).map_err(|_| {
        ApiError::bad_request(
            "bad_payload_size",
            format!(
                "{what}: {payload_size} bytes is not the size of a payload with this chunk size."
            ),
        )
    })?;
    if payload.plaintext_len() > ctx.limits.max_file_bytes {
        return Err(ApiError::new(
            413,
            "file_too_large",
            format!(
                "{what} is larger than the {} bytes allowed.",
                ctx.limits.max_file_bytes
            ),
        ));
    }
    let parts = PartLayout::with_chunks_per_part(header.log2_chunk(), chunks_per_part)
        .filter(|p| p.part_count(payload.payload_len()) <= MAX_PARTS)
        .ok_or_else(|| {
            ApiError::bad_request(
                "bad_part_layout",
                format!(
                    "{what}: {chunks_per_part} chunks per part is below 5 MiB, above 5 GiB, or makes more than {MAX_PARTS} parts."
                ),
            )
        })?;
    Ok(CheckedFile {
        plaintext_size: payload.plaintext_len(),
        payload_size: payload.payload_len(),
        chunks_per_part: parts.chunks_per_part(),
        part_size: parts.part_len(),
        part_count: parts.part_count(payload.payload_len()),
    })
}

/// Whether `blob` can be `nonce (12) || AES-GCM(JSON padded to a multiple of 256) || tag (16)`.
pub fn sealed_shape(blob: &[u8], max: usize) -> bool {
    blob.len() <= max && blob.len() >= 12 + 256 + 16 && (blob.len() - 12 - 16) % 256 == 0
}

/// One file's multipart upload as the records describe it.
pub struct Upload<'a> {
    /// How messages name the file ("File 3", "This file").
    pub what: String,
    pub object_key: &'a str,
    pub upload_id: Option<&'a str>,
    pub payload_size: u64,
    pub part_size: u64,
    pub part_count: u64,
    pub complete: bool,
}

impl<'a> Upload<'a> {
    /// The upload of a file record: its object, its multipart upload, its sizes (payload, part,
    /// part count) and its content id once complete.
    fn of(
        what: String,
        (object_key, upload_id): (&'a str, Option<&'a str>),
        (payload_size, part_size, part_count): (u64, u64, u64),
        content_id: Option<&str>,
    ) -> Self {
        Upload {
            what,
            object_key,
            upload_id,
            payload_size,
            part_size,
            part_count,
            complete: content_id.is_some(),
        }
    }
}

impl FileRow {
    pub fn upload(&self) -> Upload<'_> {
        let sizes = (self.payload_size, self.part_size, self.part_count);
        let object = (self.object_key.as_str(), self.upload_id.as_deref());
        Upload::of(
            format!("file {}", self.j),
            object,
            sizes,
            self.content_id.as_deref(),
        )
    }
}

impl RequestFileRow {
    pub fn upload(&self) -> Upload<'_> {
        let sizes = (self.payload_size, self.part_size, self.part_count);
        let object = (self.object_key.as_str(), self.upload_id.as_deref());
        Upload::of(
            "this file".into(),
            object,
            sizes,
            self.content_id.as_deref(),
        )
    }
}

/// Stores part `n`: its size and hash are checked first, its number claimed in D1 so that two
/// requests never race in R2, then the body streams into R2 without passing through the worker.
/// The answer says which part was stored, and its size.
pub async fn store_part(req: Request, ctx: &Ctx, file: &Upload<'_>, n: u64) -> ApiResult<Value> {
    let what = &file.what;
    let declared = content_length(&req)?;
    let hash = part_hash(&req)?;
    if file.complete {
        return Err(ApiError::conflict(
            "file_complete",
            "This file is complete; its parts can no longer change.",
        ));
    }
    if n == 0 || n > file.part_count {
        return Err(ApiError::bad_request(
            "part_out_of_range",
            format!("{} has parts 1 to {}.", capitalized(what), file.part_count),
        ));
    }
    let expected = file
        .part_size
        .min(file.payload_size - (n - 1) * file.part_size);
    if declared != expected {
        let (status, code) = if declared > expected {
            (413, "part_too_large")
        } else {
            (400, "wrong_part_size")
        };
        return Err(ApiError::new(
            status,
            code,
            format!("Part {n} of {what} is {expected} bytes; {declared} were sent."),
        ));
    }
    let upload_id = file.upload_id.ok_or_else(no_upload)?;
    let number = u16::try_from(n)
        .map_err(|_| ApiError::bad_request("part_out_of_range", "Part numbers end at 10000."))?;
    match ctx
        .db
        .claim_part(file.object_key, n, expected, &hash, ctx.now)
        .await?
    {
        Claim::Claimed => {}
        Claim::Stored => {
            return Err(ApiError::conflict(
                "part_exists",
                format!("Part {n} of {what} is already stored."),
            ))
        }
        Claim::InProgress => {
            return Err(ApiError::conflict(
                "part_in_progress",
                format!(
                    "Part {n} of {what} is being stored by another request; try again shortly."
                ),
            ))
        }
    }
    let stored = match req.inner().body() {
        Some(body) => {
            ctx.storage
                .upload_part(file.object_key, upload_id, number, body)
                .await
        }
        None => Err(ApiError::bad_request(
            "wrong_part_size",
            format!("Part {n} of {what} arrived without a body."),
        )),
    };
    match stored {
        Ok(etag) => {
            ctx.db.confirm_part(file.object_key, n, &etag).await?;
            Ok(json!({ "n": n, "size": expected }))
        }
        Err(err) => {
            ctx.db.release_part(file.object_key, n, ctx.now).await?;
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

/// Joins the parts of an upload whose every part is stored, with the sizes adding up.
pub async fn join_parts(ctx: &Ctx, file: &Upload<'_>) -> ApiResult<()> {
    let parts = ctx.db.parts(file.object_key).await?;
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
                "{} is missing parts {} (of {}).",
                capitalized(&file.what),
                missing.join(", "),
                file.part_count
            ),
        ));
    }
    let upload_id = file.upload_id.ok_or_else(no_upload)?;
    ctx.storage
        .complete(file.object_key, upload_id, stored, file.payload_size)
        .await
}

/// Releases what R2 holds for a file: the object once complete, else the multipart upload and
/// any object it became (a completion that joined the parts just before the purge took the file
/// is refused in D1, but R2 may hold its object already; deleting a missing key is harmless).
pub async fn release(ctx: &Ctx, file: &Upload<'_>) -> ApiResult<()> {
    match (file.complete, file.upload_id) {
        (true, _) => ctx.storage.delete(file.object_key).await,
        (false, Some(upload_id)) => {
            ctx.storage.abort(file.object_key, upload_id).await?;
            ctx.storage.delete(file.object_key).await
        }
        (false, None) => Ok(()),
    }
}

/// `what` at the start of a sentence.
fn capitalized(what: &str) -> String {
    let mut chars = what.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn no_upload() -> ApiError {
    ApiError::conflict(
        "upload_missing",
        "This file's upload was not started; abort and start again.",
    )
}

/// What the server holds of one file's upload: the parts stored (not those merely claimed), and
/// whether the file is complete, so that a resumed upload sends only what is missing.
pub async fn stored_parts(
    ctx: &Ctx,
    upload: &Upload<'_>,
    content_id: Option<&str>,
) -> ApiResult<Value> {
    let parts: Vec<Value> = ctx
        .db
        .parts(upload.object_key)
        .await?
        .into_iter()
        .filter(|p| p.etag.is_some())
        .map(|p| json!({ "n": p.n, "size": p.size, "blake3": p.blake3 }))
        .collect();
    Ok(json!({
        "parts": parts,
        "complete": upload.complete,
        "content_id": content_id,
    }))
}
