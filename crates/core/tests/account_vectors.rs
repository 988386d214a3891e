//! tests/vectors/account-key-v1.json (unlock-factors.md, Vectors), reproduced natively.

use sealdrop_core::account::{
    passkey_prf_salt, unwrap_account_key, unwrap_sk128, AccountKey, FactorId, WrappingKey,
};
use sealdrop_core::encoding::Id;
use sealdrop_core::request::public_key;
use sealdrop_core::staff::{unwrap_private_key, vault_key};
use sealdrop_core::vectors::{generate_account_key, unhex, unhex_array, AccountKeyFile};
use sealdrop_core::{Error, Key32};

const VECTORS: &str = include_str!("../../../tests/vectors/account-key-v1.json");

fn vectors() -> AccountKeyFile {
    serde_json::from_str(VECTORS).expect("vector file parses")
}

fn key(hex: &str) -> Key32 {
    Key32::from_bytes(unhex_array(hex))
}

#[test]
fn the_generator_reproduces_the_frozen_file() {
    let regenerated = serde_json::to_string_pretty(&generate_account_key()).unwrap() + "\n";
    assert!(
        regenerated == VECTORS,
        "tests/vectors/account-key-v1.json differs from what the generator makes"
    );
}

#[test]
fn every_factor_opens_k_and_its_rotation() {
    let file = vectors();
    let kinds: Vec<&str> = file
        .accounts
        .iter()
        .flat_map(|a| a.factors.iter().map(|f| f.kind.as_str()))
        .collect();
    for kind in ["password", "kit", "passkey"] {
        assert!(kinds.contains(&kind), "a {kind} factor is covered");
    }
    for v in &file.accounts {
        let account_id = Id(unhex_array(&v.account_id));
        let a = key(&v.a);
        let sk128: [u8; 16] = unhex_array(&v.sk128);
        let k = key(&v.k);
        let k_rotated = key(&v.k_rotated);
        for f in &v.factors {
            let factor_id = FactorId(unhex_array(&f.factor_id));
            let w = match f.kind.as_str() {
                "password" => WrappingKey::password(&a, &sk128),
                "kit" => WrappingKey::kit(&sk128),
                "passkey" => {
                    let salt = f.prf_salt.as_deref().expect("a passkey has its salt");
                    assert_eq!(unhex(salt), passkey_prf_salt(&factor_id), "{}", v.name);
                    let prf = unhex_array(f.prf.as_deref().expect("a passkey has its prf"));
                    WrappingKey::passkey(&account_id, &factor_id, &prf)
                }
                other => panic!("unknown factor kind {other}"),
            };
            assert_eq!(
                hex::encode(w.as_key().as_bytes()),
                f.w,
                "{} {}",
                v.name,
                f.kind
            );
            let wrapped = unhex(&f.wrapped_k);
            let opened = unwrap_account_key(&w, &account_id, &factor_id, v.generation, &wrapped)
                .expect("wrapped K opens");
            assert_eq!(opened.as_key().as_bytes(), k.as_bytes());
            let rotated = unhex(&f.rotated_wrapped_k);
            let opened =
                unwrap_account_key(&w, &account_id, &factor_id, v.generation + 1, &rotated)
                    .expect("the rotated wrapped K opens at the next generation");
            assert_eq!(opened.as_key().as_bytes(), k_rotated.as_bytes());
            // A blob of one generation never opens as another's: a rollback is refused.
            assert_eq!(
                unwrap_account_key(&w, &account_id, &factor_id, v.generation, &rotated).err(),
                Some(Error::WrongFactor)
            );
        }
        let k = AccountKey(k);
        assert_eq!(
            *unwrap_sk128(&k, &account_id, &unhex(&v.wrapped_sk128)).unwrap(),
            sk128
        );
        let k_rotated = AccountKey(k_rotated);
        assert_eq!(
            *unwrap_sk128(&k_rotated, &account_id, &unhex(&v.rotated_wrapped_sk128)).unwrap(),
            sk128
        );
        let sk = key(&v.sk);
        let pk = public_key(&sk);
        let rewrapped = unwrap_private_key(
            k_rotated.as_key(),
            &account_id,
            &pk,
            &unhex(&v.rotated_wrapped_sk),
        )
        .expect("the rotation re-wrapped sk under K'");
        assert_eq!(rewrapped.as_bytes(), sk.as_bytes());
        if v.origin == "adopted" {
            assert_eq!(k.as_key().as_bytes(), vault_key(&a, &sk128).as_bytes());
            let v1 = unhex(
                v.wrapped_sk_v1
                    .as_deref()
                    .expect("an adopted account has its v1 blob"),
            );
            assert!(unwrap_private_key(k.as_key(), &account_id, &pk, &v1).is_ok());
        } else {
            assert_eq!(v.origin, "drawn");
            assert!(v.wrapped_sk_v1.is_none());
        }
    }
}
