//! The account key K (unlock-factors.md): the password factor's wrapped K, made and opened;
//! sk128 under K; and the check that tells an adopted K (a v1 vault key) from a drawn one.

use sealdrop_core::account::{
    unwrap_account_key, unwrap_sk128, wrap_account_key, wrap_sk128, AccountKey, FactorId,
    WrappingKey,
};
use sealdrop_core::keys::ct_eq;
use sealdrop_core::staff;
use wasm_bindgen::prelude::*;

use super::{array, id, key, Result};

fn password_w(stretched: &[u8], sk128: &[u8]) -> Result<WrappingKey> {
    Ok(WrappingKey::password(
        &key(stretched, "the stretched password")?,
        &array(sk128, "the account secret key")?,
    ))
}

fn account_key(k: &[u8]) -> Result<AccountKey> {
    Ok(AccountKey(key(k, "the account key")?))
}

/// K wrapped under the password factor (`A`, sk128) at `generation`, with a fresh nonce; checked
/// to open again before it is returned, so that a page never sends a factor that does not.
#[wasm_bindgen(js_name = wrapPasswordFactor)]
pub fn wrap_password_factor(
    stretched: &[u8],
    sk128: &[u8],
    account_id: &[u8],
    factor_id: &[u8],
    generation: u32,
    k: &[u8],
) -> Result<Vec<u8>> {
    let w = password_w(stretched, sk128)?;
    let (account, factor) = (
        id(account_id)?,
        FactorId(array(factor_id, "the factor id")?),
    );
    let k = account_key(k)?;
    let wrapped = wrap_account_key(
        &w,
        &account,
        &factor,
        generation,
        &k,
        &sealdrop_core::random(),
    );
    let back = unwrap_account_key(&w, &account, &factor, generation, &wrapped)?;
    if !ct_eq(back.as_key().as_bytes(), k.as_key().as_bytes()) {
        return Err(sealdrop_core::Error::WrongFactor.into());
    }
    Ok(wrapped)
}

/// K, opened from the password factor's wrapped K; fails with kind "wrong factor".
#[wasm_bindgen(js_name = openPasswordFactor)]
pub fn open_password_factor(
    stretched: &[u8],
    sk128: &[u8],
    account_id: &[u8],
    factor_id: &[u8],
    generation: u32,
    wrapped: &[u8],
) -> Result<Vec<u8>> {
    let k = unwrap_account_key(
        &password_w(stretched, sk128)?,
        &id(account_id)?,
        &FactorId(array(factor_id, "the factor id")?),
        generation,
        wrapped,
    )?;
    Ok(k.as_key().as_bytes().to_vec())
}

#[wasm_bindgen(js_name = wrapSk128)]
pub fn wrap_sk128_js(k: &[u8], account_id: &[u8], sk128: &[u8]) -> Result<Vec<u8>> {
    Ok(wrap_sk128(
        &account_key(k)?,
        &id(account_id)?,
        &array(sk128, "the account secret key")?,
        &sealdrop_core::random(),
    ))
}

#[wasm_bindgen(js_name = unwrapSk128)]
pub fn unwrap_sk128_js(k: &[u8], account_id: &[u8], wrapped: &[u8]) -> Result<Vec<u8>> {
    Ok(unwrap_sk128(&account_key(k)?, &id(account_id)?, wrapped)?.to_vec())
}

/// Whether K is still the adopted v1 vault key of (`A`, sk128): then the next password change
/// **must** rotate K, or K would stay a function of the first password.
#[wasm_bindgen(js_name = isAdoptedKey)]
pub fn is_adopted_key(k: &[u8], stretched: &[u8], sk128: &[u8]) -> Result<bool> {
    let vault = staff::vault_key(
        &key(stretched, "the stretched password")?,
        &array(sk128, "the account secret key")?,
    );
    Ok(ct_eq(vault.as_bytes(), account_key(k)?.as_key().as_bytes()))
}
