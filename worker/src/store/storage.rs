//! The R2 binding `BUCKET`: one object per file payload, written by multipart upload.
//!
//! Payload bytes never pass through this module's memory: part bodies go from the request's
//! stream to R2, and downloads from R2's stream to the response.

use sealdrop_core::encoding::Id;
use worker::{Bucket, Data, Env, Range, UploadedPart};

use crate::rules::error::{ApiError, ApiResult};

pub struct Storage(Bucket);

/// The object key of file `j` of a share. Keys name nothing but ids.
pub fn object_key(share: &Id, j: u32) -> String {
    format!("shares/{share}/{j}")
}

/// The object key of a file sent into a request.
pub fn request_object_key(request: &Id, file: &Id) -> String {
    format!("requests/{request}/{file}")
}

impl Storage {
    pub fn from_env(env: &Env) -> ApiResult<Self> {
        env.bucket("BUCKET").map(Storage).map_err(ApiError::storage)
    }

    /// Starts a multipart upload and returns its id.
    pub async fn create_upload(&self, key: &str) -> ApiResult<String> {
        let upload = self
            .0
            .create_multipart_upload(key)
            .execute()
            .await
            .map_err(ApiError::storage)?;
        Ok(upload.upload_id().await)
    }

    /// Streams `body` into part `n` and returns its etag.
    pub async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        n: u16,
        body: web_sys::ReadableStream,
    ) -> ApiResult<String> {
        let upload = self
            .0
            .resume_multipart_upload(key, upload_id)
            .map_err(ApiError::storage)?;
        let part = upload
            .upload_part(n, Data::ReadableStream(body))
            .await
            .map_err(ApiError::storage)?;
        Ok(part.etag())
    }

    /// Joins the parts into the object; when R2 no longer knows the upload but the object is
    /// there with the right size, an earlier completion whose answer was lost did it.
    pub async fn complete(
        &self,
        key: &str,
        upload_id: &str,
        parts: Vec<(u16, String)>,
        size: u64,
    ) -> ApiResult<()> {
        let upload = self
            .0
            .resume_multipart_upload(key, upload_id)
            .map_err(ApiError::storage)?;
        let parts = parts
            .into_iter()
            .map(|(n, etag)| UploadedPart::new(n, etag));
        match upload.complete(parts).await {
            Ok(_) => Ok(()),
            Err(err) => match self.0.head(key).await {
                Ok(Some(object)) if object.size() == size => Ok(()),
                _ => Err(ApiError::storage(err)),
            },
        }
    }

    /// Aborts a multipart upload; one R2 no longer knows is already gone.
    pub async fn abort(&self, key: &str, upload_id: &str) -> ApiResult<()> {
        let upload = self
            .0
            .resume_multipart_upload(key, upload_id)
            .map_err(ApiError::storage)?;
        match upload.abort().await {
            Ok(()) => Ok(()),
            Err(err) if err.to_string().contains("NoSuchUpload") => Ok(()),
            Err(err) => Err(ApiError::storage(err)),
        }
    }

    pub async fn delete(&self, key: &str) -> ApiResult<()> {
        self.0.delete(key).await.map_err(ApiError::storage)
    }

    /// The byte stream of `length` bytes from `offset` of an object.
    pub async fn read(
        &self,
        key: &str,
        offset: u64,
        length: u64,
    ) -> ApiResult<web_sys::ReadableStream> {
        let object = self
            .0
            .get(key)
            .range(Range::OffsetWithLength { offset, length })
            .execute()
            .await
            .map_err(ApiError::storage)?
            .ok_or_else(|| ApiError::new(410, "purged", "This file's data is no longer stored."))?;
        match object.body().map(|body| body.response_body()) {
            Some(Ok(worker::ResponseBody::Stream(stream))) => Ok(stream),
            _ => Err(ApiError::storage(worker::Error::RustError(
                "R2 returned no body stream".into(),
            ))),
        }
    }
}
