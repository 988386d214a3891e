//! The content id of a stream, fed from bytes that live in JavaScript or in wasm memory.
//!
//! It runs in the session's thread. A hasher in a second worker was measured and lost on a
//! 2-core machine (README, Performance): Chromium's WebCrypto already keeps the other core busy.

use js_sys::Uint8Array;
use sealdrop_core::content::ContentHasher;
use sealdrop_core::header::HEADER_LEN;

use crate::engine::Bytes;

/// Bytes in JavaScript memory are copied into wasm for hashing in pieces of this size at most.
const PIECE: u32 = 1 << 20;

/// Invariant: bytes are fed in stream order, the header first (by `new`).
pub struct Digest {
    hasher: ContentHasher,
    scratch: Vec<u8>,
}

impl Digest {
    pub fn new(header: &[u8; HEADER_LEN]) -> Self {
        Digest {
            hasher: ContentHasher::new(header),
            scratch: Vec::new(),
        }
    }

    /// Feeds bytes that live in JavaScript memory.
    pub fn update_js(&mut self, bytes: &Uint8Array) {
        let len = bytes.length();
        let mut at = 0;
        while at < len {
            let end = (at + PIECE).min(len);
            self.scratch.resize((end - at) as usize, 0);
            bytes.subarray(at, end).copy_to(&mut self.scratch);
            self.hasher.update(&self.scratch);
            at = end;
        }
    }

    /// Feeds an engine's output.
    pub fn update(&mut self, bytes: &Bytes) {
        match bytes {
            Bytes::Rust(v) => self.hasher.update(v),
            Bytes::Js(a) => self.update_js(a),
        }
    }

    /// The content id, lower-case hex.
    pub fn finish(&self) -> String {
        self.hasher.finalize().to_hex()
    }
}
