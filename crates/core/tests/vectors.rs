//! Every section of tests/vectors/format-v1.json, reproduced natively.

use sealdrop_core::aead::SoftAead;
use sealdrop_core::encoding::Id;
use sealdrop_core::header::Header;
use sealdrop_core::layout::PayloadLayout;
use sealdrop_core::metadata::{open_metadata, seal_metadata_json};
use sealdrop_core::request::{open_stanza, public_key, RequestSecret};
use sealdrop_core::share::{
    open_manifest, seal_manifest_json, Argon2Params, LinkSecret, PasswordSalt, ShareSecret,
};
use sealdrop_core::staff::{
    fingerprint, login_key, unwrap_private_key, vault_key, wrap_private_key,
};
use sealdrop_core::stream::{open_chunk, Opener, Sealer};
use sealdrop_core::vectors::{generate, unhex, unhex_array, VectorFile};
use sealdrop_core::{Error, FileKeys, FileSecret, Key32};

const VECTORS: &str = include_str!("../../../tests/vectors/format-v1.json");

fn vectors() -> VectorFile {
    serde_json::from_str(VECTORS).expect("vector file parses")
}

fn fs(hex: &str) -> FileSecret {
    FileSecret(Key32::from_bytes(unhex_array(hex)))
}

fn key(hex: &str) -> Key32 {
    Key32::from_bytes(unhex_array(hex))
}

/// Opens a whole payload, pushing it in pieces of `step` bytes.
fn open_all(
    fs: &FileSecret,
    header: &[u8],
    payload: &[u8],
    step: usize,
) -> Result<(Vec<u8>, [u8; 32]), Error> {
    let mut opener = Opener::new(fs, header)?;
    let mut out = Vec::new();
    for piece in payload.chunks(step.max(1)) {
        opener.push(piece, &mut out)?;
    }
    let id = opener.finish(&mut out)?;
    Ok((out, id.0))
}

#[test]
fn the_generator_reproduces_the_frozen_file() {
    let regenerated = serde_json::to_string_pretty(&generate()).unwrap() + "\n";
    assert!(
        regenerated == VECTORS,
        "tests/vectors/format-v1.json differs from what the generator makes"
    );
}

#[test]
fn coverage_is_what_the_spec_asks() {
    let v = vectors();
    assert_eq!(v.format, "sealdrop-v1");
    let lens: Vec<usize> = v.vectors.iter().map(|x| x.plaintext.len() / 2).collect();
    for want in [0, 1, 1 << 16, (1 << 16) + 1] {
        assert!(lens.contains(&want), "no vector of {want} bytes");
    }
    assert!(v
        .vectors
        .iter()
        .any(|x| x.log2_chunk == 16 && x.plaintext.len() / 2 > 2 << 16));
    assert!(v.vectors.iter().any(|x| x.metadata.is_some()));
    for kind in [
        "bad magic",
        "bad version",
        "bad chunk size",
        "bad flags",
        "wrong key",
        "tampered chunk",
        "truncated",
        "trailing data",
        "empty last chunk",
    ] {
        assert!(
            v.invalid.iter().any(|x| x.error == kind),
            "no invalid vector for {kind}"
        );
    }
    assert!(v
        .shares
        .iter()
        .any(|s| s.password.is_none() && s.files.len() >= 2));
    assert!(v
        .shares
        .iter()
        .any(|s| s.password.is_some() && s.files.len() >= 2));
    assert_eq!(v.requests.len(), 2);
    assert_eq!(v.staff_keys.len(), 1);
}

