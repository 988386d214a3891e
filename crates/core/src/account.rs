//! The account key `K` and what is wrapped under it (unlock-factors.md): each unlock factor's
//! wrapping key `W`, the wrapped K a factor keeps, and the wrapped sk128 that lets a device
//! unlocked without the kit still show it. No I/O: the server stores the blobs, the client makes
//! and opens them.

use crate::aead::{open_with_nonce, seal_with_nonce};
use crate::encoding::Id;
use crate::error::Error;
use crate::keys::{derive, derive_concat, Key32};

/// `nonce (12) || ciphertext (32) || tag (16)`.
pub const WRAPPED_K_LEN: usize = 60;
/// `nonce (12) || ciphertext (16) || tag (16)`.
pub const WRAPPED_SK128_LEN: usize = 44;

/// The account key: wraps the staff private key and every request secret, in the role of
/// format-v1.md's vault key. It lives in memory only while the account is unlocked, and the
/// server **never** has it.
pub struct AccountKey(pub Key32);

impl AccountKey {
    /// A new account's key, from the CSPRNG.
    pub fn random() -> Self {
        AccountKey(Key32::random())
    }

    /// A v1 account's key at its first unlock after the change: its vault key, only once that
    /// vault key opened the account's `wrapped sk` (the caller's check). The first password change
    /// of an adopted account **must** rotate it, so that K stops being a function of the first
    /// password.
    pub fn adopt(vault_key: Key32) -> Self {
        AccountKey(vault_key)
    }

    pub fn as_key(&self) -> &Key32 {
        &self.0
    }
}

/// A factor's id: 16 bytes the client draws, bound into its wrapped K.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FactorId(pub [u8; 16]);

/// A factor's 32-byte wrapping key. Like K, it never leaves the client.
pub struct WrappingKey(Key32);

impl WrappingKey {
    /// The password factor: `derive("sealdrop v1 password unlock", A || sk128)`.
    pub fn password(a: &Key32, sk128: &[u8; 16]) -> Self {
        WrappingKey(derive_concat(
            "sealdrop v1 password unlock",
            &[a.as_bytes(), sk128],
        ))
    }

    /// The kit factor, for an account with no password factor (SSO): `derive("sealdrop v1 kit
    /// unlock", sk128)`.
    pub fn kit(sk128: &[u8; 16]) -> Self {
        WrappingKey(derive("sealdrop v1 kit unlock", sk128))
    }

    /// The passkey factor: `derive("sealdrop v1 passkey unlock", account id || factor id || prf)`,
    /// where `prf` is exactly the 32 bytes of the PRF extension's `results.first` (anything else is
    /// refused by the caller before it gets here).
    pub fn passkey(account_id: &Id, factor_id: &FactorId, prf: &[u8; 32]) -> Self {
        WrappingKey(derive_concat(
            "sealdrop v1 passkey unlock",
            &[account_id.as_bytes(), &factor_id.0, prf],
        ))
    }

    pub fn as_key(&self) -> &Key32 {
        &self.0
    }
}

/// The salt a passkey factor's PRF is evaluated at: `BLAKE3("sealdrop v1 passkey prf salt" ||
/// factor id)`.
pub fn passkey_prf_salt(factor_id: &FactorId) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"sealdrop v1 passkey prf salt");
    hasher.update(&factor_id.0);
    *hasher.finalize().as_bytes()
}

fn wrapped_k_aad(account_id: &Id, factor_id: &FactorId, generation: u32) -> Vec<u8> {
    [
        b"sealdrop v1 account key".as_slice(),
        account_id.as_bytes(),
        &factor_id.0,
        &generation.to_be_bytes(),
    ]
    .concat()
}

/// `wrapped K = nonce || AES-256-GCM(W, nonce, "sealdrop v1 account key" || account id ||
/// factor id || u32be(generation), K)`. `nonce` must **never** repeat under one W: draw it fresh.
pub fn wrap_account_key(
    w: &WrappingKey,
    account_id: &Id,
    factor_id: &FactorId,
    generation: u32,
    k: &AccountKey,
    nonce: &[u8; 12],
) -> Vec<u8> {
    seal_with_nonce(
        w.as_key(),
        nonce,
        &wrapped_k_aad(account_id, factor_id, generation),
        k.0.as_bytes(),
    )
}

