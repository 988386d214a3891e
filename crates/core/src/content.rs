//! Content ids and part hashes (format-v1.md, Content id).

use crate::header::HEADER_LEN;

/// `BLAKE3(header || payload)`: names what was uploaded, so an auditor can match a download to
/// an upload without any key.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct ContentId(pub [u8; 32]);

impl ContentId {
    /// Lower-case hex, as the format prints it.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl core::fmt::Display for ContentId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Computes a content id while the payload streams past.
#[derive(Clone)]
pub struct ContentHasher(blake3::Hasher);

impl ContentHasher {
    pub fn new(header: &[u8; HEADER_LEN]) -> Self {
        let mut h = blake3::Hasher::new();
        h.update(header);
        ContentHasher(h)
    }

    /// Feeds the next payload bytes, in order.
    pub fn update(&mut self, payload: &[u8]) {
        self.0.update(payload);
    }

    pub fn finalize(&self) -> ContentId {
        ContentId(*self.0.finalize().as_bytes())
    }
}

/// `BLAKE3(part bytes)`, carried with every upload part.
pub fn part_hash(part: &[u8]) -> [u8; 32] {
    *blake3::hash(part).as_bytes()
}