#[test]
fn valid_vectors_seal_and_open() {
    for v in vectors().vectors {
        let fs = fs(&v.fs);
        let salt: [u8; 16] = unhex_array(&v.salt);
        let plaintext = unhex(&v.plaintext);
        let keys = FileKeys::derive(&fs, &salt);
        assert_eq!(
            keys.payload_key.as_bytes(),
            &unhex_array(&v.payload_key),
            "{}",
            v.name
        );
        assert_eq!(
            keys.metadata_key.as_bytes(),
            &unhex_array(&v.metadata_key),
            "{}",
            v.name
        );
        assert_eq!(
            keys.commitment,
            unhex_array::<32>(&v.commitment),
            "{}",
            v.name
        );

        for step in [1usize, 7, 4096, 65536, 65537, usize::MAX] {
            let mut sealer = Sealer::with_salt(&fs, salt, v.log2_chunk).unwrap();
            assert_eq!(hex::encode(sealer.header()), v.header, "{}", v.name);
            let mut payload = Vec::new();
            // Large steps keep this quick; single-byte pushes only for the small vectors.
            if step < 4096 && plaintext.len() > 70_000 {
                continue;
            }
            for piece in plaintext.chunks(step.min(plaintext.len().max(1))) {
                sealer.push(piece, &mut payload).unwrap();
            }
            let id = sealer.finish(&mut payload).unwrap();
            assert!(
                hex::encode(&payload) == v.payload,
                "{}: payload differs (step {step})",
                v.name
            );
            assert_eq!(id.to_hex(), v.content_id, "{}", v.name);
        }

        let header = unhex(&v.header);
        let payload = unhex(&v.payload);
        for step in [1usize, 13, 65552, 65553, payload.len()] {
            if step < 100 && payload.len() > 70_000 {
                continue;
            }
            let (opened, id) = open_all(&fs, &header, &payload, step).unwrap();
            assert!(
                opened == plaintext,
                "{}: plaintext differs (step {step})",
                v.name
            );
            assert_eq!(hex::encode(id), v.content_id);
        }

        // Random access to every chunk.
        let parsed = Header::parse(&header).unwrap();
        let keys = parsed.verify(&fs).unwrap();
        let layout = PayloadLayout::new(v.log2_chunk, payload.len() as u64).unwrap();
        assert_eq!(layout.plaintext_len(), plaintext.len() as u64);
        let aead = SoftAead::new(&keys.payload_key);
        let mut joined = Vec::new();
        for i in 0..layout.chunk_count() {
            let r = layout.slot_range(i);
            joined.extend(
                open_chunk(
                    &aead,
                    &parsed.to_bytes(),
                    &layout,
                    i,
                    &payload[r.start as usize..r.end as usize],
                )
                .unwrap(),
            );
        }
        assert!(joined == plaintext, "{}: random access differs", v.name);

        if let Some(m) = &v.metadata {
            let h: [u8; 56] = unhex_array(&v.header);
            let sealed =
                seal_metadata_json(&keys.metadata_key, &h, &m.json, &unhex_array(&m.meta_nonce));
            assert_eq!(hex::encode(&sealed), m.sealed);
            let opened = open_metadata(&keys.metadata_key, &h, &sealed).unwrap();
            assert_eq!(opened.to_json(), m.json);
            let mut bad = sealed.clone();
            bad[20] ^= 1;
            assert_eq!(
                open_metadata(&keys.metadata_key, &h, &bad),
                Err(Error::TamperedMetadata)
            );
        }
    }
}

#[test]
fn invalid_vectors_are_refused_with_their_error() {
    for v in vectors().invalid {
        let fs = fs(&v.fs);
        let header = unhex(&v.header);
        let payload = unhex(&v.payload);
        for step in [1000usize, 65552, 65553, payload.len().max(1)] {
            let mut released = Vec::new();
            let result = (|| {
                let mut opener = Opener::new(&fs, &header)?;
                for piece in payload.chunks(step) {
                    opener.push(piece, &mut released)?;
                }
                opener.finish(&mut released)
            })();
            let err = result.expect_err(&v.name);
            assert_eq!(err.kind(), v.error, "{} (step {step}): {err}", v.name);
            assert_eq!(err.index(), v.index, "{} (step {step})", v.name);
            // Nothing past the bad chunk was released.
            if let Some(i) = v.index {
                assert!(
                    released.len() as u64 <= i << 16,
                    "{}: released {} bytes",
                    v.name,
                    released.len()
                );
            }
        }
    }
}