/// Opens a factor's wrapped K. Fails with [`Error::WrongFactor`] for a wrong factor, another
/// account's or factor's blob, another generation, or damage.
pub fn unwrap_account_key(
    w: &WrappingKey,
    account_id: &Id,
    factor_id: &FactorId,
    generation: u32,
    wrapped: &[u8],
) -> Result<AccountKey, Error> {
    if wrapped.len() != WRAPPED_K_LEN {
        return Err(Error::WrongFactor);
    }
    let k = zeroize::Zeroizing::new(
        open_with_nonce(
            w.as_key(),
            &wrapped_k_aad(account_id, factor_id, generation),
            wrapped,
        )
        .map_err(|_| Error::WrongFactor)?,
    );
    Ok(AccountKey(
        Key32::from_slice(&k).map_err(|_| Error::WrongFactor)?,
    ))
}

fn sk128_aad(account_id: &Id) -> Vec<u8> {
    [
        b"sealdrop v1 account secret".as_slice(),
        account_id.as_bytes(),
    ]
    .concat()
}

/// `wrapped sk128 = nonce || AES-256-GCM(K, nonce, "sealdrop v1 account secret" || account id,
/// sk128)`. `nonce` must **never** repeat under one K.
pub fn wrap_sk128(k: &AccountKey, account_id: &Id, sk128: &[u8; 16], nonce: &[u8; 12]) -> Vec<u8> {
    seal_with_nonce(k.as_key(), nonce, &sk128_aad(account_id), sk128)
}

/// Opens the wrapped sk128 under K.
pub fn unwrap_sk128(
    k: &AccountKey,
    account_id: &Id,
    wrapped: &[u8],
) -> Result<zeroize::Zeroizing<[u8; 16]>, Error> {
    if wrapped.len() != WRAPPED_SK128_LEN {
        return Err(Error::WrongFactor);
    }
    let opened = zeroize::Zeroizing::new(
        open_with_nonce(k.as_key(), &sk128_aad(account_id), wrapped)
            .map_err(|_| Error::WrongFactor)?,
    );
    let mut out = zeroize::Zeroizing::new([0u8; 16]);
    out.copy_from_slice(&opened);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(b: u8) -> Id {
        Id([b; 16])
    }

    #[test]
    fn a_wrapped_k_opens_only_with_its_factor_account_and_generation() {
        let k = AccountKey::random();
        let w = WrappingKey::kit(&[7; 16]);
        let f = FactorId([1; 16]);
        let wrapped = wrap_account_key(&w, &id(2), &f, 3, &k, &[9; 12]);
        assert_eq!(wrapped.len(), WRAPPED_K_LEN);
        let back = unwrap_account_key(&w, &id(2), &f, 3, &wrapped).unwrap();
        assert_eq!(back.0.as_bytes(), k.0.as_bytes());
        let other = WrappingKey::kit(&[8; 16]);
        assert_eq!(
            unwrap_account_key(&other, &id(2), &f, 3, &wrapped).err(),
            Some(Error::WrongFactor)
        );
        assert!(unwrap_account_key(&w, &id(4), &f, 3, &wrapped).is_err());
        assert!(unwrap_account_key(&w, &id(2), &FactorId([5; 16]), 3, &wrapped).is_err());
        assert!(unwrap_account_key(&w, &id(2), &f, 4, &wrapped).is_err());
        assert!(unwrap_account_key(&w, &id(2), &f, 3, &wrapped[..59]).is_err());
    }

    #[test]
    fn the_wrapped_sk128_opens_only_under_its_k_and_account() {
        let k = AccountKey::random();
        let wrapped = wrap_sk128(&k, &id(1), &[3; 16], &[4; 12]);
        assert_eq!(wrapped.len(), WRAPPED_SK128_LEN);
        assert_eq!(*unwrap_sk128(&k, &id(1), &wrapped).unwrap(), [3; 16]);
        assert!(unwrap_sk128(&k, &id(2), &wrapped).is_err());
        assert!(unwrap_sk128(&AccountKey::random(), &id(1), &wrapped).is_err());
    }

    #[test]
    fn the_factors_wrapping_keys_differ() {
        let a = Key32::from_bytes([1; 32]);
        let sk128 = [2; 16];
        let password = WrappingKey::password(&a, &sk128);
        let kit = WrappingKey::kit(&sk128);
        let passkey = WrappingKey::passkey(&id(3), &FactorId([4; 16]), &[5; 32]);
        assert_ne!(password.as_key().as_bytes(), kit.as_key().as_bytes());
        assert_ne!(kit.as_key().as_bytes(), passkey.as_key().as_bytes());
        assert_ne!(
            crate::staff::vault_key(&a, &sk128).as_bytes(),
            password.as_key().as_bytes()
        );
    }
}
