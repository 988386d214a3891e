//! The page-facing helpers against the share, request and staff-key vectors, in Chromium.

use js_sys::Reflect;
use sealdrop_core::vectors::{unhex, VectorFile};
use sealdrop_wasm::exports::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn vectors() -> VectorFile {
    serde_json::from_str(include_str!("../../../tests/vectors/format-v1.json")).unwrap()
}

#[wasm_bindgen_test]
fn share_vectors() {
    for s in vectors().shares {
        let ss = match (&s.password, &s.pw_salt, &s.argon2) {
            (None, ..) => share_secret_from_link(&unhex(&s.ls)).unwrap(),
            (Some(pw), Some(salt), Some(a)) => {
                // The vector's small parameters are refused outside the test-only path.
                let err =
                    share_secret_with_password(&unhex(&s.ls), pw, &unhex(salt), a.m_kib, a.t, a.p)
                        .unwrap_err();
                assert_eq!(err.kind(), "argon2 parameters");
                unhex(&s.ss)
            }
            _ => panic!("inconsistent vector"),
        };
        assert_eq!(hex::encode(&ss), s.ss);
        for f in &s.files {
            assert_eq!(hex::encode(share_file_secret(&ss, f.j).unwrap()), f.fs);
        }
        let ak = share_auth_key(&ss).unwrap();
        assert_eq!(hex::encode(&ak), s.auth_key);
        assert_eq!(hex::encode(blake3_hash(&ak)), s.auth_key_hash);
        let share_id = unhex(&s.manifest.share_id);
        let manifest = open_manifest_js(&ss, &share_id, &unhex(&s.manifest.sealed)).unwrap();
        let files = js_sys::Array::from(&Reflect::get(&manifest, &"files".into()).unwrap());
        assert_eq!(files.length() as usize, s.files.len());
        // Sealing again (random nonce) opens to the same manifest.
        let resealed = seal_manifest_js(&ss, &share_id, manifest).unwrap();
        let again = open_manifest_js(&ss, &share_id, &resealed).unwrap();
        assert_eq!(
            js_sys::JSON::stringify(&again).unwrap(),
            js_sys::JSON::stringify(
                &open_manifest_js(&ss, &share_id, &unhex(&s.manifest.sealed)).unwrap()
            )
            .unwrap()
        );
    }
}

#[wasm_bindgen_test]
fn request_vectors() {
    for r in vectors().requests {
        assert_eq!(
            hex::encode(request_upload_token(&unhex(&r.rs)).unwrap()),
            r.upload_token
        );
        assert_eq!(hex::encode(public_key_js(&unhex(&r.sk_r)).unwrap()), r.pk_r);
        let fs = open_stanza_js(
            &unhex(&r.sk_r),
            &unhex(&r.request_id),
            &unhex(&r.rs),
            &unhex(&r.header),
            &unhex(&r.stanza),
        )
        .unwrap();
        assert_eq!(hex::encode(&fs), r.fs);
        // A fresh stanza from the page opens too.
        let stanza = seal_stanza_js(
            &unhex(&r.pk_r),
            &unhex(&r.request_id),
            &unhex(&r.rs),
            &unhex(&r.header),
            &fs,
        )
        .unwrap();
        assert_eq!(stanza.len(), 80);
        let again = open_stanza_js(
            &unhex(&r.sk_r),
            &unhex(&r.request_id),
            &unhex(&r.rs),
            &unhex(&r.header),
            &stanza,
        )
        .unwrap();
        assert_eq!(again, fs);
        let err = open_stanza_js(
            &unhex(&r.sk_r),
            &unhex(&r.request_id),
            &[0; 32],
            &unhex(&r.header),
            &stanza,
        )
        .unwrap_err();
        assert_eq!(err.kind(), "stanza refused");
    }
}

#[wasm_bindgen_test]
fn staff_key_vectors() {
    for s in vectors().staff_keys {
        assert_eq!(hex::encode(login_key(&unhex(&s.a)).unwrap()), s.login_key);
        let vk = vault_key(&unhex(&s.a), &unhex(&s.sk128)).unwrap();
        assert_eq!(hex::encode(&vk), s.vault_key);
        let sk = unwrap_private_key(
            &vk,
            &unhex(&s.account_id),
            &unhex(&s.pk),
            &unhex(&s.wrapped_sk),
        )
        .unwrap();
        assert_eq!(hex::encode(&sk), s.sk);
        assert_eq!(fingerprint(&unhex(&s.pk)).unwrap(), s.fingerprint);
        let rewrapped = wrap_private_key(&vk, &unhex(&s.account_id), &sk).unwrap();
        assert_eq!(
            unwrap_private_key(&vk, &unhex(&s.account_id), &unhex(&s.pk), &rewrapped).unwrap(),
            sk
        );
        let err = unwrap_private_key(&[0; 32], &unhex(&s.account_id), &unhex(&s.pk), &rewrapped)
            .unwrap_err();
        assert_eq!(err.kind(), "wrong vault key");
    }
}

