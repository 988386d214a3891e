//! File requests: the request key pair, the upload token, the stanza that carries a file secret to
//! the staff key, and the request secret wrapped under the vault key.

use js_sys::{Object, Reflect};
use sealdrop_core::header::Header;
use sealdrop_core::request::{
    generate_keypair, open_stanza, public_key, seal_stanza, RequestSecret, SystemRng,
};
use sealdrop_core::FileSecret;
use wasm_bindgen::prelude::*;

use super::{array, id, key, Result};
use crate::error::SealdropError;

/// A new X25519 key pair: `{ secretKey, publicKey }`.
#[wasm_bindgen(js_name = generateKeyPair)]
pub fn generate_key_pair() -> Result<JsValue> {
    let (sk, pk) = generate_keypair();
    let out = Object::new();
    Reflect::set(
        &out,
        &"secretKey".into(),
        &js_sys::Uint8Array::from(sk.as_bytes().as_slice()),
    )
    .and_then(|_| {
        Reflect::set(
            &out,
            &"publicKey".into(),
            &js_sys::Uint8Array::from(pk.as_slice()),
        )
    })
    .map_err(|e| SealdropError::webcrypto(&e))?;
    Ok(out.into())
}

#[wasm_bindgen(js_name = publicKey)]
pub fn public_key_js(secret_key: &[u8]) -> Result<Vec<u8>> {
    Ok(public_key(&key(secret_key, "the private key")?).to_vec())
}

#[wasm_bindgen(js_name = requestUploadToken)]
pub fn request_upload_token(request_secret: &[u8]) -> Result<Vec<u8>> {
    let rs = RequestSecret(key(request_secret, "the request secret")?);
    Ok(rs.upload_token().as_bytes().to_vec())
}

/// Seals a file secret to a request's public key: the 80-byte stanza.
#[wasm_bindgen(js_name = sealStanza)]
pub fn seal_stanza_js(
    public_key: &[u8],
    request_id: &[u8],
    request_secret: &[u8],
    header: &[u8],
    file_secret: &[u8],
) -> Result<Vec<u8>> {
    let rs = RequestSecret(key(request_secret, "the request secret")?);
    let fs = FileSecret(key(file_secret, "the file secret")?);
    let header: [u8; 56] = Header::parse(header)?.to_bytes();
    let pk = array(public_key, "the public key")?;
    Ok(seal_stanza(&pk, &id(request_id)?, &rs, &header, &fs, &mut SystemRng)?.to_vec())
}

/// Opens a stanza into the file secret, and checks it against the header's commitment.
#[wasm_bindgen(js_name = openStanza)]
pub fn open_stanza_js(
    secret_key: &[u8],
    request_id: &[u8],
    request_secret: &[u8],
    header: &[u8],
    stanza: &[u8],
) -> Result<Vec<u8>> {
    let rs = RequestSecret(key(request_secret, "the request secret")?);
    let sk = key(secret_key, "the private key")?;
    let parsed = Header::parse(header)?;
    let fs = open_stanza(&sk, &id(request_id)?, &rs, &parsed.to_bytes(), stanza)?;
    parsed.verify(&fs)?;
    Ok(fs.0.as_bytes().to_vec())
}

#[wasm_bindgen(js_name = wrapRequestSecret)]
pub fn wrap_request_secret(
    vault_key: &[u8],
    request_id: &[u8],
    request_secret: &[u8],
) -> Result<Vec<u8>> {
    let rs = RequestSecret(key(request_secret, "the request secret")?);
    Ok(rs.wrap(
        &key(vault_key, "the vault key")?,
        &id(request_id)?,
        &sealdrop_core::random(),
    ))
}

#[wasm_bindgen(js_name = unwrapRequestSecret)]
pub fn unwrap_request_secret(
    vault_key: &[u8],
    request_id: &[u8],
    wrapped: &[u8],
) -> Result<Vec<u8>> {
    let rs = RequestSecret::unwrap(&key(vault_key, "the vault key")?, &id(request_id)?, wrapped)?;
    Ok(rs.0.as_bytes().to_vec())
}
