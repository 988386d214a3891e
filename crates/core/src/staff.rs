//! Staff keys: login key, vault key and the wrapped X25519 private key (format-v1.md, Staff
//! keys), and key fingerprints.

use crate::aead::{open_with_nonce, seal_with_nonce};
use crate::encoding::{base32_decode_array, base32_groups, Id};
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
    base32_groups(&d.as_bytes()[..10], ' ')
}

/// The emergency kit's code for the 128-bit account secret key: base32 in dashed groups of four
/// ("ABCD-EFGH-..."), what a person keeps on paper or in a password manager. The format fixes the
/// key, not its spelling; this one survives retyping.
pub fn kit_code(sk128: &[u8; 16]) -> String {
    base32_groups(sk128, '-')
}

/// Reads a kit code back, forgiving case, spaces and dashes.
pub fn parse_kit_code(text: &str) -> Result<[u8; 16], Error> {
    base32_decode_array(text.trim(), "an emergency kit code")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kit_codes_round_trip_and_refuse_typos() {
        let sk128: [u8; 16] = core::array::from_fn(|i| (i * 37 + 5) as u8);
        let code = kit_code(&sk128);
        assert_eq!(code.len(), 26 + 6);
        assert_eq!(parse_kit_code(&code).unwrap(), sk128);
        let sloppy = code.to_lowercase().replace('-', " ");
        assert_eq!(parse_kit_code(&sloppy).unwrap(), sk128);
        assert!(parse_kit_code(&code[..code.len() - 1]).is_err());
        assert!(parse_kit_code(&code.replace('A', "1")).is_err() || !code.contains('A'));
        assert!(parse_kit_code(&format!("{code}A")).is_err());
        assert_eq!(kit_code(&[0; 16]), "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AA");
    }
}
