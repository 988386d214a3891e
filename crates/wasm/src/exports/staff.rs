//! Staff keys: Argon2id of the password, the login and vault keys, the wrapped private key, the
//! emergency kit's code and the key fingerprint.

use sealdrop_core::share::{argon2id as core_argon2id, Argon2Params};
use sealdrop_core::staff;
use wasm_bindgen::prelude::*;

use super::{array, id, key, Result};

/// The key fingerprint people read out to each other ("ABCD EFGH IJKL MNOP").
#[wasm_bindgen]
pub fn fingerprint(public_key: &[u8]) -> Result<String> {
    Ok(staff::fingerprint(&array(public_key, "the public key")?))
}

/// Argon2id of a password with bounded parameters (64..512 MiB, 3..16 passes, 1..4 lanes).
#[wasm_bindgen]
pub fn argon2id(password: &str, salt: &[u8], m_kib: u32, t: u32, p: u32) -> Result<Vec<u8>> {
    let params = Argon2Params::new(m_kib, t, p)?;
    Ok(core_argon2id(password, &array(salt, "the salt")?, &params)?
        .as_bytes()
        .to_vec())
}

#[wasm_bindgen(js_name = loginKey)]
pub fn login_key(stretched: &[u8]) -> Result<Vec<u8>> {
    Ok(staff::login_key(&key(stretched, "the stretched password")?)
        .as_bytes()
        .to_vec())
}

#[wasm_bindgen(js_name = vaultKey)]
pub fn vault_key(stretched: &[u8], sk128: &[u8]) -> Result<Vec<u8>> {
    let a = key(stretched, "the stretched password")?;
    Ok(
        staff::vault_key(&a, &array(sk128, "the account secret key")?)
            .as_bytes()
            .to_vec(),
    )
}

#[wasm_bindgen(js_name = wrapPrivateKey)]
pub fn wrap_private_key(vault_key: &[u8], account_id: &[u8], secret_key: &[u8]) -> Result<Vec<u8>> {
    let vk = key(vault_key, "the vault key")?;
    let sk = key(secret_key, "the private key")?;
    Ok(staff::wrap_private_key(
        &vk,
        &id(account_id)?,
        &sk,
        &sealdrop_core::random(),
    ))
}

#[wasm_bindgen(js_name = unwrapPrivateKey)]
pub fn unwrap_private_key(
    vault_key: &[u8],
    account_id: &[u8],
    public_key: &[u8],
    wrapped: &[u8],
) -> Result<Vec<u8>> {
    let vk = key(vault_key, "the vault key")?;
    let sk = staff::unwrap_private_key(
        &vk,
        &id(account_id)?,
        &array(public_key, "the public key")?,
        wrapped,
    )?;
    Ok(sk.as_bytes().to_vec())
}

/// The emergency kit's code for an account secret key (`sk128`).
#[wasm_bindgen(js_name = kitEncode)]
pub fn kit_encode(sk128: &[u8]) -> Result<String> {
    Ok(staff::kit_code(&array(sk128, "the account secret key")?))
}

/// The account secret key of a kit code as a person typed it.
#[wasm_bindgen(js_name = kitDecode)]
pub fn kit_decode(code: &str) -> Result<Vec<u8>> {
    Ok(staff::parse_kit_code(code)?.to_vec())
}
