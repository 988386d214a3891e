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

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, in groups of four characters joined by `sep`.
pub(crate) fn base32_groups(bytes: &[u8], sep: char) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    let (mut acc, mut bits, mut count) = (0u32, 0u32, 0usize);
    let mut push = |v: u32, out: &mut String| {
        if count > 0 && count % 4 == 0 {
            out.push(sep);
        }
        out.push(BASE32[v as usize] as char);
        count += 1;
    };
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            push((acc >> bits) & 31, &mut out);
        }
    }
    if bits > 0 {
        push((acc << (5 - bits)) & 31, &mut out);
    }
    out
}

/// Reads base32 of exactly `N` bytes as people type it: case, spaces and dashes are ignored;
/// any other character, a wrong length or non-zero trailing bits are refused.
pub(crate) fn base32_decode_array<const N: usize>(
    text: &str,
    what: &'static str,
) -> Result<[u8; N], Error> {
    let mut out = Vec::with_capacity(N);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !matches!(c, ' ' | '-')) {
        let upper = c.to_ascii_uppercase() as u8;
        let v = BASE32
            .iter()
            .position(|&a| a == upper && c.is_ascii())
            .ok_or(Error::BadEncoding(what))?;
        acc = ((acc << 5) | v as u32) & 0xffff;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if bits >= 5 || acc & ((1 << bits) - 1) != 0 {
        return Err(Error::BadEncoding(what));
    }
    out.try_into().map_err(|_| Error::BadEncoding(what))
}

/// Lower-case hex of exactly `N` bytes, refusing anything else.
pub fn hex_array<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N], Error> {
    let bytes = hex::decode(text).map_err(|_| Error::BadEncoding(what))?;
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(Error::BadEncoding(what));
    }
    bytes.try_into().map_err(|_| Error::BadEncoding(what))
}
