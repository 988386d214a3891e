//! `OpenSession`: the streaming opener for JavaScript, over `sealdrop_core::stream::SlotSplitter`
//! and the slot rules of `sealdrop_core::stream::Slot`.
//!
//! Plaintext is released only for chunks that authenticated; after the first failure the
//! session refuses everything, and the caller must abort its output.

use js_sys::{Object, Promise, Reflect, Uint8Array};
use sealdrop_core::content::ContentHasher;
use sealdrop_core::header::Header;
use sealdrop_core::stream::{Slot, SlotSplitter};
use sealdrop_core::{FileKeys, FileSecret, Key32};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::engine::{Aad, Backend, Bytes, Engine, Pending};
use crate::error::SealdropError;
use crate::session::Shared;

struct OpenState {
    engine: Engine,
    aad: Aad,
    splitter: SlotSplitter,
    content: ContentHasher,
}

impl OpenState {
    /// Opens one slot under the rules of the format, trying the probe reading on failure.
    async fn finish_slot(&self, slot: &Slot, first_try: Pending) -> Result<Bytes, SealdropError> {
        match first_try.wait().await? {
            Ok(plaintext) => {
                if plaintext.len() == 0 {
                    slot.accept(&[])?;
                }
                Ok(plaintext)
            }
            Err(()) => {
                let probe_opened = match slot.probe_nonce() {
                    Some(n) => self
                        .engine
                        .start_open(&n, &self.aad, &slot.data)
                        .wait()
                        .await?
                        .is_ok(),
                    None => false,
                };
                Err(slot.failure(probe_opened).into())
            }
        }
    }

    /// Opens `slots` in order: all are started, the ciphertext is hashed while they run, then
    /// each is awaited.
    async fn open(
        &mut self,
        slots: Vec<Slot>,
        ciphertext: &[u8],
    ) -> Result<Vec<Bytes>, SealdropError> {
        let mut started = Vec::with_capacity(slots.len());
        for slot in slots {
            slot.precheck()?;
            let p = self.engine.start_open(&slot.nonce(), &self.aad, &slot.data);
            started.push((slot, p));
        }
        self.content.update(ciphertext);
        let mut out = Vec::with_capacity(started.len());
        for (slot, p) in started {
            out.push(self.finish_slot(&slot, p).await?);
        }
        Ok(out)
    }

    async fn push(&mut self, ciphertext: &[u8]) -> Result<Vec<Bytes>, SealdropError> {
        let mut slots = Vec::new();
        self.splitter.push(ciphertext, |s| slots.push(s))?;
        self.open(slots, ciphertext).await
    }

    async fn finish(&mut self) -> Result<Vec<Bytes>, SealdropError> {
        let last = self.splitter.finish()?;
        self.open(vec![last], &[]).await
    }
}

/// Opens one file's payload, pushed in any slicing, and computes its content id.
#[wasm_bindgen]
pub struct OpenSession {
    backend: &'static str,
    state: Shared<OpenState>,
}

#[wasm_bindgen]
impl OpenSession {
    /// Parses `header` and checks its commitment against `fileSecret` before anything opens.
    pub async fn create(
        file_secret: Vec<u8>,
        header: Vec<u8>,
        backend: Backend,
    ) -> Result<OpenSession, SealdropError> {
        let fs = FileSecret(
            Key32::from_slice(&file_secret)
                .map_err(|_| SealdropError::bad_input("the file secret"))?,
        );
        let header = Header::parse(&header)?;
        let keys = header.verify(&fs)?;
        OpenSession::start(&header, &keys, backend).await
    }

    /// "webcrypto" or "software".
    pub fn backend(&self) -> String {
        self.backend.into()
    }

    /// Opens what `ciphertext` completes; resolves to the plaintext released (possibly empty).
    pub fn push(&self, ciphertext: Uint8Array) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let mut s = state.take()?;
            let result = s.push(&ciphertext.to_vec()).await;
            state.settle(s, result.is_ok());
            Ok(Bytes::join(result?).into())
        })
    }

    /// Opens the final chunk; resolves to `{ plaintext, contentId }`.
    pub fn finish(&self) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let mut s = state.take()?;
            let result = s.finish().await;
            let content_id = s.content.finalize().to_hex();
            state.settle(s, false);
            let out = result?;
            let result = Object::new();
            Reflect::set(&result, &"plaintext".into(), &Bytes::join(out))?;
            Reflect::set(&result, &"contentId".into(), &content_id.into())?;
            Ok(result.into())
        })
    }
}

impl OpenSession {
    /// A session over a header whose commitment the caller verified, keyed by `keys`.
    pub async fn start(
        header: &Header,
        keys: &FileKeys,
        backend: Backend,
    ) -> Result<OpenSession, SealdropError> {
        let engine = Engine::new(&keys.payload_key, backend).await?;
        let bytes = header.to_bytes();
        Ok(OpenSession {
            backend: engine.name(),
            state: Shared::new(OpenState {
                engine,
                aad: Aad::new(&bytes),
                splitter: SlotSplitter::new(header),
                content: ContentHasher::new(&bytes),
            }),
        })
    }
}
