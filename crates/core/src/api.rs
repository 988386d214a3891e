//! The HTTP API's JSON bodies (`worker/openapi.json`), shared by the worker and native clients.
//!
//! Binary fields travel as strict base64url, hashes and content ids as lower-case hex. These
//! types only carry values; the worker checks them against the format before storing anything.

use serde::{Deserialize, Serialize};

use crate::share::Argon2Params;

/// What a share needs to open with a password: never the password itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordParams {
    /// `pw_salt`, 16 bytes.
    pub salt: String,
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

impl PasswordParams {
    /// The Argon2id parameters, refused outside the format's bounds.
    pub fn argon2(&self) -> Result<Argon2Params, crate::Error> {
        Argon2Params::new(self.m_kib, self.t, self.p)
    }
}

/// `POST /api/shares`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateShare {
    /// `BLAKE3(auth key)`, 32 bytes.
    pub auth_key_hash: String,
    pub password: Option<PasswordParams>,
    /// Milliseconds since the epoch; signed so that a negative value is refused as an expiry,
    /// not as malformed JSON.
    pub expires_at: i64,
    /// Required: a number of downloads, or `null` for no limit before the expiry. The outer
    /// `None` means the field was left out.
    #[serde(default, deserialize_with = "present")]
    pub max_downloads: Option<Option<i64>>,
    /// File `j` is `files[j]`.
    pub files: Vec<NewFile>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFile {
    /// The 56-byte header.
    pub header: String,
    /// The sealed metadata blob.
    pub metadata: String,
    pub payload_size: u64,
    /// `k`, at least the format's smallest.
    pub chunks_per_part: u64,
}

/// The answer to [`CreateShare`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreatedShare {
    pub id: String,
    /// Authorises uploads, completion and abort; the server keeps only its hash.
    pub owner_token: String,
    pub files: Vec<FileLayout>,
}

/// How one file's payload is cut into upload parts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FileLayout {
    pub j: u32,
    pub payload_size: u64,
    pub chunks_per_part: u64,
    pub part_size: u64,
    pub part_count: u64,
}

/// `POST /api/shares/{id}/files/{j}/complete`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteFile {
    pub content_id: String,
}

/// `POST /api/shares/{id}/complete`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteShare {
    /// The sealed manifest.
    pub manifest: String,
}

/// `GET /api/shares/{id}`: all that is served without a proof.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShareState {
    pub id: String,
    pub state: String,
    pub password: Option<PasswordParams>,
}

/// The answer to an accepted proof of key possession: the ticket, and the limits that only a
/// key holder may see.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Grant {
    pub ticket: String,
    pub ticket_ttl_seconds: u64,
    pub expires_at: u64,
    pub max_downloads: Option<u64>,
    /// Counting this one.
    pub downloads_used: u64,
}

/// `GET /api/shares/{id}/owner`: what the owner sees of a share.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OwnerView {
    pub id: String,
    pub state: String,
    pub created_at: u64,
    pub expires_at: u64,
    pub max_downloads: Option<u64>,
    pub downloads: u64,
    pub file_count: u64,
    pub locked: bool,
    /// Failed proofs since the last unlock, and from how many addresses (IPv6 by /64): the share
    /// locks only once both are high, so that its owner sees an attack before it does.
    pub failed_proofs: u64,
    pub failing_addresses: u64,
}

/// `GET /api/shares/{id}/contents`, with a ticket.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Contents {
    pub manifest: String,
    pub files: Vec<StoredFile>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredFile {
    pub j: u32,
    pub header: String,
    pub metadata: String,
    pub payload_size: u64,
    pub chunks_per_part: u64,
    pub part_size: u64,
    pub parts: Vec<StoredPart>,
}

/// One upload part and the BLAKE3 its uploader claimed for it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredPart {
    pub n: u64,
    pub size: u64,
    pub blake3: String,
}

/// Argon2id parameters of an account's password (the salt travels beside them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Argon2Settings {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

