//! The schema and generator of `tests/vectors/account-key-v1.json` (unlock-factors.md, Vectors):
//! the factors' W and wrapped K, a rotation, wrapped sk128 and a v1 account's adoption. Made like
//! format-v1.json: every "random" input is BLAKE3 of a label.

use serde::{Deserialize, Serialize};

use crate::account::{
    passkey_prf_salt, wrap_account_key, wrap_sk128, AccountKey, FactorId, WrappingKey,
};
use crate::encoding::Id;
use crate::keys::Key32;
use crate::staff::{vault_key, wrap_private_key};

use super::generate::det;

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct AccountKeyFile {
    pub format: String,
    pub accounts: Vec<AccountVector>,
}

/// One account: its secrets, each factor's W and wrapped K at `generation`, its wrapped sk128,
/// and the same after one rotation to `k_rotated` at `generation + 1`.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct AccountVector {
    pub name: String,
    pub account_id: String,
    #[serde(rename = "A")]
    pub a: String,
    pub sk128: String,
    pub sk: String,
    /// How K came to be: "drawn" (a new account) or "adopted" (K = the v1 vault key).
    pub origin: String,
    #[serde(rename = "K")]
    pub k: String,
    pub generation: u32,
    /// For an adopted account, the v1 `wrapped sk` under the vault key that K adopted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapped_sk_v1: Option<String>,
    pub sk128_nonce: String,
    pub wrapped_sk128: String,
    pub factors: Vec<FactorVector>,
    #[serde(rename = "K_rotated")]
    pub k_rotated: String,
    pub rotated_sk_nonce: String,
    pub rotated_wrapped_sk: String,
    pub rotated_sk128_nonce: String,
    pub rotated_wrapped_sk128: String,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct FactorVector {
    pub kind: String,
    pub factor_id: String,
    /// The passkey's PRF salt and output (`results.first`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prf_salt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prf: Option<String>,
    #[serde(rename = "W")]
    pub w: String,
    pub nonce: String,
    pub wrapped_k: String,
    pub rotated_nonce: String,
    pub rotated_wrapped_k: String,
}

fn factor(
    name: &str,
    kind: &str,
    account_id: &Id,
    generation: u32,
    k: &AccountKey,
    k_rotated: &AccountKey,
    secrets: (&Key32, &[u8; 16]),
) -> FactorVector {
    let label = format!("{name} {kind}");
    let factor_id = FactorId(det(&format!("{label} factor id")));
    let prf: [u8; 32] = det(&format!("{label} prf"));
    let (a, sk128) = secrets;
    let w = match kind {
        "password" => WrappingKey::password(a, sk128),
        "kit" => WrappingKey::kit(sk128),
        _ => WrappingKey::passkey(account_id, &factor_id, &prf),
    };
    let nonce: [u8; 12] = det(&format!("{label} nonce"));
    let rotated_nonce: [u8; 12] = det(&format!("{label} rotated nonce"));
    let passkey = kind == "passkey";
    FactorVector {
        kind: kind.into(),
        factor_id: hex::encode(factor_id.0),
        prf_salt: passkey.then(|| hex::encode(passkey_prf_salt(&factor_id))),
        prf: passkey.then(|| hex::encode(prf)),
        w: hex::encode(w.as_key().as_bytes()),
        nonce: hex::encode(nonce),
        wrapped_k: hex::encode(wrap_account_key(
            &w, account_id, &factor_id, generation, k, &nonce,
        )),
        rotated_nonce: hex::encode(rotated_nonce),
        rotated_wrapped_k: hex::encode(wrap_account_key(
            &w,
            account_id,
            &factor_id,
            generation + 1,
            k_rotated,
            &rotated_nonce,
        )),
    }
}

fn account_vector(name: &str, adopted: bool, kinds: &[&str]) -> AccountVector {
    let account_id = Id(det(&format!("{name} account id")));
    let a = Key32::from_bytes(det(&format!("{name} A")));
    let sk128: [u8; 16] = det(&format!("{name} sk128"));
    let sk = Key32::from_bytes(det(&format!("{name} sk")));
    let vk = vault_key(&a, &sk128);
    let v1_nonce: [u8; 12] = det(&format!("{name} v1 nonce"));
    let wrapped_sk_v1 =
        adopted.then(|| hex::encode(wrap_private_key(&vk, &account_id, &sk, &v1_nonce)));
    let k = if adopted {
        AccountKey::adopt(vk)
    } else {
        AccountKey(Key32::from_bytes(det(&format!("{name} K"))))
    };
    let k_rotated = AccountKey(Key32::from_bytes(det(&format!("{name} K rotated"))));
    let generation = 1;
    let sk128_nonce: [u8; 12] = det(&format!("{name} sk128 nonce"));
    let rotated_sk_nonce: [u8; 12] = det(&format!("{name} rotated sk nonce"));
    let rotated_sk128_nonce: [u8; 12] = det(&format!("{name} rotated sk128 nonce"));
    AccountVector {
        name: name.into(),
        account_id: hex::encode(account_id.as_bytes()),
        a: hex::encode(a.as_bytes()),
        sk128: hex::encode(sk128),
        sk: hex::encode(sk.as_bytes()),
        origin: if adopted { "adopted" } else { "drawn" }.into(),
        k: hex::encode(k.as_key().as_bytes()),
        generation,
        wrapped_sk_v1,
        sk128_nonce: hex::encode(sk128_nonce),
        wrapped_sk128: hex::encode(wrap_sk128(&k, &account_id, &sk128, &sk128_nonce)),
        factors: kinds
            .iter()
            .map(|kind| {
                factor(
                    name,
                    kind,
                    &account_id,
                    generation,
                    &k,
                    &k_rotated,
                    (&a, &sk128),
                )
            })
            .collect(),
        k_rotated: hex::encode(k_rotated.as_key().as_bytes()),
        rotated_sk_nonce: hex::encode(rotated_sk_nonce),
        rotated_wrapped_sk: hex::encode(wrap_private_key(
            k_rotated.as_key(),
            &account_id,
            &sk,
            &rotated_sk_nonce,
        )),
        rotated_sk128_nonce: hex::encode(rotated_sk128_nonce),
        rotated_wrapped_sk128: hex::encode(wrap_sk128(
            &k_rotated,
            &account_id,
            &sk128,
            &rotated_sk128_nonce,
        )),
    }
}

/// Builds the whole account-key vector file. Deterministic: the same code gives the same bytes.
pub fn generate_account_key() -> AccountKeyFile {
    AccountKeyFile {
        format: "sealdrop-v1 account key".into(),
        accounts: vec![
            account_vector("new account", false, &["password", "passkey"]),
            account_vector("adopted v1 account", true, &["password"]),
            account_vector("sso account", false, &["kit", "passkey"]),
        ],
    }
}
