//! Who may do what: staff sessions (cookie and CSRF token), API keys, owner tokens, proofs of key
//! possession, tickets, invites and request upload tokens.
//!
//! Every secret a caller presents is 32 random bytes in strict base64url; the server keeps only
//! its BLAKE3 hash (hex), or for login keys a keyed hash under the pepper, and compares in
//! constant time.

use sealdrop_core::encoding::{b64_decode_array, b64_encode};
use sealdrop_core::keys::ct_eq;
use sealdrop_core::share::AuthKey;
use sealdrop_core::Key32;
use worker::{Method, Request};

use crate::rules::api_keys::{read_scopes, KeyCaller, KeyName, KeyState, Scope};
use crate::rules::error::{ApiError, ApiResult};
use crate::rules::limits::SESSION_TTL_MS;
use crate::rules::staff::Staff;
use crate::services::context::Ctx;
use crate::services::headers::header;

/// The session cookie. `__Host-` makes browsers refuse it unless it is Secure, host-only and for
/// the whole site.
pub const SESSION_COOKIE: &str = "__Host-sealdrop-session";

/// The signed-in caller, or the account of the API key the dispatcher checked for this call. With
/// a session, state-changing methods must also carry the session's CSRF token and, when the
/// browser names one, our own origin; a key is not a cookie, so no page can be made to send it,
/// and it carries none. A disabled account's sessions are gone the moment it is disabled, so they
/// fail here like any other.
pub async fn staff(req: &Request, ctx: &Ctx) -> ApiResult<Staff> {
    if let Some(caller) = &ctx.key {
        return Ok(caller.staff.clone());
    }
    let token = session_token(req)?
        .ok_or_else(|| ApiError::new(401, "sign_in_required", "Sign in to do this."))?;
    let signed_out = || ApiError::new(401, "signed_out", "Your session has ended; sign in again.");
    let staff = ctx
        .db
        .session_account(&hash_hex(token.as_bytes()), ctx.now)
        .await?
        .ok_or_else(signed_out)?;
    if !matches!(req.method(), Method::Get | Method::Head) {
        check_origin(req)?;
        let sent = header(req, "Sealdrop-CSRF")?.ok_or_else(|| {
            ApiError::new(
                403,
                "csrf_required",
                "This request lacks its Sealdrop-CSRF header; reload the page.",
            )
        })?;
        if !ct_eq(sent.as_bytes(), csrf_token(&token).as_bytes()) {
            return Err(ApiError::new(
                403,
                "csrf_mismatch",
                "This request's CSRF token is not this session's; reload the page.",
            ));
        }
    }
    Ok(staff)
}

/// The signed-in caller, if an admin.
pub async fn admin(req: &Request, ctx: &Ctx) -> ApiResult<Staff> {
    let staff = staff(req, ctx).await?;
    if staff.is_admin() {
        Ok(staff)
    } else {
        Err(ApiError::new(403, "admin_only", "Only admins may do this."))
    }
}

/// Who a request says it comes from, kept before the request goes to its handler, so that a
/// refusal can be logged under the account that made it.
pub struct Caller {
    session: Option<Key32>,
    authorization: bool,
    pub sent_upload_token: bool,
    /// The hash of the API key the request carried, well-formed or not yet checked.
    pub api_key_hash: Option<String>,
}

impl Caller {
    pub fn of(req: &Request) -> Caller {
        let authorization = header(req, "Authorization").ok().flatten();
        Caller {
            session: session_token(req).ok().flatten(),
            authorization: authorization.is_some(),
            sent_upload_token: authorization
                .as_ref()
                .is_some_and(|h| h.starts_with("Sealdrop-Upload ")),
            api_key_hash: api_key_hash(req).ok().flatten(),
        }
    }

    /// Whether the request carries no credential at all: no session cookie, no Authorization.
    pub fn is_anonymous(&self) -> bool {
        self.session.is_none() && !self.authorization
    }

    /// The account of a session that is still valid, if the request had one.
    pub async fn staff(&self, ctx: &Ctx) -> Option<Staff> {
        let token = self.session.as_ref()?;
        ctx.db
            .session_account(&hash_hex(token.as_bytes()), ctx.now)
            .await
            .ok()
            .flatten()
    }
}

/// The scheme of an API key: `Authorization: Sealdrop-ApiKey <key>`.
pub const API_KEY_SCHEME: &str = "Sealdrop-ApiKey";

/// The hash of the request's API key, if it carries one; a malformed key is refused.
pub fn api_key_hash(req: &Request) -> ApiResult<Option<String>> {
    let sent =
        header(req, "Authorization")?.is_some_and(|h| h.starts_with(&format!("{API_KEY_SCHEME} ")));
    if !sent {
        return Ok(None);
    }
    credential(req, API_KEY_SCHEME, "api_key_required", "an API key")
        .map(|key| Some(hash_hex(key.as_bytes())))
}

