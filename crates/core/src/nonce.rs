//! Chunk nonces (format-v1.md, Payload).

/// The 96-bit AES-GCM nonce of payload chunk `i`: `0x000000 || u64be(i) || last flag`.
///
/// Invariant: a nonce names exactly one chunk position and whether it ends the payload; the
/// counter stops reordering and the flag stops truncation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nonce([u8; 12]);

impl Nonce {
    /// The nonce of chunk `index`; `last` is set on the final chunk only.
    pub fn for_chunk(index: u64, last: bool) -> Self {
        let mut n = [0u8; 12];
        n[3..11].copy_from_slice(&index.to_be_bytes());
        n[11] = u8::from(last);
        Nonce(n)
    }

    /// The nonce of the next chunk, not last.
    pub fn increment(&self) -> Self {
        Nonce::for_chunk(self.index() + 1, false)
    }

    /// The same position with the last flag set.
    pub fn set_last(&self) -> Self {
        Nonce::for_chunk(self.index(), true)
    }

    pub fn index(&self) -> u64 {
        u64::from_be_bytes(self.0[3..11].try_into().expect("8 bytes"))
    }

    pub fn is_last(&self) -> bool {
        self.0[11] == 1
    }

    pub fn as_bytes(&self) -> &[u8; 12] {
        &self.0
    }
}
