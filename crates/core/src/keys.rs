//! Secret key material and the per-file key schedule (format-v1.md, File keys).

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// `derive(ctx, ikm)` of the format: BLAKE3 `derive_key`, 32 bytes out.
pub fn derive(context: &str, ikm: &[u8]) -> Key32 {
    Key32(blake3::derive_key(context, ikm))
}

/// `derive` over the concatenation of several inputs, without leaving a copy of the secret
/// input behind.
pub(crate) fn derive_concat(context: &str, parts: &[&[u8]]) -> Key32 {
    let mut hasher = blake3::Hasher::new_derive_key(context);
    for part in parts {
        hasher.update(part);
    }
    Key32(*hasher.finalize().as_bytes())
}

/// `mac(key, msg)` of the format: BLAKE3 `keyed_hash`.
pub fn mac(key: &[u8; 32], msg: &[u8]) -> [u8; 32] {
    *blake3::keyed_hash(key, msg).as_bytes()
}

/// Compares two byte strings in constant time (for equal lengths).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// 32 bytes of secret key material, wiped from memory when dropped.
///
/// Invariant: never printed, never compared except in constant time.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Key32([u8; 32]);

impl Key32 {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Key32(bytes)
    }

    /// Takes a slice that must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, crate::Error> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| crate::Error::BadEncoding("a 32-byte key"))?;
        Ok(Key32(arr))
    }

    /// New key material from the CSPRNG.
    pub fn random() -> Self {
        Key32(crate::random())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl PartialEq for Key32 {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(&self.0, &other.0)
    }
}
impl Eq for Key32 {}

impl core::fmt::Debug for Key32 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Key32(<secret>)")
    }
}

/// A file secret `fs`: the root of one file's keys.
///
/// Invariant: together with one header salt it seals exactly one plaintext, once (format-v1.md,
/// One plaintext per key). It never reaches the server.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FileSecret(pub Key32);

impl FileSecret {
    /// A new file secret from the CSPRNG (files sent through a file request).
    pub fn random() -> Self {
        FileSecret(Key32::random())
    }
}

/// The keys of one file, derived from its file secret and its header salt.
#[derive(Clone)]
pub struct FileKeys {
    pub payload_key: Key32,
    pub metadata_key: Key32,
    /// Public: it is written into the header, where it makes AES-GCM key-committing.
    pub commitment: [u8; 32],
}

impl FileKeys {
    pub fn derive(fs: &FileSecret, salt: &[u8; 16]) -> Self {
        let ikm: [&[u8]; 2] = [fs.0.as_bytes(), salt];
        FileKeys {
            payload_key: derive_concat("sealdrop v1 payload key", &ikm),
            metadata_key: derive_concat("sealdrop v1 metadata key", &ikm),
            commitment: *derive_concat("sealdrop v1 key commitment", &ikm).as_bytes(),
        }
    }
}