#[test]
fn share_vectors() {
    for s in vectors().shares {
        let ls = LinkSecret(key(&s.ls));
        let ss = match (&s.password, &s.pw_salt, &s.argon2) {
            (None, None, None) => ShareSecret::from_link(&ls),
            (Some(pw), Some(salt), Some(params)) => {
                // Parameters read from JSON are held to the format's bounds, even in tests.
                let from_json = PasswordSalt {
                    pw_salt: unhex_array(salt),
                    params: *params,
                };
                assert!(matches!(
                    ShareSecret::with_password(&ls, pw, &from_json),
                    Err(Error::Argon2Params { .. })
                ));
                let small = Argon2Params::insecure_for_tests(params.m_kib, params.t, params.p);
                let salt = PasswordSalt {
                    pw_salt: unhex_array(salt),
                    params: small,
                };
                // A wrong password gives another share secret.
                let wrong = ShareSecret::with_password(&ls, &format!("{pw}!"), &salt).unwrap();
                assert_ne!(wrong.0.as_bytes(), &unhex_array(&s.ss));
                ShareSecret::with_password(&ls, pw, &salt).unwrap()
            }
            _ => panic!(
                "{}: password fields must be all present or all null",
                s.name
            ),
        };
        assert_eq!(hex::encode(ss.0.as_bytes()), s.ss, "{}", s.name);
        for f in &s.files {
            assert_eq!(
                hex::encode(ss.file_secret(f.j).0.as_bytes()),
                f.fs,
                "{} file {}",
                s.name,
                f.j
            );
        }
        let ak = ss.auth_key();
        assert_eq!(hex::encode(ak.0.as_bytes()), s.auth_key);
        assert_eq!(hex::encode(ak.hash()), s.auth_key_hash);
        assert!(ak.matches(&unhex_array(&s.auth_key_hash)));
        let id = Id(unhex_array(&s.manifest.share_id));
        let sealed = seal_manifest_json(
            &ss.manifest_key(),
            &id,
            &s.manifest.json,
            &unhex_array(&s.manifest.nonce),
        );
        assert_eq!(hex::encode(&sealed), s.manifest.sealed, "{}", s.name);
        let manifest = open_manifest(&ss.manifest_key(), &id, &sealed).unwrap();
        assert_eq!(manifest.to_json(), s.manifest.json);
        assert_eq!(manifest.files.len(), s.files.len());
        // Bound to the share id.
        let other = Id([7; 16]);
        assert_eq!(
            open_manifest(&ss.manifest_key(), &other, &sealed),
            Err(Error::TamperedManifest)
        );
    }
}

#[test]
fn request_vectors() {
    for r in vectors().requests {
        let rs = RequestSecret(key(&r.rs));
        assert_eq!(hex::encode(rs.psk().as_bytes()), r.psk);
        assert_eq!(hex::encode(rs.upload_token().as_bytes()), r.upload_token);
        let sk = key(&r.sk_r);
        assert_eq!(hex::encode(public_key(&sk)), r.pk_r);
        let id = Id(unhex_array(&r.request_id));
        let header: [u8; 56] = unhex_array(&r.header);
        let stanza = unhex(&r.stanza);
        assert_eq!(stanza.len(), 80);
        let opened = open_stanza(&sk, &id, &rs, &header, &stanza).unwrap();
        assert_eq!(hex::encode(opened.0.as_bytes()), r.fs);
        // The commitment binds fs to the header.
        assert!(Header::parse(&header).unwrap().verify(&opened).is_ok());
        // Without the request secret, or for another header, it does not open.
        let wrong_rs = RequestSecret(Key32::from_bytes([1; 32]));
        assert_eq!(
            open_stanza(&sk, &id, &wrong_rs, &header, &stanza),
            Err(Error::StanzaRefused)
        );
        let mut other_header = header;
        other_header[10] ^= 1;
        assert_eq!(
            open_stanza(&sk, &id, &rs, &other_header, &stanza),
            Err(Error::StanzaRefused)
        );
        assert_eq!(
            open_stanza(&sk, &Id([0; 16]), &rs, &header, &stanza),
            Err(Error::StanzaRefused)
        );
    }
}

