//! Where chunks and upload parts lie in a payload of known length (random access, ranged
//! downloads, upload layout).

use core::ops::Range;

use crate::aead::TAG_LEN;
use crate::error::Error;
use crate::header::{MAX_LOG2_CHUNK, MIN_LOG2_CHUNK};

/// R2's smallest multipart part, which every part but the last must reach.
pub const MIN_PART_LEN: u64 = 5 * 1024 * 1024;
/// R2's largest multipart part.
pub const MAX_PART_LEN: u64 = 5 * 1024 * 1024 * 1024;

/// The chunk geometry of one payload.
///
/// Invariant: `payload_len > 0` and `log2_chunk` is in the format's range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayloadLayout {
    log2_chunk: u8,
    payload_len: u64,
}

impl PayloadLayout {
    /// The layout of a stored payload. An empty payload is `truncated`; a final slot too short
    /// to hold a tag is `tampered chunk`.
    pub fn new(log2_chunk: u8, payload_len: u64) -> Result<Self, Error> {
        if !(MIN_LOG2_CHUNK..=MAX_LOG2_CHUNK).contains(&log2_chunk) {
            return Err(Error::BadChunkSize);
        }
        if payload_len == 0 {
            return Err(Error::Truncated);
        }
        let layout = PayloadLayout {
            log2_chunk,
            payload_len,
        };
        let last = layout.chunk_count() - 1;
        if layout.slot_range(last).end - layout.slot_range(last).start < TAG_LEN as u64 {
            return Err(Error::TamperedChunk { index: last });
        }
        Ok(layout)
    }

    /// The layout the sealer produces for `plaintext_len` bytes.
    pub fn for_plaintext(log2_chunk: u8, plaintext_len: u64) -> Result<Self, Error> {
        if !(MIN_LOG2_CHUNK..=MAX_LOG2_CHUNK).contains(&log2_chunk) {
            return Err(Error::BadChunkSize);
        }
        let chunks = plaintext_len.div_ceil(1u64 << log2_chunk).max(1);
        let payload_len = chunks
            .checked_mul(TAG_LEN as u64)
            .and_then(|tags| tags.checked_add(plaintext_len))
            .ok_or(Error::TooLarge)?;
        PayloadLayout::new(log2_chunk, payload_len)
    }

    /// `C + 16`: the length of every slot but the last.
    pub fn slot_len(&self) -> u64 {
        (1u64 << self.log2_chunk) + TAG_LEN as u64
    }

    pub fn chunk_count(&self) -> u64 {
        self.payload_len.div_ceil(self.slot_len())
    }

    pub fn payload_len(&self) -> u64 {
        self.payload_len
    }

    /// The plaintext length this payload opens to, if it is well formed.
    pub fn plaintext_len(&self) -> u64 {
        self.payload_len - self.chunk_count() * TAG_LEN as u64
    }

    /// Payload byte range of chunk `index` (which must be below [`Self::chunk_count`]).
    pub fn slot_range(&self, index: u64) -> Range<u64> {
        let start = index.saturating_mul(self.slot_len()).min(self.payload_len);
        start..start.saturating_add(self.slot_len()).min(self.payload_len)
    }

    pub fn is_final(&self, index: u64) -> bool {
        index + 1 == self.chunk_count()
    }

    /// The chunk that holds plaintext byte `offset` (the last chunk for the end).
    pub fn chunk_of_plaintext_offset(&self, offset: u64) -> u64 {
        (offset >> self.log2_chunk).min(self.chunk_count() - 1)
    }
}

/// How a payload is cut into upload parts: `k` whole chunks each, the last part shorter.
///
/// Invariant: every part but the last is `k * (C + 16) >= 5 MiB` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartLayout {
    chunks_per_part: u64,
    slot_len: u64,
}

impl PartLayout {
    /// The smallest `k` with `k * (C + 16) >= 5 MiB`.
    pub fn minimal(log2_chunk: u8) -> Self {
        let slot_len = (1u64 << log2_chunk) + TAG_LEN as u64;
        PartLayout {
            chunks_per_part: MIN_PART_LEN.div_ceil(slot_len),
            slot_len,
        }
    }

    /// A client's larger choice of `k`; refused below the minimum or when a part would exceed
    /// R2's largest part (5 GiB).
    pub fn with_chunks_per_part(log2_chunk: u8, k: u64) -> Option<Self> {
        let min = Self::minimal(log2_chunk);
        let fits = k
            .checked_mul(min.slot_len)
            .is_some_and(|len| len <= MAX_PART_LEN);
        (k >= min.chunks_per_part && fits).then_some(PartLayout {
            chunks_per_part: k,
            ..min
        })
    }

    pub fn chunks_per_part(&self) -> u64 {
        self.chunks_per_part
    }

    pub fn part_len(&self) -> u64 {
        self.chunks_per_part * self.slot_len
    }

    pub fn part_count(&self, payload_len: u64) -> u64 {
        payload_len.div_ceil(self.part_len()).max(1)
    }

    /// Payload byte range of part `number` (from 0).
    pub fn part_range(&self, payload_len: u64, number: u64) -> Range<u64> {
        let start = number.saturating_mul(self.part_len()).min(payload_len);
        start..start.saturating_add(self.part_len()).min(payload_len)
    }
}
