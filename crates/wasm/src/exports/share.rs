//! Shares: the share secret (from the link, or with a password), the file secrets, the auth key
//! and the manifest.

use sealdrop_core::share::{
    open_manifest, seal_manifest, Argon2Params, LinkSecret, Manifest, PasswordSalt, ShareSecret,
};
use wasm_bindgen::prelude::*;

use super::{array, from_js, id, key, to_js, Result};

/// The Argon2id parameters new password shares and accounts use, `{ m_kib, t, p }`: defined once,
/// in `sealdrop-core`, for every page and worker.
#[wasm_bindgen(
    js_name = argon2Defaults,
    unchecked_return_type = "{ m_kib: number, t: number, p: number }"
)]
pub fn argon2_defaults() -> Result<JsValue> {
    to_js(&Argon2Params::DEFAULT)
}

/// The share secret of a share without a password (`ss = ls`).
#[wasm_bindgen(js_name = shareSecretFromLink)]
pub fn share_secret_from_link(link_secret: &[u8]) -> Result<Vec<u8>> {
    let ss = ShareSecret::from_link(&LinkSecret(key(link_secret, "the link secret")?));
    Ok(ss.0.as_bytes().to_vec())
}

/// The share secret of a password share: Argon2id (bounded parameters), then BLAKE3. Slow by
/// design: call it in a Web Worker.
#[wasm_bindgen(js_name = shareSecretWithPassword)]
pub fn share_secret_with_password(
    link_secret: &[u8],
    password: &str,
    pw_salt: &[u8],
    m_kib: u32,
    t: u32,
    p: u32,
) -> Result<Vec<u8>> {
    let ls = LinkSecret(key(link_secret, "the link secret")?);
    let salt = PasswordSalt {
        pw_salt: array(pw_salt, "the password salt")?,
        params: Argon2Params::new(m_kib, t, p)?,
    };
    Ok(ShareSecret::with_password(&ls, password, &salt)?
        .0
        .as_bytes()
        .to_vec())
}

#[wasm_bindgen(js_name = shareFileSecret)]
pub fn share_file_secret(share_secret: &[u8], j: u32) -> Result<Vec<u8>> {
    let ss = ShareSecret(key(share_secret, "the share secret")?);
    Ok(ss.file_secret(j).0.as_bytes().to_vec())
}

/// The proof of key possession a downloader sends.
#[wasm_bindgen(js_name = shareAuthKey)]
pub fn share_auth_key(share_secret: &[u8]) -> Result<Vec<u8>> {
    let ss = ShareSecret(key(share_secret, "the share secret")?);
    Ok(ss.auth_key().0.as_bytes().to_vec())
}

#[wasm_bindgen(js_name = sealManifest)]
pub fn seal_manifest_js(
    share_secret: &[u8],
    share_id: &[u8],
    manifest: JsValue,
) -> Result<Vec<u8>> {
    let ss = ShareSecret(key(share_secret, "the share secret")?);
    let manifest: Manifest = from_js(manifest, "the manifest")?;
    Ok(seal_manifest(
        &ss.manifest_key(),
        &id(share_id)?,
        &manifest,
    )?)
}

#[wasm_bindgen(js_name = openManifest)]
pub fn open_manifest_js(share_secret: &[u8], share_id: &[u8], sealed: &[u8]) -> Result<JsValue> {
    let ss = ShareSecret(key(share_secret, "the share secret")?);
    to_js(&open_manifest(&ss.manifest_key(), &id(share_id)?, sealed)?)
}

/// Refuses a file the opened manifest does not vouch for: slot `j` must be listed with this
/// content id (hex, as a session's `finish` gives it) and the BLAKE3 of this sealed metadata.
/// A reader checks the header's content id before it closes a file's output normally.
#[wasm_bindgen(js_name = checkManifestEntry)]
pub fn check_manifest_entry(
    manifest: JsValue,
    j: u32,
    content_id: &str,
    sealed_metadata: &[u8],
) -> Result<()> {
    let manifest: Manifest = from_js(manifest, "the manifest")?;
    let content_id = sealdrop_core::encoding::hex_array::<32>(content_id, "a content id")?;
    manifest.vouch(j, &content_id, sealed_metadata)?;
    Ok(())
}
