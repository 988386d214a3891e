//! Randomness, BLAKE3 and base64url for pages.

use sealdrop_core::encoding::{b64_decode, b64_encode};
use sealdrop_core::Key32;
use wasm_bindgen::prelude::*;

use super::Result;
use crate::error::SealdropError;

/// `n` bytes (at most 65,536) from the browser's CSPRNG.
#[wasm_bindgen(js_name = randomBytes)]
pub fn random_bytes(n: usize) -> Result<Vec<u8>> {
    if n > 65_536 {
        return Err(SealdropError::bad_input(
            "a request for more than 65,536 random bytes",
        ));
    }
    let mut out = vec![0u8; n];
    sealdrop_core::fill_random(&mut out);
    Ok(out)
}

/// BLAKE3 of `data` (32 bytes): part hashes, auth key hashes.
#[wasm_bindgen(js_name = blake3)]
pub fn blake3_hash(data: &[u8]) -> Vec<u8> {
    blake3::hash(data).as_bytes().to_vec()
}

/// Incremental BLAKE3, for parts fed in pieces.
#[wasm_bindgen]
pub struct Blake3Hasher(blake3::Hasher);

#[wasm_bindgen]
impl Blake3Hasher {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Blake3Hasher {
        Blake3Hasher(blake3::Hasher::new())
    }

    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The 32-byte hash of everything fed so far.
    pub fn finalize(&self) -> Vec<u8> {
        self.0.finalize().as_bytes().to_vec()
    }
}

impl Default for Blake3Hasher {
    fn default() -> Self {
        Self::new()
    }
}

/// base64url without padding (links, ids, the auth key header).
#[wasm_bindgen(js_name = b64Encode)]
pub fn b64_encode_js(bytes: &[u8]) -> String {
    b64_encode(bytes)
}

/// Strict base64url: non-canonical text is refused.
#[wasm_bindgen(js_name = b64Decode)]
pub fn b64_decode_js(text: &str) -> Result<Vec<u8>> {
    Ok(b64_decode(text, "the base64url text")?)
}

/// A new 32-byte secret (a link secret, file secret or request secret).
#[wasm_bindgen(js_name = newSecret)]
pub fn new_secret() -> Vec<u8> {
    Key32::random().as_bytes().to_vec()
}
