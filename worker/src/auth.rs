//! Who may do what: the creation policy, owner tokens, proofs of key possession and tickets.
//!
//! Every secret a caller presents is 32 random bytes in strict base64url; the server keeps only
//! its BLAKE3 hash (hex) and compares hashes in constant time.

use sealdrop_core::encoding::{b64_decode_array, b64_encode};
use sealdrop_core::keys::ct_eq;
use sealdrop_core::share::AuthKey;
use sealdrop_core::Key32;
use worker::Request;

use crate::error::{ApiError, ApiResult};
use crate::http::header;

/// How long a download ticket lives after its last use (format-v1.md: one hour).
pub const TICKET_TTL_MS: u64 = 60 * 60 * 1000;

/// Decides whether this request may create a share. Everyone may until accounts exist; sign-in
/// will be checked here and nowhere else.
pub fn may_create_share(_req: &Request) -> ApiResult<()> {
    Ok(())
}

/// The lower-case hex BLAKE3 of a secret: the only form in which the server keeps one.
pub fn hash_hex(secret: &[u8]) -> String {
    hex::encode(blake3::hash(secret).as_bytes())
}

/// A new random token and the hash to store for it.
pub fn new_token() -> (String, String) {
    let token = Key32::random();
    (b64_encode(token.as_bytes()), hash_hex(token.as_bytes()))
}

/// The 32-byte secret of `Authorization: <scheme> <base64url>`.
fn credential(req: &Request, scheme: &str, code: &'static str, what: &str) -> ApiResult<Key32> {
    let missing = || ApiError::new(401, code, format!("This request needs {what}."));
    let value = header(req, "Authorization")?.ok_or_else(missing)?;
    let encoded = value
        .strip_prefix(scheme)
        .and_then(|rest| rest.strip_prefix(' '))
        .ok_or_else(missing)?;
    b64_decode_array::<32>(encoded, "a credential")
        .map(Key32::from_bytes)
        .map_err(|_| ApiError::bad_request("bad_credential", format!("The {what} is malformed.")))
}

/// Checks `Authorization: Bearer <owner token>` against the share's stored hash.
pub fn check_owner(req: &Request, stored_hash: &str) -> ApiResult<()> {
    let token = credential(
        req,
        "Bearer",
        "owner_token_required",
        "the share's owner token",
    )?;
    if ct_eq(
        hash_hex(token.as_bytes()).as_bytes(),
        stored_hash.as_bytes(),
    ) {
        Ok(())
    } else {
        Err(ApiError::new(
            403,
            "wrong_owner_token",
            "This owner token does not belong to this share.",
        ))
    }
}

/// The auth key of `Authorization: Sealdrop-Key <ak>`.
pub fn key_proof(req: &Request) -> ApiResult<AuthKey> {
    credential(
        req,
        "Sealdrop-Key",
        "key_required",
        "a proof of key possession",
    )
    .map(AuthKey)
}

/// Checks a presented auth key against the stored `BLAKE3(ak)` (hex), in constant time.
pub fn check_key(key: &AuthKey, stored_hash: &str) -> ApiResult<()> {
    let wrong = || ApiError::new(403, "wrong_key", "Wrong password or damaged link.");
    let stored = hex::decode(stored_hash)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(wrong)?;
    if key.matches(&stored) {
        Ok(())
    } else {
        Err(wrong())
    }
}

/// The hash of `Authorization: Sealdrop-Ticket <ticket>`. Tickets are looked up by this hash:
/// an index lookup on the hash of 256 random bits reveals nothing a timing could use.
pub fn ticket_hash(req: &Request) -> ApiResult<String> {
    credential(
        req,
        "Sealdrop-Ticket",
        "ticket_required",
        "a download ticket",
    )
    .map(|t| hash_hex(t.as_bytes()))
}

/// The client's address as Cloudflare reports it (`CF-Connecting-IP`, which the platform sets
/// and a client cannot); for the per-address limit on failed proofs.
pub fn client_address(req: &Request) -> String {
    header(req, "CF-Connecting-IP")
        .ok()
        .flatten()
        .unwrap_or_else(|| "unknown".into())
}
