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

    /// The bytes as a `Uint8Array` (Rust bytes are copied out once).
    pub fn into_js(self) -> Uint8Array {
        match self {
            Bytes::Js(a) => a,
            Bytes::Rust(v) => Uint8Array::from(v.as_slice()),
        }
    }

    /// Pieces as a JavaScript array of `Uint8Array`s, in order, without joining them.
    pub fn to_array(pieces: Vec<Bytes>) -> Array {
        pieces
            .into_iter()
            .map(|b| JsValue::from(b.into_js()))
            .collect()
    }
}

/// Chunks in the engine at once: enough to keep WebCrypto busy while one is hashed, few enough
/// that results are hashed while still in cache and in-flight copies stay small.
pub const IN_FLIGHT: usize = 4;

/// An operation started on an engine; WebCrypto's runs while the caller does other work.
pub enum Pending {
    Js(JsFuture),
    Ready(Result<Bytes, ()>),
    /// WebCrypto refused the call itself (not an authentication failure).
    Refused(SealdropError),
}

impl Pending {
    /// `Err(())` is an authentication failure; other WebCrypto failures are errors.
    pub async fn wait(self) -> Result<Result<Bytes, ()>, SealdropError> {
        match self {
            Pending::Ready(r) => Ok(r),
            Pending::Refused(e) => Err(e),
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
    Software(Box<SoftAead>),
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
            return Ok(Engine::Software(Box::new(SoftAead::new(key))));
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

    /// Starts sealing `plaintext` (WebCrypto copies it before this returns, so the caller may
    /// reuse the memory at once).
    pub fn start_seal(&self, nonce: &Nonce, aad: &Aad, plaintext: &Uint8Array) -> Pending {
        match self {
            Engine::Software(aead) => {
                let sealed = aead.seal(nonce.as_bytes(), &aad.rust, plaintext.to_vec());
                Pending::Ready(Ok(Bytes::Rust(sealed)))
            }
            Engine::WebCrypto { subtle, key } => {
                let params = Self::params(nonce, &aad.js);
                match subtle.encrypt_with_object_and_js_u8_array(&params, key, plaintext) {
                    Ok(p) => Pending::Js(JsFuture::from(p)),
                    // A synchronous throw is a misuse (a detached buffer, say), never a bad tag:
                    // reporting it as tampering would accuse an intact file.
                    Err(e) => Pending::Refused(SealdropError::webcrypto(&e)),
                }
            }
        }
    }

    /// Starts opening `ciphertext || tag`.
    pub fn start_open(&self, nonce: &Nonce, aad: &Aad, ciphertext: &Uint8Array) -> Pending {
        match self {
            Engine::Software(aead) => {
                let opened = aead.open(nonce.as_bytes(), &aad.rust, &ciphertext.to_vec());
                Pending::Ready(opened.map(Bytes::Rust).map_err(|_| ()))
            }
            Engine::WebCrypto { subtle, key } => {
                let params = Self::params(nonce, &aad.js);
                match subtle.decrypt_with_object_and_js_u8_array(&params, key, ciphertext) {
                    Ok(p) => Pending::Js(JsFuture::from(p)),
                    // A synchronous throw is a misuse (a detached buffer, say), never a bad tag:
                    // reporting it as tampering would accuse an intact file.
                    Err(e) => Pending::Refused(SealdropError::webcrypto(&e)),
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
