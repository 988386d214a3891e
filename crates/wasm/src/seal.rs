//! `SealSession`: the streaming sealer for JavaScript, over `sealdrop_core::stream::ChunkFramer`.
//!
//! Every chunk a push completes is handed to the engine at once; while WebCrypto encrypts the
//! later ones, the content id hashes the earlier ones in wasm, so a push costs about the larger
//! of the two, not their sum.

use js_sys::{Object, Promise, Reflect, Uint8Array};
use sealdrop_core::content::ContentHasher;
use sealdrop_core::header::Header;
use sealdrop_core::stream::{ChunkFramer, PlainChunk};
use sealdrop_core::{FileKeys, FileSecret, Key32};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::engine::{Aad, Backend, Bytes, Engine};
use crate::error::SealdropError;
use crate::session::Shared;

struct SealState {
    engine: Engine,
    aad: Aad,
    framer: ChunkFramer,
    content: ContentHasher,
    scratch: Vec<u8>,
}

impl SealState {
    /// Seals `chunks` in order: all are started, then each is hashed as it completes.
    async fn seal(&mut self, chunks: Vec<PlainChunk>) -> Result<Vec<Bytes>, SealdropError> {
        let pending: Vec<_> = chunks
            .into_iter()
            .map(|c| self.engine.start_seal(&c.nonce, &self.aad, c.data))
            .collect();
        let mut out = Vec::with_capacity(pending.len());
        for p in pending {
            let ct = p
                .wait()
                .await?
                .map_err(|()| SealdropError::new("webcrypto", "the browser refused to encrypt"))?;
            let content = &mut self.content;
            ct.with_slice(&mut self.scratch, |bytes| content.update(bytes));
            out.push(ct);
        }
        Ok(out)
    }

    async fn push(&mut self, plaintext: &[u8]) -> Result<Vec<Bytes>, SealdropError> {
        let mut chunks = Vec::new();
        self.framer.push(plaintext, |c| chunks.push(c))?;
        self.seal(chunks).await
    }

    async fn finish(&mut self) -> Result<Vec<Bytes>, SealdropError> {
        let last = self.framer.finish()?;
        self.seal(vec![last]).await
    }
}

/// Seals one file's payload, pushed in any slicing, and computes its content id.
///
/// Invariant: one session per `(fs, salt)`; the salt is random, so every session seals a new
/// file. After `finish` or an error the session refuses further calls.
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
        let fs = FileSecret(
            Key32::from_slice(&file_secret)
                .map_err(|_| SealdropError::bad_input("the file secret"))?,
        );
        let salt: [u8; 16] = sealdrop_core::random();
        let keys = FileKeys::derive(&fs, &salt);
        let header = Header::new(log2_chunk, salt, &keys)?;
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

    /// Seals what `plaintext` completes; resolves to that ciphertext (possibly empty).
    pub fn push(&self, plaintext: Uint8Array) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let mut s = state.take()?;
            let result = s.push(&plaintext.to_vec()).await;
            state.settle(s, result.is_ok());
            Ok(Bytes::join(result?).into())
        })
    }

    /// Seals the last chunk; resolves to `{ ciphertext, contentId }`.
    pub fn finish(&self) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let mut s = state.take()?;
            let result = s.finish().await;
            let content_id = s.content.finalize().to_hex();
            state.settle(s, false);
            let out = result?;
            let result = Object::new();
            Reflect::set(&result, &"ciphertext".into(), &Bytes::join(out))?;
            Reflect::set(&result, &"contentId".into(), &content_id.into())?;
            Ok(result.into())
        })
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
                framer: ChunkFramer::new(header),
                content: ContentHasher::new(&bytes),
                scratch: Vec::new(),
            }),
        })
    }
}
