//! The access log's hash chain, its signed checkpoints and its JSON Lines export
//! (architecture.md, Access log): one definition of every byte, for the worker that appends and
//! exports and for anyone who verifies.
//!
//! The chain binds each event to all before it, `h_n = BLAKE3("sealdrop audit v1" || 0x00 ||
//! u64be(n) || h_(n-1) || e_n)` from `h_0 =` [`GENESIS`]; a checkpoint is an Ed25519 signature
//! over a head `(seq, h_seq)` and a time. An export is a description line, event lines and
//! checkpoint lines; [`verify_export`] checks one against a pinned public key and either says what
//! it proved ([`Report`]) or names the first line that breaks ([`VerifyError`]).
//!
//! No I/O, no clock, no threads: the worker builds this module for wasm32 and the native CLI
//! reuses it, so the writers here produce exactly what the verifier reads.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

mod error;
mod export;
mod read;
mod report;
mod verify;

pub use error::VerifyError;
pub use export::{checkpoint_line, event_line, header_line, ExportHeader};
pub use report::{describe_duration, Report};
pub use verify::{verify_export, ExportVerifier};

/// The chain's domain string and its 0x00 separator, so that no other BLAKE3 input of sealdrop
/// can be mistaken for a link.
const CHAIN_DOMAIN: &[u8] = b"sealdrop audit v1\0";
/// The same for the bytes a checkpoint signs.
const CHECKPOINT_DOMAIN: &[u8] = b"sealdrop audit checkpoint v1\0";

/// T of architecture.md: a checkpoint is signed at least this often, even when nothing happens
/// (the worker's cron in wrangler.toml runs every 10 minutes).
pub const CHECKPOINT_INTERVAL_MINUTES: u64 = 10;
/// How much older than an export (or than now) its newest checkpoint may be before the tail
/// counts as cut: T, and 5 minutes for a scheduled run that starts late.
pub const MAX_CHECKPOINT_AGE_MS: u64 = (CHECKPOINT_INTERVAL_MINUTES + 5) * 60 * 1000;

/// `h_0`: the hash "before" the first event, 32 zero bytes.
pub const GENESIS: [u8; 32] = [0; 32];

/// `h_n = BLAKE3("sealdrop audit v1" || 0x00 || u64be(n) || prev || event)`, where `event` is the
/// event's JSON text exactly as stored (its UTF-8 bytes) and `prev` is `h_(n-1)`.
pub fn chain_hash(n: u64, prev: &[u8; 32], event: &[u8]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(CHAIN_DOMAIN);
    hasher.update(&n.to_be_bytes());
    hasher.update(prev);
    hasher.update(event);
    *hasher.finalize().as_bytes()
}

/// The head of the chain after `seq` events.
///
/// Invariant: `hash` is `h_seq` (so [`Head::GENESIS`] for an empty log). The worker rebuilds a
/// head from its stored row; [`Head::append`] is the only step from one head to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub hash: [u8; 32],
}

impl Head {
    /// The empty log: seq 0, hash [`GENESIS`].
    pub const GENESIS: Head = Head {
        seq: 0,
        hash: GENESIS,
    };

    /// The head after appending `event` (its JSON text, hashed as UTF-8) as event `seq + 1`.
    pub fn append(&self, event: &str) -> Head {
        // 2^64 events cannot happen; wrapping to seq 0 would silently restart the chain.
        let seq = self.seq.checked_add(1).expect("the access log is full");
        Head {
            seq,
            hash: chain_hash(seq, &self.hash, event.as_bytes()),
        }
    }
}

/// `"sealdrop audit checkpoint v1" || 0x00 || u64be(seq) || h_seq || u64be(time_ms)`: the exact
/// bytes a checkpoint signs.
pub fn checkpoint_message(seq: u64, hash: &[u8; 32], time_ms: u64) -> Vec<u8> {
    let mut m = Vec::with_capacity(CHECKPOINT_DOMAIN.len() + 8 + 32 + 8);
    m.extend_from_slice(CHECKPOINT_DOMAIN);
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(hash);
    m.extend_from_slice(&time_ms.to_be_bytes());
    m
}

/// The Ed25519 signature of [`checkpoint_message`] under the 32-byte secret key (RFC 8032 seed).
/// Deterministic: the same checkpoint always gets the same signature.
pub fn sign_checkpoint(secret: &[u8; 32], seq: u64, hash: &[u8; 32], time_ms: u64) -> [u8; 64] {
    let key = SigningKey::from_bytes(secret);
    key.sign(&checkpoint_message(seq, hash, time_ms)).to_bytes()
}

/// Whether `sig` is a valid signature of the checkpoint under `public`. Strict (RFC 8032 with
/// canonical encodings, no small-order points): a weak key is refused, and a valid signature
/// cannot be altered into another valid one.
pub fn verify_checkpoint(
    public: &[u8; 32],
    seq: u64,
    hash: &[u8; 32],
    time_ms: u64,
    sig: &[u8; 64],
) -> bool {
    match pinned_key(public) {
        Some(key) => verify_with(&key, seq, hash, time_ms, sig),
        None => false,
    }
}

/// The public key of a checkpoint signing secret: what the console shows for pinning.
pub fn checkpoint_public_key(secret: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(secret).verifying_key().to_bytes()
}

fn pinned_key(public: &[u8; 32]) -> Option<VerifyingKey> {
    // A small-order key verifies forged signatures under the lax rules and nothing under the
    // strict ones: either way it pins nothing.
    VerifyingKey::from_bytes(public)
        .ok()
        .filter(|k| !k.is_weak())
}

fn verify_with(
    key: &VerifyingKey,
    seq: u64,
    hash: &[u8; 32],
    time_ms: u64,
    sig: &[u8; 64],
) -> bool {
    key.verify_strict(
        &checkpoint_message(seq, hash, time_ms),
        &Signature::from_bytes(sig),
    )
    .is_ok()
}

/// A signed head: the chain was at `hash` after `seq` events at `time_ms` (milliseconds since the
/// Unix epoch).
///
/// Invariant: none by construction, since a checkpoint read from an export is only a claim;
/// [`Checkpoint::verify`] says whether `sig` holds under a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: u64,
    pub hash: [u8; 32],
    pub time_ms: u64,
    pub sig: [u8; 64],
}

impl Checkpoint {
    /// Signs `head` as of `time_ms`.
    pub fn sign(secret: &[u8; 32], head: &Head, time_ms: u64) -> Checkpoint {
        Checkpoint {
            seq: head.seq,
            hash: head.hash,
            time_ms,
            sig: sign_checkpoint(secret, head.seq, &head.hash, time_ms),
        }
    }

    /// Whether the signature holds under `public` ([`verify_checkpoint`]).
    pub fn verify(&self, public: &[u8; 32]) -> bool {
        verify_checkpoint(public, self.seq, &self.hash, self.time_ms, &self.sig)
    }
}

#[cfg(test)]
mod tests;
