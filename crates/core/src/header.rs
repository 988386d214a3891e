//! The 56-byte file header (format-v1.md, Header).

use crate::error::Error;
use crate::keys::{ct_eq, FileKeys, FileSecret};

pub const HEADER_LEN: usize = 56;
pub const MAGIC: &[u8; 4] = b"SDRP";
pub const VERSION: u8 = 0x01;
pub const MIN_LOG2_CHUNK: u8 = 16;
pub const MAX_LOG2_CHUNK: u8 = 24;
/// The default chunk size, 2^19 = 512 KiB, chosen by the browser benchmark (README,
/// Performance): in Chromium it sealed and opened fastest, 7 % ahead of 256 KiB in three runs;
/// at 64 KiB the per-chunk cost of a WebCrypto call shows, and from 1 MiB up WebCrypto itself
/// slows down (about 690 MB/s against 1.6 GB/s at 256 KiB). An upload part is then 10 chunks,
/// 5,243,040 bytes.
pub const DEFAULT_LOG2_CHUNK: u8 = 19;

/// A parsed header whose fields passed every structural check.
///
/// Invariant: magic, version, `log2_chunk` and flags are valid; the commitment is *not* yet
/// checked against any key (see [`Header::verify`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    log2_chunk: u8,
    salt: [u8; 16],
    commitment: [u8; 32],
}

impl Header {
    /// The header of a new file sealed under `keys` (derived with the same `salt`).
    pub fn new(log2_chunk: u8, salt: [u8; 16], keys: &FileKeys) -> Result<Self, Error> {
        check_log2_chunk(log2_chunk)?;
        Ok(Header {
            log2_chunk,
            salt,
            commitment: keys.commitment,
        })
    }

    /// Parses a header, checking magic, version, `log2_chunk` and flags in that order.
    /// Anything that is not exactly 56 bytes is `bad magic`.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() != HEADER_LEN || &bytes[0..4] != MAGIC {
            return Err(Error::BadMagic);
        }
        if bytes[4] != VERSION {
            return Err(Error::BadVersion);
        }
        check_log2_chunk(bytes[5])?;
        if bytes[6..8] != [0, 0] {
            return Err(Error::BadFlags);
        }
        Ok(Header {
            log2_chunk: bytes[5],
            salt: bytes[8..24].try_into().expect("16 bytes"),
            commitment: bytes[24..56].try_into().expect("32 bytes"),
        })
    }

    /// Derives the file's keys and checks the commitment in constant time. Nothing may be
    /// opened under keys that did not pass this check (a mismatch is `wrong key`).
    pub fn verify(&self, fs: &FileSecret) -> Result<FileKeys, Error> {
        let keys = FileKeys::derive(fs, &self.salt);
        if ct_eq(&keys.commitment, &self.commitment) {
            Ok(keys)
        } else {
            Err(Error::WrongKey)
        }
    }

    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0..4].copy_from_slice(MAGIC);
        out[4] = VERSION;
        out[5] = self.log2_chunk;
        out[8..24].copy_from_slice(&self.salt);
        out[24..56].copy_from_slice(&self.commitment);
        out
    }

    pub fn log2_chunk(&self) -> u8 {
        self.log2_chunk
    }

    /// The plaintext chunk size `C`.
    pub fn chunk_size(&self) -> usize {
        1usize << self.log2_chunk
    }

    pub fn salt(&self) -> &[u8; 16] {
        &self.salt
    }

    pub fn commitment(&self) -> &[u8; 32] {
        &self.commitment
    }
}

fn check_log2_chunk(log2_chunk: u8) -> Result<(), Error> {
    if (MIN_LOG2_CHUNK..=MAX_LOG2_CHUNK).contains(&log2_chunk) {
        Ok(())
    } else {
        Err(Error::BadChunkSize)
    }
}
