//! The schema of `tests/vectors/format-v1.json` (format-v1.md, Test vectors) and the generator
//! that made it. Test builds only (feature `test-params`): the generator fixes salts and nonces,
//! which no real writer may do.

use serde::{Deserialize, Serialize};

use crate::share::Argon2Params;

mod account_key;
mod generate;

pub use account_key::{generate_account_key, AccountKeyFile};
pub use generate::{generate, seal_all};

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct VectorFile {
    pub format: String,
    pub vectors: Vec<FileVector>,
    pub invalid: Vec<InvalidVector>,
    pub shares: Vec<ShareVector>,
    pub requests: Vec<RequestVector>,
    pub staff_keys: Vec<StaffKeyVector>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct FileVector {
    pub name: String,
    pub fs: String,
    pub salt: String,
    pub log2_chunk: u8,
    pub plaintext: String,
    pub header: String,
    pub payload: String,
    pub content_id: String,
    pub payload_key: String,
    pub metadata_key: String,
    pub commitment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<MetadataVector>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct MetadataVector {
    pub json: String,
    pub meta_nonce: String,
    pub sealed: String,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct InvalidVector {
    pub name: String,
    pub fs: String,
    pub header: String,
    pub payload: String,
    pub error: String,
    pub index: Option<u64>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ShareVector {
    pub name: String,
    pub ls: String,
    pub password: Option<String>,
    pub pw_salt: Option<String>,
    pub argon2: Option<Argon2Params>,
    pub ss: String,
    pub files: Vec<ShareFileVector>,
    pub auth_key: String,
    pub auth_key_hash: String,
    pub manifest: ManifestVector,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ShareFileVector {
    pub j: u32,
    pub fs: String,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct ManifestVector {
    pub share_id: String,
    pub json: String,
    pub nonce: String,
    pub sealed: String,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct RequestVector {
    pub name: String,
    pub rs: String,
    pub request_id: String,
    #[serde(rename = "pkR")]
    pub pk_r: String,
    #[serde(rename = "skR")]
    pub sk_r: String,
    pub fs: String,
    pub header: String,
    pub psk: String,
    pub upload_token: String,
    pub stanza: String,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct StaffKeyVector {
    pub name: String,
    #[serde(rename = "A")]
    pub a: String,
    pub sk128: String,
    pub account_id: String,
    pub sk: String,
    pub pk: String,
    pub login_key: String,
    pub vault_key: String,
    pub nonce: String,
    pub wrapped_sk: String,
    pub fingerprint: String,
}

/// Decodes a hex field of a vector; vectors are trusted test input.
pub fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("vector hex")
}

pub fn unhex_array<const N: usize>(s: &str) -> [u8; N] {
    unhex(s).try_into().expect("vector field length")
}
