//! Text encodings of the format: strict base64url without padding, ids, fingerprints.

use base64ct::{Base64UrlUnpadded, Encoding};

use crate::error::Error;

/// RFC 4648 section 5 base64url without padding.
pub fn b64_encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Strict base64url: padding, other alphabets and non-canonical trailing bits are refused.
pub fn b64_decode(text: &str, what: &'static str) -> Result<Vec<u8>, Error> {
    let bytes = Base64UrlUnpadded::decode_vec(text).map_err(|_| Error::BadEncoding(what))?;
    // base64ct decodes in constant time; re-encoding catches any non-canonical spelling.
    if Base64UrlUnpadded::encode_string(&bytes) != text {
        return Err(Error::BadEncoding(what));
    }
    Ok(bytes)
}

/// Strict base64url of exactly `N` bytes.
pub fn b64_decode_array<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N], Error> {
    b64_decode(text, what)?
        .try_into()
        .map_err(|_| Error::BadEncoding(what))
}

/// An id of a share, request or account: 16 random bytes, 22 base64url characters in URLs.
///
/// Invariant: made from the CSPRNG; its raw 16 bytes go into every cryptographic input.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Id(pub [u8; 16]);

impl Id {
    pub fn random() -> Self {
        Id(crate::random())
    }

    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.len() != 22 {
            return Err(Error::BadEncoding("an id"));
        }
        Ok(Id(b64_decode_array(text, "an id")?))
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl core::fmt::Display for Id {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&b64_encode(&self.0))
    }
}

/// RFC 4648 base32 of 10 bytes (16 characters, no padding needed), in groups of four.
pub(crate) fn base32_groups(bytes: &[u8; 10]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bits = bytes
        .iter()
        .fold(0u128, |acc, &b| (acc << 8) | u128::from(b));
    let mut out = String::with_capacity(19);
    for i in 0..16 {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        let v = (bits >> (75 - 5 * i)) & 31;
        out.push(ALPHABET[v as usize] as char);
    }
    out
}

/// Lower-case hex of exactly `N` bytes, refusing anything else.
pub fn hex_array<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N], Error> {
    let bytes = hex::decode(text).map_err(|_| Error::BadEncoding(what))?;
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(Error::BadEncoding(what));
    }
    bytes.try_into().map_err(|_| Error::BadEncoding(what))
}