#[test]
fn staff_key_vectors() {
    for s in vectors().staff_keys {
        let a = key(&s.a);
        let sk128: [u8; 16] = unhex_array(&s.sk128);
        assert_eq!(hex::encode(login_key(&a).as_bytes()), s.login_key);
        let vk = vault_key(&a, &sk128);
        assert_eq!(hex::encode(vk.as_bytes()), s.vault_key);
        let sk = key(&s.sk);
        let pk: [u8; 32] = unhex_array(&s.pk);
        assert_eq!(public_key(&sk), pk);
        let id = Id(unhex_array(&s.account_id));
        let wrapped = wrap_private_key(&vk, &id, &sk, &unhex_array(&s.nonce));
        assert_eq!(hex::encode(&wrapped), s.wrapped_sk);
        assert_eq!(unwrap_private_key(&vk, &id, &pk, &wrapped).unwrap(), sk);
        assert_eq!(fingerprint(&pk), s.fingerprint);
        assert_eq!(s.fingerprint.len(), 19);
        // A wrong kit, a wrong account or a swapped public key does not open it.
        let wrong_vk = vault_key(&a, &[0; 16]);
        assert_eq!(
            unwrap_private_key(&wrong_vk, &id, &pk, &wrapped),
            Err(Error::WrongVaultKey)
        );
        assert_eq!(
            unwrap_private_key(&vk, &Id([0; 16]), &pk, &wrapped),
            Err(Error::WrongVaultKey)
        );
        assert_eq!(
            unwrap_private_key(&vk, &id, &[9; 32], &wrapped),
            Err(Error::WrongVaultKey)
        );
    }
}

#[test]
fn argon2_bounds_are_enforced_whoever_supplies_them() {
    for (m, t, p) in [
        (65_535, 3, 1),
        (64 * 1024, 2, 1),
        (64 * 1024, 3, 0),
        (512 * 1024 + 1, 3, 1),
        (64 * 1024, 17, 1),
        (64 * 1024, 3, 5),
    ] {
        assert_eq!(
            Argon2Params::new(m, t, p),
            Err(Error::Argon2Params { m_kib: m, t, p })
        );
        let mut tweaked = Argon2Params::DEFAULT;
        (tweaked.m_kib, tweaked.t, tweaked.p) = (m, t, p);
        let salt = PasswordSalt {
            pw_salt: [0; 16],
            params: tweaked,
        };
        let ls = LinkSecret(Key32::from_bytes([1; 32]));
        assert!(matches!(
            ShareSecret::with_password(&ls, "pw", &salt),
            Err(Error::Argon2Params { .. })
        ));
    }
    assert!(Argon2Params::new(64 * 1024, 3, 1).is_ok());
    assert!(Argon2Params::new(512 * 1024, 16, 4).is_ok());
    // The minimum runs, and NFC and NFD spellings of a password give the same key.
    let ls = LinkSecret(Key32::from_bytes([2; 32]));
    let salt = PasswordSalt {
        pw_salt: [3; 16],
        params: Argon2Params::DEFAULT,
    };
    let nfc = ShareSecret::with_password(&ls, "B\u{e4}tterie", &salt).unwrap();
    let nfd = ShareSecret::with_password(&ls, "Ba\u{308}tterie", &salt).unwrap();
    assert_eq!(nfc, nfd);
}

#[test]
fn an_opener_rewinds_after_a_lost_connection() {
    for v in vectors().vectors {
        let fs = fs(&v.fs);
        let payload = unhex(&v.payload);
        for cut in [0, 1, 65_551, 65_552, 65_553, 100_000, payload.len() - 1] {
            if cut >= payload.len() {
                continue;
            }
            let mut opener = Opener::new(&fs, &unhex(&v.header)).unwrap();
            let mut out = Vec::new();
            opener.push(&payload[..cut], &mut out).unwrap();
            let offset = opener.rewind().unwrap() as usize;
            assert!(offset <= cut, "{}: resumes after what it had", v.name);
            assert_eq!(
                out.len(),
                offset / ((1 << v.log2_chunk) + 16) * (1 << v.log2_chunk),
                "{}: released up to the offset",
                v.name
            );
            opener.push(&payload[offset..], &mut out).unwrap();
            let id = opener.finish(&mut out).unwrap();
            assert!(out == unhex(&v.plaintext), "{} cut at {cut}", v.name);
            assert_eq!(id.to_hex(), v.content_id);
        }
    }
}
