//! Format v1 for pages beyond the payload sessions, one file per part of `sealdrop-core`:
//! encodings and randomness, a file's metadata and layout, shares, file requests, staff keys and
//! the account key.
//! Thin wrappers: every rule lives in `sealdrop-core`; this module holds only the checks that
//! turn JavaScript values into the core's types.

mod account;
mod encoding;
mod file;
mod request;
mod share;
mod staff;

use sealdrop_core::encoding::Id;
use sealdrop_core::header::Header;
use sealdrop_core::{FileKeys, FileSecret, Key32};
use wasm_bindgen::prelude::*;

use crate::error::SealdropError;

pub use account::*;
pub use encoding::*;
pub use file::*;
pub use request::*;
pub use share::*;
pub use staff::*;

pub(crate) type Result<T> = std::result::Result<T, SealdropError>;

/// Key material from JavaScript, checked for length.
pub(crate) fn key(bytes: &[u8], what: &str) -> Result<Key32> {
    Key32::from_slice(bytes).map_err(|_| SealdropError::bad_input(what))
}

pub(crate) fn array<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N]> {
    bytes.try_into().map_err(|_| SealdropError::bad_input(what))
}

pub(crate) fn id(bytes: &[u8]) -> Result<Id> {
    Ok(Id(array(bytes, "the id")?))
}

pub(crate) fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue> {
    serde_wasm_bindgen::to_value(value).map_err(|e| SealdropError::new("bad input", e.to_string()))
}

pub(crate) fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| SealdropError::new("bad input", format!("{what}: {e}")))
}

/// The keys of a file, after its header's commitment was checked against `fs`.
pub(crate) fn file_keys(file_secret: &[u8], header: &[u8]) -> Result<(FileKeys, Header)> {
    let fs = FileSecret(key(file_secret, "the file secret")?);
    let header = Header::parse(header)?;
    Ok((header.verify(&fs)?, header))
}

/// A JavaScript number that is a whole, non-negative, exactly representable integer.
pub(crate) fn js_u64(value: f64, what: &str) -> Result<u64> {
    let exact = value.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&value);
    if exact {
        Ok(value as u64)
    } else {
        Err(SealdropError::bad_input(what))
    }
}
