//! The sealdrop v1 format (`shared/design/format-v1.md`), with no I/O.
//!
//! Everything that encrypts or decrypts for sealdrop goes through this crate: the browser module
//! (`crates/wasm`), the worker's API types, the CLI and the tests. It owns every byte layout,
//! nonce, associated-data string, key derivation and error of the format; the bulk AES-256-GCM of
//! payload chunks is pluggable ([`aead::ChunkAead`]) so that an asynchronous engine such as
//! WebCrypto can do the arithmetic while this crate keeps the rules ([`stream`]).

pub mod account;
pub mod aead;
pub mod api;
pub mod audit;
pub mod content;
pub mod encoding;
mod error;
pub mod header;
pub mod keys;
pub mod layout;
pub mod metadata;
pub mod nonce;
pub mod request;
pub mod share;
pub mod staff;
pub mod stream;

pub use error::{Error, ErrorKind};
pub use header::Header;
pub use keys::{FileKeys, FileSecret, Key32};
pub use nonce::Nonce;

/// Fills `buf` from the operating system's (or the browser's) CSPRNG.
///
/// A CSPRNG that fails is not something to recover from: no key may be made without it.
pub fn fill_random(buf: &mut [u8]) {
    getrandom::getrandom(buf).expect("the system CSPRNG is unavailable");
}

/// `N` bytes from the CSPRNG.
pub fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    fill_random(&mut out);
    out
}

#[cfg(feature = "test-params")]
pub mod vectors;
