//! Staff keys: login key, vault key and the wrapped X25519 private key (format-v1.md, Staff
//! keys), and key fingerprints.

use crate::aead::{open_with_nonce, seal_with_nonce};
use crate::encoding::{base32_groups, Id};
use crate::error::Error;
use crate::keys::{ct_eq, derive, derive_concat, Key32};
use crate::request::public_key;
use crate::share::{argon2id, Argon2Params};

/// `A = Argon2id(password, account salt)`, computed in the browser.
pub fn stretch_password(
    password: &str,
    account_salt: &[u8; 16],
    params: &Argon2Params,
) -> Result<Key32, Error> {
    argon2id(password, account_salt, params)
}

/// Sent at sign-in; the server stores only `mac(pepper, login key)`.
pub fn login_key(a: &Key32) -> Key32 {
    derive("sealdrop v1 login key", a.as_bytes())
}

/// Never sent: opens the wrapped private key and request secrets.
pub fn vault_key(a: &Key32, sk128: &[u8; 16]) -> Key32 {
    derive_concat("sealdrop v1 vault key", &[a.as_bytes(), sk128])
}

fn wrap_aad(account_id: &Id, pk: &[u8; 32]) -> Vec<u8> {
    [
        b"sealdrop v1 staff key".as_slice(),
        account_id.as_bytes(),
        pk,
    ]
    .concat()
}

/// `nonce || AES-256-GCM(vault key, nonce, "sealdrop v1 staff key" || account id || pk, sk)`.
pub fn wrap_private_key(
    vault_key: &Key32,
    account_id: &Id,
    sk: &Key32,
    nonce: &[u8; 12],
) -> Vec<u8> {
    let pk = public_key(sk);
    seal_with_nonce(vault_key, nonce, &wrap_aad(account_id, &pk), sk.as_bytes())
}

/// Opens a wrapped private key and checks that it belongs to `pk`. Request links are built from
/// the public key computed here, never from one the server supplies.
pub fn unwrap_private_key(
    vault_key: &Key32,
    account_id: &Id,
    pk: &[u8; 32],
    wrapped: &[u8],
) -> Result<Key32, Error> {
    let sk = zeroize::Zeroizing::new(
        open_with_nonce(vault_key, &wrap_aad(account_id, pk), wrapped)
            .map_err(|_| Error::WrongVaultKey)?,
    );
    let sk = Key32::from_slice(&sk).map_err(|_| Error::WrongVaultKey)?;
    if !ct_eq(&public_key(&sk), pk) {
        return Err(Error::WrongVaultKey);
    }
    Ok(sk)
}

/// The first 10 bytes of `derive("sealdrop v1 key fingerprint", pk)` in base32, in groups of
/// four: what a partner and a staff member read out to each other.
pub fn fingerprint(pk: &[u8; 32]) -> String {
    let d = derive("sealdrop v1 key fingerprint", pk);
    base32_groups(d.as_bytes()[..10].try_into().expect("10 bytes"))
}
