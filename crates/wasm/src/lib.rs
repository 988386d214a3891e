//! The sealdrop browser module: format v1 (`sealdrop-core`) for pages and Web Workers.
//!
//! Bulk AES-256-GCM of payload chunks goes through WebCrypto where the page has
//! `crypto.subtle` and through the aes-gcm crate where it does not (pages over plain http); both
//! give the same bytes because every nonce, AAD and rule comes from `sealdrop-core`. Errors reach
//! JavaScript as `Error` objects named `SealdropError` with a stable `kind` and an `index`.

mod digest;
mod engine;
mod error;
pub mod exports;
mod open;
mod pieces;
mod seal;
mod session;

pub use engine::Backend;
pub use error::SealdropError;
pub use open::OpenSession;
pub use seal::SealSession;
