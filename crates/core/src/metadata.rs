//! File metadata: name, size, type, modification time, sealed under the metadata key
//! (format-v1.md, Metadata). Also the padded-JSON sealing that manifests share.

use serde::{Deserialize, Serialize};

use crate::aead::{open_with_nonce, seal_with_nonce};
use crate::error::Error;
use crate::header::HEADER_LEN;
use crate::keys::Key32;

/// Padded JSON is a multiple of this many bytes, so lengths leak only coarsely.
pub const PAD_BLOCK: usize = 256;
const METADATA_AAD_SUFFIX: &[u8] = b"sealdrop metadata";

/// What a file's metadata says. The name is untrusted: show it as text, never markup, and
/// strip path separators, `..` and control characters before using it as a file name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub name: String,
    pub size: u64,
    #[serde(rename = "type")]
    pub mime: String,
    /// Milliseconds since the epoch, or `None` when unknown. The key must be present.
    #[serde(deserialize_with = "present_or_null")]
    pub modified: Option<i64>,
}

impl Metadata {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("metadata serialises")
    }
}

/// `Option` fields may be missing in serde by default; the format's "integer or null" may not.
fn present_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Option::<i64>::deserialize(d)
}

/// Pads `json` with ASCII spaces to the smallest multiple of 256 that is at least its length.
pub fn pad(json: &str) -> Vec<u8> {
    let len = json.len().div_ceil(PAD_BLOCK).max(1) * PAD_BLOCK;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(json.as_bytes());
    out.resize(len, b' ');
    out
}

/// Undoes [`pad`]: only spaces may follow the JSON text, and exactly as many as `pad` adds (the
/// smallest multiple of 256).
pub(crate) fn unpad(padded: &[u8]) -> Option<&[u8]> {
    let end = padded.iter().rposition(|&b| b != b' ')? + 1;
    let minimal = end.div_ceil(PAD_BLOCK).max(1) * PAD_BLOCK;
    (padded.len() == minimal).then_some(&padded[..end])
}

fn metadata_aad(header: &[u8; HEADER_LEN]) -> Vec<u8> {
    [header.as_slice(), METADATA_AAD_SUFFIX].concat()
}

/// Seals metadata JSON text exactly as given; `nonce` must come from the CSPRNG (fixed only in
/// test vectors). Metadata is sealed once per file.
pub fn seal_metadata_json(
    metadata_key: &Key32,
    header: &[u8; HEADER_LEN],
    json: &str,
    nonce: &[u8; 12],
) -> Vec<u8> {
    seal_with_nonce(metadata_key, nonce, &metadata_aad(header), &pad(json))
}

/// Seals metadata under a fresh random nonce.
pub fn seal_metadata(
    metadata_key: &Key32,
    header: &[u8; HEADER_LEN],
    metadata: &Metadata,
) -> Vec<u8> {
    seal_metadata_json(metadata_key, header, &metadata.to_json(), &crate::random())
}

/// Opens and parses sealed metadata.
pub fn open_metadata(
    metadata_key: &Key32,
    header: &[u8; HEADER_LEN],
    sealed: &[u8],
) -> Result<Metadata, Error> {
    let padded = open_with_nonce(metadata_key, &metadata_aad(header), sealed)
        .map_err(|_| Error::TamperedMetadata)?;
    let json = unpad(&padded).ok_or_else(|| Error::BadMetadata("wrong padding".into()))?;
    // serde's message would quote decrypted values into an error that may be logged.
    serde_json::from_slice(json)
        .map_err(|_| Error::BadMetadata("not the JSON object the format defines".into()))
}
