//! The two AES-256-GCM engines for payload chunks: WebCrypto (asynchronous, runs off the
//! JavaScript thread in Chromium, about 1 GB/s) and the aes-gcm crate (synchronous fallback).
//! They are interchangeable: same key, nonce and AAD give the same bytes.

use js_sys::{Array, Object, Reflect, Uint8Array};
use sealdrop_core::aead::{ChunkAead, SoftAead};
use sealdrop_core::{Key32, Nonce};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, CryptoKey, SubtleCrypto};

use crate::error::SealdropError;

/// Which engine a stream uses.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// WebCrypto where `crypto.subtle` exists, otherwise software.
    Auto = "auto",
    WebCrypto = "webcrypto",
    Software = "software",
}

/// `crypto.subtle` of the current global (window or worker), if the context has one.
fn subtle() -> Option<SubtleCrypto> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).ok()?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).ok()?;
    subtle.dyn_into::<SubtleCrypto>().ok()
}

/// Bytes produced by an engine: WebCrypto's stay in JavaScript, so that ciphertext on its way
/// to the network or plaintext on its way to disk is not copied through wasm memory.
pub enum Bytes {
    Js(Uint8Array),
    Rust(Vec<u8>),
}

impl Bytes {
    pub fn len(&self) -> usize {
        match self {
            Bytes::Js(a) => a.length() as usize,
            Bytes::Rust(v) => v.len(),
        }
    }

    /// Feeds the bytes to `f` from wasm memory, copying JavaScript bytes into `scratch`.
    pub fn with_slice<R>(&self, scratch: &mut Vec<u8>, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Bytes::Rust(v) => f(v),
            Bytes::Js(a) => {
                scratch.resize(a.length() as usize, 0);
                a.copy_to(scratch);
                f(scratch)
            }
        }
    }

    /// Joins pieces into one `Uint8Array` for JavaScript.
    pub fn join(pieces: Vec<Bytes>) -> Uint8Array {
        if let [Bytes::Js(only)] = pieces.as_slice() {
            return only.clone();
        }
        let total: usize = pieces.iter().map(Bytes::len).sum();
        let out = Uint8Array::new_with_length(total as u32);
        let mut at = 0u32;
        for piece in pieces {
            let len = piece.len() as u32;
            match piece {
                Bytes::Js(a) => out.set(&a, at),
                // A view into wasm memory, copied at once by `set` before any allocation.
                Bytes::Rust(v) => out.set(&Uint8Array::from(v.as_slice()), at),
            }
            at += len;
        }
        out
    }
}

/// An operation started on an engine; WebCrypto's runs while the caller does other work.
pub enum Pending {
    Js(JsFuture),
    Ready(Result<Bytes, ()>),
}

impl Pending {
    /// `Err(())` is an authentication failure; other WebCrypto failures are errors.
    pub async fn wait(self) -> Result<Result<Bytes, ()>, SealdropError> {
        match self {
            Pending::Ready(r) => Ok(r),
            Pending::Js(f) => match f.await {
                Ok(buf) => Ok(Ok(Bytes::Js(Uint8Array::new(&buf)))),
                Err(e) if is_operation_error(&e) => Ok(Err(())),
                Err(e) => Err(SealdropError::webcrypto(&e)),
            },
        }
    }
}

fn is_operation_error(e: &JsValue) -> bool {
    Reflect::get(e, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .as_deref()
        == Some("OperationError")
}

/// An AES-256-GCM engine keyed with one payload key.
pub enum Engine {
    WebCrypto {
        subtle: SubtleCrypto,
        key: CryptoKey,
    },
    Software(SoftAead),
}

impl Engine {
    /// Keys an engine. `Backend::WebCrypto` fails where the context has no `crypto.subtle`.
    pub async fn new(key: &Key32, backend: Backend) -> Result<Self, SealdropError> {
        let subtle = match backend {
            Backend::Software => None,
            Backend::Auto => subtle(),
            Backend::WebCrypto => Some(subtle().ok_or_else(|| {
                SealdropError::new(
                    "webcrypto",
                    "this page has no WebCrypto (crypto.subtle); it needs https",
                )
            })?),
            Backend::__Invalid => return Err(SealdropError::bad_input("the backend")),
        };
        let Some(subtle) = subtle else {
            return Ok(Engine::Software(SoftAead::new(key)));
        };
        let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
        // The key is not extractable: once imported, page script cannot read it back out.
        let key_data = Uint8Array::from(key.as_bytes().as_slice());
        let promise = subtle
            .import_key_with_str("raw", &key_data, "AES-GCM", false, &usages)
            .map_err(|e| SealdropError::webcrypto(&e))?;
        key_data.fill(0, 0, 32);
        let key = JsFuture::from(promise)
            .await
            .map_err(|e| SealdropError::webcrypto(&e))?;
        Ok(Engine::WebCrypto {
            subtle,
            key: key.unchecked_into(),
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Engine::WebCrypto { .. } => "webcrypto",
            Engine::Software(_) => "software",
        }
    }

    fn params(nonce: &Nonce, aad: &Uint8Array) -> Object {
        let params = AesGcmParams::new_with_u8_array(
            "AES-GCM",
            &Uint8Array::from(nonce.as_bytes().as_slice()),
        );
        params.set_additional_data(aad);
        params.into()
    }

    /// Starts sealing `plaintext` (WebCrypto copies it before this returns).
    pub fn start_seal(&self, nonce: &Nonce, aad: &Aad, plaintext: Vec<u8>) -> Pending {
        match self {
            Engine::Software(aead) => Pending::Ready(Ok(Bytes::Rust(aead.seal(
                nonce.as_bytes(),
                &aad.rust,
                plaintext,
            )))),
            Engine::WebCrypto { subtle, key } => {
                match subtle.encrypt_with_object_and_u8_array(
                    &Self::params(nonce, &aad.js),
                    key,
                    &plaintext,
                ) {
                    Ok(p) => Pending::Js(JsFuture::from(p)),
                    Err(_) => Pending::Ready(Err(())),
                }
            }
        }
    }

    /// Starts opening `ciphertext || tag`.
    pub fn start_open(&self, nonce: &Nonce, aad: &Aad, ciphertext: &[u8]) -> Pending {
        match self {
            Engine::Software(aead) => Pending::Ready(
                aead.open(nonce.as_bytes(), &aad.rust, ciphertext)
                    .map(Bytes::Rust)
                    .map_err(|_| ()),
            ),
            Engine::WebCrypto { subtle, key } => {
                match subtle.decrypt_with_object_and_u8_array(
                    &Self::params(nonce, &aad.js),
                    key,
                    ciphertext,
                ) {
                    Ok(p) => Pending::Js(JsFuture::from(p)),
                    Err(_) => Pending::Ready(Err(())),
                }
            }
        }
    }
}

/// The associated data of every chunk (the header), on both sides of the boundary.
pub struct Aad {
    pub rust: Vec<u8>,
    pub js: Uint8Array,
}

impl Aad {
    pub fn new(bytes: &[u8]) -> Self {
        Aad {
            rust: bytes.to_vec(),
            js: Uint8Array::from(bytes),
        }
    }
}