/// `GET /api/invites/self`: what a person needs to create the account an invite is for.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InviteView {
    /// `None` for the setup link, where the first admin types their email.
    pub email: Option<String>,
    pub role: String,
    pub setup: bool,
    pub account_id: String,
    pub salt: String,
    pub argon2: Argon2Settings,
    pub expires_at: u64,
}

/// `POST /api/accounts`, with an invite.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    /// 32 bytes; the server keeps only `mac(pepper, login key)`.
    pub login_key: String,
    /// X25519, 32 bytes.
    pub public_key: String,
    /// `nonce || AES-256-GCM(K, ..., sk)`: 12 + 32 + 16 bytes, under the new account's key K
    /// (unlock-factors.md).
    pub wrapped_sk: String,
    /// sk128 under K: 44 bytes.
    pub wrapped_sk128: String,
    /// K under the password factor, at generation 0.
    pub password_factor: NewFactor,
}

/// A factor's wrapped K as a client writes it (unlock-factors.md, Factors): the id the client
/// drew (16 bytes) and `wrapped K` (60 bytes) at the generation the call names.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFactor {
    pub id: String,
    pub label: String,
    pub wrapped_k: String,
}

/// One unlock factor of the signed-in account, with its wrapped K (which only opens with the
/// factor, in the client).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FactorView {
    pub id: String,
    /// password, kit or passkey.
    pub kind: String,
    pub label: String,
    pub wrapped_k: String,
    pub created_at: u64,
    pub last_used_at: Option<u64>,
}

/// The account key's objects on the server: its generation, sk128 under K, and each factor's
/// wrapped K at that generation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountKeyView {
    pub generation: u32,
    pub wrapped_sk128: String,
    pub factors: Vec<FactorView>,
}

/// `POST /api/account/key`: a v1 account adopts its vault key as K, at generation 0. The client
/// sends this only after that vault key opened the account's wrapped sk.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdoptAccountKey {
    pub wrapped_sk128: String,
    pub password_factor: NewFactor,
}

/// The signed-in person, as their own pages see them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub public_key: String,
    pub wrapped_sk: String,
    pub salt: String,
    pub argon2: Argon2Settings,
    /// None for a v1 account that has not adopted its vault key as K yet.
    pub account_key: Option<AccountKeyView>,
}

/// The answer that starts (or shows) a session; the session itself is an HttpOnly cookie.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionView {
    pub account: Me,
    /// Sent back as `Sealdrop-CSRF` on every state-changing request.
    pub csrf: String,
    /// Whether the organisation's policy lets this account share files and ask for files.
    pub may_share: bool,
    pub may_request: bool,
}

/// `POST /api/session/params`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInParamsQuery {
    pub email: String,
}

/// What a browser needs to stretch a password for sign-in.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignInParams {
    pub account_id: String,
    pub salt: String,
    pub argon2: Argon2Settings,
}

/// `POST /api/session`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub email: String,
    pub login_key: String,
}

/// `PUT /api/account/password`: the new login key and a new password factor; nothing else K
/// wraps changes, unless the change also rotates K (the first change of an adopted account must).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    /// The current login key.
    pub login_key: String,
    pub new_salt: String,
    pub new_login_key: String,
    /// The generation the client unlocked: the change happens only while it is current.
    pub generation: u32,
    /// The new password factor, wrapping K at `generation` (or K' at `generation + 1` with a
    /// rotation); it replaces the old one.
    pub password_factor: NewFactor,
    pub rotation: Option<Rotation>,
}

/// Everything K wraps, wrapped again under a new K' at `generation + 1` (unlock-factors.md,
/// Rotating K).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rotation {
    pub wrapped_sk: String,
    pub wrapped_sk128: String,
    /// Every request of the account, its secret under K'.
    pub requests: Vec<RewrappedRequest>,
    /// Every factor but the password one, its wrapped K' (none may be dropped here).
    pub factors: Vec<RewrappedFactor>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewrappedFactor {
    pub id: String,
    pub wrapped_k: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewrappedRequest {
    pub id: String,
    pub wrapped_rs: String,
}

/// An account as admins see it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountSummary {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub created_at: u64,
    pub disabled_at: Option<u64>,
}

