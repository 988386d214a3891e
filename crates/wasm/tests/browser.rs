//! The format vectors in real headless Chromium, through the JavaScript-facing sessions, on both
//! AES engines: every valid vector reproduced, every invalid one refused with its error kind.

use js_sys::{Promise, Reflect, Uint8Array};
use sealdrop_core::header::Header;
use sealdrop_core::vectors::{unhex, unhex_array, VectorFile};
use sealdrop_core::{FileKeys, FileSecret, Key32};
use sealdrop_wasm::{Backend, OpenSession, SealSession};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const VECTORS: &str = include_str!("../../../tests/vectors/format-v1.json");
const BACKENDS: [Backend; 2] = [Backend::WebCrypto, Backend::Software];

fn vectors() -> VectorFile {
    serde_json::from_str(VECTORS).unwrap()
}

async fn wait(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

/// Joins the array of `Uint8Array`s a push or finish resolves to.
fn bytes(v: &JsValue) -> Vec<u8> {
    js_sys::Array::from(v)
        .iter()
        .flat_map(|piece| Uint8Array::new(&piece).to_vec())
        .collect()
}

fn field(v: &JsValue, name: &str) -> JsValue {
    Reflect::get(v, &name.into()).unwrap()
}

/// The `kind` and `index` of a rejected call.
fn kind_of(err: &JsValue) -> (String, Option<u64>) {
    assert_eq!(
        field(err, "name").as_string().as_deref(),
        Some("SealdropError")
    );
    let index = field(err, "index").as_f64().map(|i| i as u64);
    (field(err, "kind").as_string().unwrap(), index)
}

fn pieces(data: &[u8], step: usize) -> Vec<Vec<u8>> {
    data.chunks(step.max(1)).map(<[u8]>::to_vec).collect()
}

#[wasm_bindgen_test]
async fn webcrypto_is_there_and_auto_picks_it() {
    let s = SealSession::create(vec![1; 32], 16, Backend::Auto)
        .await
        .unwrap();
    assert_eq!(s.backend(), "webcrypto");
}

#[wasm_bindgen_test]
async fn valid_vectors_seal_and_open_on_both_engines() {
    for v in vectors().vectors {
        let fs = FileSecret(Key32::from_bytes(unhex_array(&v.fs)));
        let salt: [u8; 16] = unhex_array(&v.salt);
        let keys = FileKeys::derive(&fs, &salt);
        let header = Header::new(v.log2_chunk, salt, &keys).unwrap();
        let plaintext = unhex(&v.plaintext);
        let payload = unhex(&v.payload);
        for backend in BACKENDS {
            for step in [1000usize, 65536, 300_000] {
                let s = SealSession::start(&header, &keys, backend).await.unwrap();
                assert_eq!(hex::encode(s.header()), v.header);
                let mut out = Vec::new();
                for piece in pieces(&plaintext, step) {
                    out.extend(bytes(
                        &wait(s.push(Uint8Array::from(piece.as_slice())))
                            .await
                            .unwrap(),
                    ));
                }
                let done = wait(s.finish()).await.unwrap();
                out.extend(bytes(&field(&done, "ciphertext")));
                assert!(
                    out == payload,
                    "{} on {backend:?}: payload differs (step {step})",
                    v.name
                );
                assert_eq!(field(&done, "contentId").as_string().unwrap(), v.content_id);

                let o = OpenSession::create(unhex(&v.fs), unhex(&v.header), backend)
                    .await
                    .unwrap();
                let mut opened = Vec::new();
                for piece in pieces(&payload, step + 16) {
                    opened.extend(bytes(
                        &wait(o.push(Uint8Array::from(piece.as_slice())))
                            .await
                            .unwrap(),
                    ));
                }
                let done = wait(o.finish()).await.unwrap();
                opened.extend(bytes(&field(&done, "plaintext")));
                assert!(
                    opened == plaintext,
                    "{} on {backend:?}: plaintext differs",
                    v.name
                );
                assert_eq!(field(&done, "contentId").as_string().unwrap(), v.content_id);
            }
        }
    }
}

#[wasm_bindgen_test]
async fn invalid_vectors_are_refused_on_both_engines() {
    for v in vectors().invalid {
        for backend in BACKENDS {
            let result: Result<(), JsValue> = async {
                let o = OpenSession::create(unhex(&v.fs), unhex(&v.header), backend).await?;
                for piece in pieces(&unhex(&v.payload), 50_000) {
                    wait(o.push(Uint8Array::from(piece.as_slice()))).await?;
                }
                wait(o.finish()).await?;
                Ok(())
            }
            .await;
            let err = result.expect_err(&v.name);
            assert_eq!(
                kind_of(&err),
                (v.error.clone(), v.index),
                "{} on {backend:?}",
                v.name
            );
        }
    }
}

#[wasm_bindgen_test]
async fn a_failed_stream_stays_failed_and_calls_do_not_overlap() {
    let s = SealSession::create(vec![2; 32], 16, Backend::WebCrypto)
        .await
        .unwrap();
    let first = s.push(Uint8Array::from(vec![0u8; 200_000].as_slice()));
    let second = s.push(Uint8Array::from([1u8].as_slice()));
    assert_eq!(kind_of(&wait(second).await.unwrap_err()).0, "busy");
    wait(first).await.unwrap();
    wait(s.finish()).await.unwrap();
    assert_eq!(kind_of(&wait(s.finish()).await.unwrap_err()).0, "finished");

    let err = SealSession::create(vec![2; 31], 16, Backend::Software)
        .await
        .err()
        .unwrap();
    assert_eq!(err.kind(), "bad input");
    let err = SealSession::create(vec![2; 32], 25, Backend::Software)
        .await
        .err()
        .unwrap();
    assert_eq!(err.kind(), "bad chunk size");
}

#[wasm_bindgen_test]
async fn an_opener_rewinds_after_a_lost_connection() {
    let v = vectors()
        .vectors
        .into_iter()
        .find(|v| v.name == "several chunks")
        .unwrap();
    let payload = unhex(&v.payload);
    for backend in BACKENDS {
        for cut in [0usize, 70_000, 65_552 * 2 + 5] {
            let o = OpenSession::create(unhex(&v.fs), unhex(&v.header), backend)
                .await
                .unwrap();
            let mut opened = bytes(
                &wait(o.push(Uint8Array::from(&payload[..cut])))
                    .await
                    .unwrap(),
            );
            let offset = o.rewind().unwrap() as usize;
            assert_eq!(
                offset,
                cut / 65_552 * 65_552,
                "resumes at the first chunk not released"
            );
            assert_eq!(opened.len(), offset / 65_552 * 65_536);
            opened.extend(bytes(
                &wait(o.push(Uint8Array::from(&payload[offset..])))
                    .await
                    .unwrap(),
            ));
            let done = wait(o.finish()).await.unwrap();
            opened.extend(bytes(&field(&done, "plaintext")));
            assert!(opened == unhex(&v.plaintext), "cut at {cut} on {backend:?}");
            assert_eq!(field(&done, "contentId").as_string().unwrap(), v.content_id);
            assert_eq!(kind_of(&o.rewind().unwrap_err().into()).0, "finished");
        }
    }
}

/// A resumed session seals the same plaintext to the same bytes as the first one did, on either
/// engine, and refuses a header made under another file secret.
#[wasm_bindgen_test]
async fn a_resumed_session_seals_the_same_bytes_again() {
    let plaintext: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let seal_all = |s: SealSession| {
        let plaintext = plaintext.clone();
        async move {
            let mut out = bytes(
                &wait(s.push(Uint8Array::from(plaintext.as_slice())))
                    .await
                    .unwrap(),
            );
            let done = wait(s.finish()).await.unwrap();
            out.extend(bytes(&field(&done, "ciphertext")));
            (out, field(&done, "contentId").as_string().unwrap())
        }
    };
    let first = SealSession::create(vec![3; 32], 16, Backend::WebCrypto)
        .await
        .unwrap();
    let header = first.header();
    let sealed = seal_all(first).await;
    for backend in BACKENDS {
        let again = SealSession::resume(vec![3; 32], header.clone(), backend)
            .await
            .unwrap();
        assert_eq!(again.header(), header);
        assert!(seal_all(again).await == sealed, "{backend:?}: other bytes");
    }
    let err = SealSession::resume(vec![4; 32], header, Backend::Software)
        .await
        .err()
        .unwrap();
    assert_eq!(err.kind(), "wrong key");
}
