//! `OpenSession`: the streaming opener for JavaScript, over the core's cutting rule and slot
//! rules (`sealdrop_core::stream::SlotPos`).
//!
//! Plaintext is released only for chunks that authenticated; after the first failure the
//! session refuses everything, and the caller must abort its output.

use std::collections::VecDeque;

use js_sys::{Promise, Uint8Array};
use sealdrop_core::aead::TAG_LEN;
use sealdrop_core::header::Header;
use sealdrop_core::stream::SlotPos;
use sealdrop_core::FileKeys;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::digest::Digest;
use crate::engine::{Aad, Backend, Bytes, Engine, Pending, IN_FLIGHT};
use crate::error::SealdropError;
use crate::exports::file_keys;
use crate::pieces::JsPieces;
use crate::session::{Shared, Stream};

struct OpenState {
    engine: Engine,
    aad: Aad,
    slots: JsPieces,
    digest: Digest,
}

impl OpenState {
    /// Starts opening a slot, after the checks that need no decryption.
    fn start(
        &self,
        pos: SlotPos,
        bytes: Uint8Array,
    ) -> Result<(SlotPos, Uint8Array, Pending), SealdropError> {
        pos.precheck()?;
        let pending = self.engine.start_open(&pos.nonce(), &self.aad, &bytes);
        Ok((pos, bytes, pending))
    }

    /// Finishes one slot under the rules of the format, trying the probe reading on failure.
    async fn finish_slot(
        &self,
        pos: SlotPos,
        bytes: &Uint8Array,
        first_try: Pending,
    ) -> Result<Bytes, SealdropError> {
        match first_try.wait().await? {
            Ok(plaintext) => {
                pos.accept(plaintext.len())?;
                Ok(plaintext)
            }
            Err(()) => {
                let probe_opened = match pos.probe_nonce() {
                    Some(n) => self
                        .engine
                        .start_open(&n, &self.aad, bytes)
                        .wait()
                        .await?
                        .is_ok(),
                    None => false,
                };
                Err(pos.failure(probe_opened).into())
            }
        }
    }

    /// Opens `slots` in order with at most [`IN_FLIGHT`] in the engine at once, hashing each
    /// slot while the engine works. Only whole slots are hashed, so `rewind` leaves nothing
    /// half-counted.
    async fn open(
        &mut self,
        slots: Vec<(SlotPos, Uint8Array)>,
    ) -> Result<Vec<Bytes>, SealdropError> {
        let mut started = VecDeque::with_capacity(IN_FLIGHT);
        let mut todo = slots.into_iter();
        let mut out = Vec::with_capacity(todo.len());
        loop {
            while started.len() < IN_FLIGHT {
                let Some((pos, bytes)) = todo.next() else {
                    break;
                };
                let slot = self.start(pos, bytes)?;
                self.digest.update_js(&slot.1);
                started.push_back(slot);
            }
            let Some((pos, bytes, pending)) = started.pop_front() else {
                break;
            };
            out.push(self.finish_slot(pos, &bytes, pending).await?);
        }
        Ok(out)
    }
}

impl Stream for OpenState {
    async fn push(&mut self, ciphertext: &Uint8Array) -> Result<Vec<Bytes>, SealdropError> {
        let slot_len = self.slots.size();
        let mut slots = Vec::new();
        self.slots.push(ciphertext, |i, bytes| {
            slots.push((SlotPos::inner(i, slot_len), bytes))
        })?;
        self.open(slots).await
    }

    async fn finish(&mut self) -> Result<Vec<Bytes>, SealdropError> {
        let slot_len = self.slots.size();
        let (i, bytes) = self.slots.finish()?;
        self.open(vec![(
            SlotPos::last(i, bytes.length() as usize, slot_len),
            bytes,
        )])
        .await
    }

    fn content_id(&self) -> String {
        self.digest.finish()
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
        let file_secret = Zeroizing::new(file_secret);
        let (keys, header) = file_keys(&file_secret, &header)?;
        OpenSession::start(&header, &keys, backend).await
    }

    /// "webcrypto" or "software".
    pub fn backend(&self) -> String {
        self.backend.into()
    }

    /// Opens what `ciphertext` completes; resolves to the plaintext chunks released (an array of
    /// `Uint8Array`s, possibly empty). `ciphertext` must not change until the promise settles.
    #[wasm_bindgen(unchecked_return_type = "Promise<Uint8Array[]>")]
    pub fn push(&self, ciphertext: Uint8Array) -> Promise {
        self.state.push(ciphertext)
    }

    /// After a network error: forgets the bytes of the chunk not yet released and returns the
    /// payload offset to fetch again from (HTTP Range); every chunk before it was released.
    /// Must not be called while a push is pending.
    pub fn rewind(&self) -> Result<f64, SealdropError> {
        self.state.with(|s| Ok(s.slots.rewind()? as f64))
    }

    /// Opens the final chunk; resolves to `{ plaintext: Uint8Array[], contentId: string }`.
    #[wasm_bindgen(
        unchecked_return_type = "Promise<{ plaintext: Uint8Array[], contentId: string }>"
    )]
    pub fn finish(&self) -> Promise {
        self.state.finish("plaintext")
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
                slots: JsPieces::new(header.chunk_size() + TAG_LEN),
                digest: Digest::new(&bytes),
            }),
        })
    }
}
