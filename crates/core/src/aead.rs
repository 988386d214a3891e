//! AES-256-GCM: the one place the aes-gcm crate is called.
//!
//! The payload stream code is generic over [`ChunkAead`] so that a different engine (WebCrypto
//! in the browser) can do the bulk work while the nonces, associated data and slot rules stay in
//! [`crate::stream`]. Every implementation must produce the bytes of NIST SP 800-38D exactly.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Tag};

use zeroize::Zeroize;

use crate::keys::Key32;

/// The 16-byte GCM tag length.
pub const TAG_LEN: usize = 16;

/// A synchronous AES-256-GCM engine bound to one key.
pub trait ChunkAead {
    /// Seals `plaintext` in place: it grows by the 16-byte tag.
    fn seal(&self, nonce: &[u8; 12], aad: &[u8], plaintext: Vec<u8>) -> Vec<u8>;
    /// Opens `ciphertext || tag` into a new buffer, leaving the input as it was so that the
    /// caller can try another reading of it. Nothing unauthenticated is ever returned.
    fn open(&self, nonce: &[u8; 12], aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, AeadFailed>;
}

/// The tag did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AeadFailed;

/// The aes-gcm crate (constant-time software AES where no AES-NI is available).
pub struct SoftAead(Aes256Gcm);

impl SoftAead {
    pub fn new(key: &Key32) -> Self {
        SoftAead(Aes256Gcm::new(key.as_bytes().into()))
    }
}

impl ChunkAead for SoftAead {
    fn seal(&self, nonce: &[u8; 12], aad: &[u8], mut buf: Vec<u8>) -> Vec<u8> {
        let tag = self
            .0
            .encrypt_in_place_detached(nonce.into(), aad, &mut buf)
            .expect("AES-GCM seals any buffer under 64 GiB");
        buf.extend_from_slice(&tag);
        buf
    }

    fn open(&self, nonce: &[u8; 12], aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, AeadFailed> {
        let body_len = ciphertext.len().checked_sub(TAG_LEN).ok_or(AeadFailed)?;
        let tag = Tag::clone_from_slice(&ciphertext[body_len..]);
        let mut buf = ciphertext[..body_len].to_vec();
        match self
            .0
            .decrypt_in_place_detached(nonce.into(), aad, &mut buf, &tag)
        {
            Ok(()) => Ok(buf),
            Err(_) => {
                // aes-gcm leaves unauthenticated plaintext in the buffer on failure.
                buf.zeroize();
                Err(AeadFailed)
            }
        }
    }
}

/// Seals a small message under a one-off random-nonce construction: `nonce || AES-GCM(...)`.
/// Used for metadata, manifests and wrapped keys; the caller supplies the nonce so that test
/// vectors can fix it.
pub(crate) fn seal_with_nonce(
    key: &Key32,
    nonce: &[u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + plaintext.len() + TAG_LEN);
    out.extend_from_slice(nonce);
    out.extend_from_slice(&SoftAead::new(key).seal(nonce, aad, plaintext.to_vec()));
    out
}

/// Opens `nonce (12) || ciphertext || tag`, as written by [`seal_with_nonce`].
pub(crate) fn open_with_nonce(
    key: &Key32,
    aad: &[u8],
    sealed: &[u8],
) -> Result<Vec<u8>, AeadFailed> {
    if sealed.len() < 12 + TAG_LEN {
        return Err(AeadFailed);
    }
    let nonce: [u8; 12] = sealed[..12].try_into().expect("12 bytes");
    SoftAead::new(key).open(&nonce, aad, &sealed[12..])
}