/// `PATCH /api/accounts/{id}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountChange {
    pub role: Option<String>,
    pub disabled: Option<bool>,
}

/// `POST /api/invites`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    pub email: String,
    pub role: String,
    pub valid_hours: u64,
}

/// A pending invite; `token` only in the answer that created it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InviteSummary {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub email: Option<String>,
    pub role: String,
    pub created_at: u64,
    pub expires_at: u64,
}

/// A share in its owner's list (`GET /api/shares`) or an admin's (`GET /api/admin/shares`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShareSummary {
    #[serde(flatten)]
    pub share: OwnerView,
    pub payload_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_email: Option<String>,
}

/// `POST /api/requests`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    /// Drawn by the browser: the wrapped request secret binds it.
    pub id: String,
    pub label: String,
    pub message: String,
    pub expires_at: i64,
    pub max_files: u64,
    pub max_bytes: u64,
    pub public_key: String,
    /// `BLAKE3(upload token)`, 32 bytes.
    pub upload_token_hash: String,
    pub wrapped_rs: String,
}

/// A request as its staff member sees it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestSummary {
    pub id: String,
    pub label: String,
    pub message: String,
    pub public_key: String,
    pub wrapped_rs: String,
    pub created_at: u64,
    pub expires_at: u64,
    pub max_files: u64,
    pub max_bytes: u64,
    /// open, expired or full.
    pub state: String,
    /// Complete files received.
    pub files: u64,
    pub unread: u64,
    /// Plaintext bytes received.
    pub bytes: u64,
}

/// A received file in the inbox: everything needed to open it, nothing that opens it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InboxFile {
    pub id: String,
    pub header: String,
    pub metadata: String,
    pub stanza: String,
    pub plaintext_size: u64,
    pub payload_size: u64,
    pub chunks_per_part: u64,
    pub part_size: u64,
    pub part_count: u64,
    /// The partner's claim; the opener checks it.
    pub content_id: String,
    /// Each part's BLAKE3 (hex) as the partner claimed it, part 1 first.
    pub parts: Vec<String>,
    pub received_at: u64,
    pub read_at: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestDetail {
    pub request: RequestSummary,
    pub files: Vec<InboxFile>,
}

/// `GET /api/requests/{id}/intake`: what a partner holding the link sees.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Intake {
    pub id: String,
    pub from: IntakeFrom,
    pub message: String,
    pub expires_at: u64,
    pub max_files: u64,
    pub max_bytes: u64,
    pub files_left: u64,
    pub bytes_left: u64,
    pub state: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IntakeFrom {
    pub name: String,
    pub email: String,
}

/// `POST /api/requests/{id}/uploads`: one file, sealed to the request's staff key.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRequestFile {
    pub header: String,
    pub metadata: String,
    /// 80 bytes: `fs` sealed with HPKE to the staff key.
    pub stanza: String,
    pub payload_size: u64,
    pub chunks_per_part: u64,
}

/// The answer to [`NewRequestFile`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreatedRequestFile {
    pub id: String,
    pub payload_size: u64,
    pub chunks_per_part: u64,
    pub part_size: u64,
    pub part_count: u64,
}

/// `POST /api/account/api-keys`: a named key with its scopes (share, request, inbox) and its
/// lifetime in days.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_in_days: u64,
}

/// An API key as its owner and admins see it; `key` only in the answer that made it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApiKeySummary {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub name: String,
    pub scopes: Vec<String>,
    /// active, expired or revoked.
    pub state: String,
    pub created_at: u64,
    pub expires_at: u64,
    pub last_used_at: Option<u64>,
    pub revoked_at: Option<u64>,
    /// For admins: whose key it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_email: Option<String>,
}

/// `GET /api/account`: the caller's account, and the API key it called with, if it did.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountView {
    pub account: Me,
    pub api_key: Option<ApiKeySummary>,
}

/// Deserialises a field that must be present but may be `null`: `Some(None)` for `null`, and
/// (with `#[serde(default)]`) `None` when it is missing.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}
