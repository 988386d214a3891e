//! Sealing at native speed: AES-GCM on the calling thread and the content id's BLAKE3 on a thread
//! of its own, over the same bytes, so that the two run side by side instead of one after the
//! other. The core's [`PayloadSealer`] keeps every rule of the format; this only moves the hash.

use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

use sealdrop_core::content::{ContentHasher, ContentId};
use sealdrop_core::stream::PayloadSealer;
use sealdrop_core::{Error, Header};

use crate::engine::RingAead;

/// Batches of ciphertext in flight to the hashing thread: enough to keep it busy, little memory.
const IN_FLIGHT: usize = 4;

/// Seals one payload and computes its content id. Invariant: every byte appended to `out` by
/// `push` and `finish` went, in order, to the hasher.
pub struct SealAndHash {
    sealer: PayloadSealer<RingAead>,
    to_hasher: Option<SyncSender<Vec<u8>>>,
    hasher: Option<JoinHandle<ContentId>>,
}

impl SealAndHash {
    pub fn new(header: &Header, aead: RingAead) -> Self {
        let (tx, rx) = sync_channel::<Vec<u8>>(IN_FLIGHT);
        let mut content = ContentHasher::new(&header.to_bytes());
        let hasher = std::thread::spawn(move || {
            for batch in rx {
                content.update(&batch);
            }
            content.finalize()
        });
        SealAndHash {
            sealer: PayloadSealer::with_aead(header, aead),
            to_hasher: Some(tx),
            hasher: Some(hasher),
        }
    }

    /// Seals what `plaintext` completes and appends the ciphertext to `out`.
    pub fn push(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let start = out.len();
        self.sealer.push(plaintext, out)?;
        self.hash(&out[start..]);
        Ok(())
    }

    /// Seals the last chunk into `out` and returns the content id.
    pub fn finish(self, out: &mut Vec<u8>) -> Result<ContentId, Error> {
        let SealAndHash {
            sealer,
            to_hasher,
            hasher,
        } = self;
        let start = out.len();
        sealer.finish(out)?;
        send(&to_hasher, &out[start..]);
        drop(to_hasher);
        let hasher = hasher.expect("a sealer is finished once");
        Ok(hasher.join().expect("the hashing thread does not panic"))
    }

    fn hash(&self, bytes: &[u8]) {
        send(&self.to_hasher, bytes);
    }
}

fn send(to_hasher: &Option<SyncSender<Vec<u8>>>, bytes: &[u8]) {
    if let Some(tx) = to_hasher {
        if !bytes.is_empty() {
            // The receiver lives until the sender is dropped, in `finish`.
            let _ = tx.send(bytes.to_vec());
        }
    }
}