#[wasm_bindgen_test]
fn metadata_round_trip_and_tamper() {
    let v = vectors()
        .vectors
        .into_iter()
        .find(|v| v.metadata.is_some())
        .unwrap();
    let m = v.metadata.unwrap();
    let opened = open_metadata_js(&unhex(&v.fs), &unhex(&v.header), &unhex(&m.sealed)).unwrap();
    assert_eq!(
        js_sys::JSON::stringify(&opened)
            .unwrap()
            .as_string()
            .unwrap(),
        m.json
    );
    let sealed = seal_metadata_js(&unhex(&v.fs), &unhex(&v.header), opened).unwrap();
    assert_eq!(sealed.len() % 256, 12 + 16);
    let mut bad = sealed.clone();
    bad[30] ^= 4;
    assert_eq!(
        open_metadata_js(&unhex(&v.fs), &unhex(&v.header), &bad)
            .unwrap_err()
            .kind(),
        "tampered metadata"
    );
    let wrong = open_metadata_js(&[9; 32], &unhex(&v.header), &sealed).unwrap_err();
    assert_eq!(wrong.kind(), "wrong key");
    let not_metadata =
        seal_metadata_js(&unhex(&v.fs), &unhex(&v.header), JsValue::from_str("x")).unwrap_err();
    assert_eq!(not_metadata.kind(), "bad input");
}

#[wasm_bindgen_test]
fn argon2_bounds_and_encodings() {
    assert_eq!(
        argon2id("pw", &[0; 16], 1024, 3, 1).unwrap_err().kind(),
        "argon2 parameters"
    );
    assert_eq!(
        argon2id("pw", &[0; 16], 65536, 17, 1).unwrap_err().kind(),
        "argon2 parameters"
    );
    let a = argon2id("pw", &[0; 16], 65536, 3, 1).unwrap();
    assert_eq!(a.len(), 32);
    // The defaults pages use are the core's, and the smallest the bounds allow.
    let defaults = argon2_defaults().unwrap();
    let field = |name: &str| Reflect::get(&defaults, &name.into()).unwrap().as_f64();
    assert_eq!(
        (field("m_kib"), field("t"), field("p")),
        (Some(65536.0), Some(3.0), Some(1.0))
    );
    assert_eq!(
        b64_decode_js(&b64_encode_js(&[1, 2, 3])).unwrap(),
        vec![1, 2, 3]
    );
    // Non-canonical trailing bits, padding and the standard alphabet are refused.
    for bad in ["AQIE", "AQI=", "AQJ", "+/8"] {
        let r = b64_decode_js(bad);
        assert!(bad == "AQIE" && r.is_ok() || r.is_err(), "{bad} accepted");
    }
    assert_eq!(random_bytes(70_000).unwrap_err().kind(), "bad input");
}

#[wasm_bindgen_test]
fn the_manifest_check_refuses_what_it_does_not_list() {
    use sealdrop_core::share::{Manifest, ManifestEntry};
    let v = vectors().vectors.remove(1);
    let (fs, header) = (unhex(&v.fs), unhex(&v.header));
    let meta = js_sys::JSON::parse(r#"{"name":"a","size":1,"type":"","modified":null}"#).unwrap();
    let sealed_meta = seal_metadata_js(&fs, &header, meta).unwrap();
    let manifest = Manifest {
        files: vec![ManifestEntry {
            j: 0,
            content_id: v.content_id.clone(),
            metadata_hash: hex::encode(blake3_hash(&sealed_meta)),
        }],
    };
    let js = serde_wasm_bindgen::to_value(&manifest).unwrap();
    check_manifest_entry(js.clone(), 0, &v.content_id, &sealed_meta).unwrap();
    for (j, id, meta) in [
        (1, v.content_id.as_str(), sealed_meta.as_slice()),
        (0, "00".repeat(32).as_str(), sealed_meta.as_slice()),
        (0, v.content_id.as_str(), &sealed_meta[1..]),
    ] {
        assert_eq!(
            check_manifest_entry(js.clone(), j, id, meta)
                .unwrap_err()
                .kind(),
            "bad manifest"
        );
    }
    assert_eq!(
        check_manifest_entry(js, 0, "not hex", &sealed_meta)
            .unwrap_err()
            .kind(),
        "bad encoding"
    );
}
