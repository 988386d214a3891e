//! The HTTP API's JSON bodies (`worker/openapi.json`), shared by the worker and native clients.
//!
//! Binary fields travel as strict base64url, hashes and content ids as lower-case hex. These
//! types only carry values; the worker checks them against the format before storing anything.

use serde::{Deserialize, Serialize};

use crate::share::Argon2Params;

/// What a share needs to open with a password: never the password itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordParams {
    /// `pw_salt`, 16 bytes.
    pub salt: String,
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

impl PasswordParams {
    /// The Argon2id parameters, refused outside the format's bounds.
    pub fn argon2(&self) -> Result<Argon2Params, crate::Error> {
        Argon2Params::new(self.m_kib, self.t, self.p)
    }
}

/// `POST /api/shares`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateShare {
    /// `BLAKE3(auth key)`, 32 bytes.
    pub auth_key_hash: String,
    pub password: Option<PasswordParams>,
    /// Milliseconds since the epoch; signed so that a negative value is refused as an expiry,
    /// not as malformed JSON.
    pub expires_at: i64,
    /// Required: a number of downloads, or `null` for no limit before the expiry. The outer
    /// `None` means the field was left out.
    #[serde(default, deserialize_with = "present")]
    pub max_downloads: Option<Option<i64>>,
    /// File `j` is `files[j]`.
    pub files: Vec<NewFile>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFile {
    /// The 56-byte header.
    pub header: String,
    /// The sealed metadata blob.
    pub metadata: String,
    pub payload_size: u64,
    /// `k`, at least the format's smallest.
    pub chunks_per_part: u64,
}

/// The answer to [`CreateShare`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreatedShare {
    pub id: String,
    /// Authorises uploads, completion and abort; the server keeps only its hash.
    pub owner_token: String,
    pub files: Vec<FileLayout>,
}

/// How one file's payload is cut into upload parts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FileLayout {
    pub j: u32,
    pub payload_size: u64,
    pub chunks_per_part: u64,
    pub part_size: u64,
    pub part_count: u64,
}

/// `POST /api/shares/{id}/files/{j}/complete`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteFile {
    pub content_id: String,
}

/// `POST /api/shares/{id}/complete`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteShare {
    /// The sealed manifest.
    pub manifest: String,
}

/// `GET /api/shares/{id}`: all that is served without a proof.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShareState {
    pub id: String,
    pub state: String,
    pub password: Option<PasswordParams>,
}

/// The answer to an accepted proof of key possession: the ticket, and the limits that only a
/// key holder may see.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Grant {
    pub ticket: String,
    pub ticket_ttl_seconds: u64,
    pub expires_at: u64,
    pub max_downloads: Option<u64>,
    /// Counting this one.
    pub downloads_used: u64,
}

/// `GET /api/shares/{id}/owner`: what the owner sees of a share.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OwnerView {
    pub id: String,
    pub state: String,
    pub created_at: u64,
    pub expires_at: u64,
    pub max_downloads: Option<u64>,
    pub downloads: u64,
    pub file_count: u64,
    pub locked: bool,
}

/// `GET /api/shares/{id}/contents`, with a ticket.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Contents {
    pub manifest: String,
    pub files: Vec<StoredFile>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredFile {
    pub j: u32,
    pub header: String,
    pub metadata: String,
    pub payload_size: u64,
    pub chunks_per_part: u64,
    pub part_size: u64,
    pub parts: Vec<StoredPart>,
}

/// One upload part and the BLAKE3 its uploader claimed for it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredPart {
    pub n: u64,
    pub size: u64,
    pub blake3: String,
}

/// Deserialises a field that must be present but may be `null`: `Some(None)` for `null`, and
/// (with `#[serde(default)]`) `None` when it is missing.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}
