//! The sessions inside a dedicated Web Worker, where the product runs them, and the fallback to
//! the aes-gcm crate where the context has no `crypto.subtle` (pages over plain http).

use js_sys::{Object, Reflect, Uint8Array};
use sealdrop_core::vectors::{unhex, VectorFile};
use sealdrop_wasm::{Backend, OpenSession, SealSession};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn field(v: &JsValue, name: &str) -> JsValue {
    Reflect::get(v, &name.into()).unwrap()
}

fn joined(v: &JsValue) -> Vec<u8> {
    js_sys::Array::from(v)
        .iter()
        .flat_map(|p| Uint8Array::new(&p).to_vec())
        .collect()
}

/// Seals `plaintext` with a new session and opens it again with `backend`; returns the plaintext
/// and both content ids.
async fn round_trip(backend: Backend, plaintext: &[u8]) -> (Vec<u8>, String, String) {
    let s = SealSession::create(vec![4; 32], 16, backend).await.unwrap();
    let mut payload = joined(
        &JsFuture::from(s.push(Uint8Array::from(plaintext)))
            .await
            .unwrap(),
    );
    let done = JsFuture::from(s.finish()).await.unwrap();
    payload.extend(joined(&field(&done, "ciphertext")));
    let sealed_id = field(&done, "contentId").as_string().unwrap();
    let o = OpenSession::create(vec![4; 32], s.header(), backend)
        .await
        .unwrap();
    let mut opened = joined(
        &JsFuture::from(o.push(Uint8Array::from(payload.as_slice())))
            .await
            .unwrap(),
    );
    let done = JsFuture::from(o.finish()).await.unwrap();
    opened.extend(joined(&field(&done, "plaintext")));
    (
        opened,
        sealed_id,
        field(&done, "contentId").as_string().unwrap(),
    )
}

#[wasm_bindgen_test]
async fn sessions_work_in_a_worker_and_fall_back_without_webcrypto() {
    let v: VectorFile =
        serde_json::from_str(include_str!("../../../tests/vectors/format-v1.json")).unwrap();
    let plaintext = unhex(
        &v.vectors
            .iter()
            .find(|v| v.name == "several chunks")
            .unwrap()
            .plaintext,
    );

    let s = SealSession::create(vec![4; 32], 16, Backend::Auto)
        .await
        .unwrap();
    assert_eq!(s.backend(), "webcrypto");
    let (opened, sealed_id, opened_id) = round_trip(Backend::WebCrypto, &plaintext).await;
    assert!(opened == plaintext);
    assert_eq!(sealed_id, opened_id);

    // Hide crypto.subtle as a page served over plain http would.
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).unwrap();
    let descriptor = Object::new();
    Reflect::set(&descriptor, &"value".into(), &JsValue::UNDEFINED).unwrap();
    let crypto: Object = crypto.unchecked_into();
    assert!(Reflect::define_property(&crypto, &"subtle".into(), &descriptor).unwrap());

    let s = SealSession::create(vec![4; 32], 16, Backend::Auto)
        .await
        .unwrap();
    assert_eq!(s.backend(), "software");
    let err = SealSession::create(vec![4; 32], 16, Backend::WebCrypto)
        .await
        .err()
        .unwrap();
    assert_eq!(err.kind(), "webcrypto");
    let (opened, sealed_id, opened_id) = round_trip(Backend::Auto, &plaintext).await;
    assert!(opened == plaintext);
    assert_eq!(sealed_id, opened_id);
}
