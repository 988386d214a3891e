//! `SealSession`: the streaming sealer for JavaScript, over the core's cutting rule.
//!
//! The chunks a push completes go to the engine straight from the caller's memory, a few at a
//! time; while WebCrypto works on the later ones (partly on its own thread), this thread hashes
//! the earlier ones for the content id. On a 2-core machine WebCrypto already uses both cores,
//! so the two costs mostly add up (README, Performance).

use std::collections::VecDeque;

use js_sys::{Promise, Uint8Array};
use sealdrop_core::header::Header;
use sealdrop_core::{FileKeys, FileSecret, Nonce};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::digest::Digest;
use crate::engine::{Aad, Backend, Bytes, Engine, IN_FLIGHT};
use crate::error::SealdropError;
use crate::exports::key;
use crate::pieces::JsPieces;
use crate::session::{Shared, Stream};

struct SealState {
    engine: Engine,
    aad: Aad,
    chunks: JsPieces,
    digest: Digest,
}

impl SealState {
    /// Seals `chunks` in order with at most [`IN_FLIGHT`] in the engine at once, hashing each
    /// result as it arrives, while it is still in cache, as the later ones are encrypted.
    async fn seal(
        &mut self,
        chunks: Vec<(Nonce, Uint8Array)>,
    ) -> Result<Vec<Bytes>, SealdropError> {
        let mut started = VecDeque::with_capacity(IN_FLIGHT);
        let mut todo = chunks.into_iter();
        let mut out = Vec::with_capacity(todo.len());
        loop {
            while started.len() < IN_FLIGHT {
                let Some((nonce, chunk)) = todo.next() else {
                    break;
                };
                started.push_back(self.engine.start_seal(&nonce, &self.aad, &chunk));
            }
            let Some(p) = started.pop_front() else { break };
            let ct = p
                .wait()
                .await?
                .map_err(|()| SealdropError::new("webcrypto", "the browser refused to encrypt"))?;
            self.digest.update(&ct);
            out.push(ct);
        }
        Ok(out)
    }
}

impl Stream for SealState {
    async fn push(&mut self, plaintext: &Uint8Array) -> Result<Vec<Bytes>, SealdropError> {
        let mut chunks = Vec::new();
        self.chunks.push(plaintext, |i, chunk| {
            chunks.push((Nonce::for_chunk(i, false), chunk))
        })?;
        self.seal(chunks).await
    }

    async fn finish(&mut self) -> Result<Vec<Bytes>, SealdropError> {
        let (i, last) = self.chunks.finish()?;
        self.seal(vec![(Nonce::for_chunk(i, true), last)]).await
    }

    fn content_id(&self) -> String {
        self.digest.finish()
    }
}

/// Seals one file's payload, pushed in any slicing, and computes its content id.
///
/// Invariant: one plaintext per `(fs, salt)`. `create` draws a new salt, so its session seals a
/// new file; `resume` takes the salt of a file begun before, and its caller must prove, part by
/// part, that it seals the same plaintext again before any of its output leaves the browser
/// (format-v1.md, One plaintext per key). After `finish` or an error the session refuses further
/// calls.
#[wasm_bindgen]
pub struct SealSession {
    header: [u8; 56],
    backend: &'static str,
    state: Shared<SealState>,
}

#[wasm_bindgen]
impl SealSession {
    /// A session for a new file under `fileSecret` (32 bytes) with a fresh random salt.
    pub async fn create(
        file_secret: Vec<u8>,
        log2_chunk: u8,
        backend: Backend,
    ) -> Result<SealSession, SealdropError> {
        let file_secret = Zeroizing::new(file_secret);
        let fs = FileSecret(key(&file_secret, "the file secret")?);
        let salt: [u8; 16] = sealdrop_core::random();
        let keys = FileKeys::derive(&fs, &salt);
        let header = Header::new(log2_chunk, salt, &keys)?;
        SealSession::start(&header, &keys, backend).await
    }

    /// A session that seals again, under its own salt and keys, the file that `header` began
    /// under `fileSecret`: for a resumed upload, whose parts come out byte for byte as before
    /// when the plaintext is the same. Rejects a header that was not made under this secret.
    pub async fn resume(
        file_secret: Vec<u8>,
        header: Vec<u8>,
        backend: Backend,
    ) -> Result<SealSession, SealdropError> {
        let file_secret = Zeroizing::new(file_secret);
        let fs = FileSecret(key(&file_secret, "the file secret")?);
        let header = Header::parse(&header)?;
        let keys = header.verify(&fs)?;
        SealSession::start(&header, &keys, backend).await
    }

    /// The 56-byte header of the file.
    pub fn header(&self) -> Vec<u8> {
        self.header.to_vec()
    }

    /// "webcrypto" or "software".
    pub fn backend(&self) -> String {
        self.backend.into()
    }

    /// Seals what `plaintext` completes; resolves to the ciphertext chunks completed (an array
    /// of `Uint8Array`s, possibly empty). `plaintext` must not change until the promise settles.
    #[wasm_bindgen(unchecked_return_type = "Promise<Uint8Array[]>")]
    pub fn push(&self, plaintext: Uint8Array) -> Promise {
        self.state.push(plaintext)
    }

    /// Seals the last chunk; resolves to `{ ciphertext: Uint8Array[], contentId: string }`.
    #[wasm_bindgen(
        unchecked_return_type = "Promise<{ ciphertext: Uint8Array[], contentId: string }>"
    )]
    pub fn finish(&self) -> Promise {
        self.state.finish("ciphertext")
    }
}

impl SealSession {
    /// A session over a given header and keys (the salt is the caller's responsibility: new for
    /// every file). Used by `create` and by the test vectors.
    pub async fn start(
        header: &Header,
        keys: &FileKeys,
        backend: Backend,
    ) -> Result<SealSession, SealdropError> {
        let engine = Engine::new(&keys.payload_key, backend).await?;
        let bytes = header.to_bytes();
        Ok(SealSession {
            header: bytes,
            backend: engine.name(),
            state: Shared::new(SealState {
                engine,
                aad: Aad::new(&bytes),
                chunks: JsPieces::new(header.chunk_size()),
                digest: Digest::new(&bytes),
            }),
        })
    }
}