/// Checks an API key for an operation that a key with any of `needs` may call (none: keys may
/// not call it). The key must be known, live, its account enabled, the policy must allow keys,
/// and the key must have one of the scopes. A refusal of a known key is logged under its account
/// and name ([`refused_key`]).
pub async fn api_key(ctx: &Ctx, key_hash: &str, needs: &[Scope]) -> ApiResult<KeyCaller> {
    let row = ctx.db.api_key_by_hash(key_hash).await?.ok_or_else(|| {
        ApiError::new(
            401,
            "unknown_api_key",
            "This API key is not known. Check that it was copied whole, or make a new one on your account page.",
        )
    })?;
    match KeyState::of(row.expires_at, row.revoked_at, ctx.now) {
        KeyState::Revoked => {
            return Err(ApiError::new(
                401,
                "api_key_revoked",
                "This API key was revoked. Make a new one on your account page.",
            ))
        }
        KeyState::Expired => {
            return Err(ApiError::new(
                401,
                "api_key_expired",
                "This API key has expired. Make a new one on your account page.",
            ))
        }
        KeyState::Active => {}
    }
    if row.owner_disabled_at.is_some() {
        return Err(ApiError::new(
            403,
            "account_disabled",
            "The account of this API key is disabled. Ask an admin if this is a mistake.",
        ));
    }
    ctx.policy.check_api_keys()?;
    if needs.is_empty() {
        return Err(ApiError::new(
            403,
            "api_key_not_accepted",
            "API keys cannot do this; sign in on the pages to do it.",
        ));
    }
    let scopes = read_scopes(&row.scopes);
    if !needs.iter().any(|s| scopes.contains(s)) {
        let names: Vec<&str> = needs.iter().map(|s| s.name()).collect();
        return Err(ApiError::new(
            403,
            "api_key_scope",
            format!(
                "This API key lacks the scope this needs ({}). Make a key with it on your account page.",
                names.join(" or ")
            ),
        ));
    }
    Ok(KeyCaller {
        staff: Staff {
            id: row.account_id,
            role: row.owner_role,
        },
        key: KeyName {
            id: row.id,
            name: row.name,
        },
    })
}

/// The key a refused call was made with, whatever its state, to name it in the log.
pub async fn refused_key(ctx: &Ctx, key_hash: &str) -> Option<(String, KeyName)> {
    let row = ctx.db.api_key_by_hash(key_hash).await.ok().flatten()?;
    Some((
        row.account_id,
        KeyName {
            id: row.id,
            name: row.name,
        },
    ))
}

/// The session token of the request's cookie, if it has one.
pub fn session_token(req: &Request) -> ApiResult<Option<Key32>> {
    let Some(cookies) = header(req, "Cookie")? else {
        return Ok(None);
    };
    let value = cookies
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value);
    Ok(value
        .and_then(|v| b64_decode_array::<32>(v, "a session token").ok())
        .map(Key32::from_bytes))
}

/// The CSRF token of a session: derived from the cookie's token, so that nothing more is stored
/// and a page that cannot read the cookie gets it only from a same-origin answer.
pub fn csrf_token(session: &Key32) -> String {
    b64_encode(&blake3::derive_key(
        "sealdrop v1 csrf token",
        session.as_bytes(),
    ))
}

/// `Set-Cookie` for a new session, or (with `None`) one that ends it.
pub fn session_cookie(token: Option<&str>) -> String {
    match token {
        Some(token) => format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
            SESSION_TTL_MS / 1000
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0"),
    }
}

/// Refuses a state-changing request that a browser says comes from another origin.
fn check_origin(req: &Request) -> ApiResult<()> {
    let Some(origin) = header(req, "Origin")? else {
        return Ok(());
    };
    let ours = req
        .url()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    if origin == ours {
        Ok(())
    } else {
        Err(ApiError::new(
            403,
            "cross_origin",
            "Requests from other sites are refused.",
        ))
    }
}

/// `mac(pepper, login key)` (format-v1.md, Staff keys), hex: the only form a login key is kept in.
pub fn login_hash(pepper: &[u8; 32], login_key: &[u8; 32]) -> String {
    hex::encode(blake3::keyed_hash(pepper, login_key).as_bytes())
}

/// The invite token of `Authorization: Sealdrop-Invite <token>`, hashed.
pub fn invite_hash(req: &Request) -> ApiResult<String> {
    credential(req, "Sealdrop-Invite", "invite_required", "an invite token")
        .map(|t| hash_hex(t.as_bytes()))
}

/// Checks `Authorization: Sealdrop-Upload <upload token>` against a request's stored hash.
pub fn check_upload_token(req: &Request, stored_hash: &str) -> ApiResult<()> {
    check_hashed(
        req,
        (
            "Sealdrop-Upload",
            "upload_token_required",
            "the request link's upload token",
        ),
        stored_hash,
        ApiError::new(
            403,
            "wrong_upload_token",
            "This upload token does not belong to this request; check the link.",
        ),
    )
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
    check_hashed(
        req,
        ("Bearer", "owner_token_required", "the share's owner token"),
        stored_hash,
        ApiError::new(
            403,
            "wrong_owner_token",
            "This owner token does not belong to this share.",
        ),
    )
}

/// Checks the token of `Authorization: <scheme> <token>` against its stored BLAKE3 (hex), in
/// constant time; `wrong` is the refusal when it does not match.
fn check_hashed(
    req: &Request,
    (scheme, missing_code, what): (&str, &'static str, &str),
    stored_hash: &str,
    wrong: ApiError,
) -> ApiResult<()> {
    let token = credential(req, scheme, missing_code, what)?;
    if ct_eq(
        hash_hex(token.as_bytes()).as_bytes(),
        stored_hash.as_bytes(),
    ) {
        Ok(())
    } else {
        Err(wrong)
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
