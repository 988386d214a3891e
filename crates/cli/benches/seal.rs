//! Native sealing throughput: AES-256-GCM alone (ring, the default chunk), BLAKE3 alone, and the whole
//! (the core's sealer over ring: AES-GCM and the content id over the same bytes), with the core's
//! pure-Rust engine beside it. Prints MB/s, best of 3; `scripts/bench.sh` prints
//! `openssl speed -evp aes-256-gcm` on the same core to compare. Figures only, never a pass or
//! fail.
//!
//! `cargo bench -p sealdrop-cli --bench seal -- [MiB]`. Without `--bench` (as under `cargo test
//! --all-targets`) it seals 1 MiB once and prints nothing timed.

use std::time::Instant;

use sealdrop_cli::engine::RingAead;
use sealdrop_cli::sealing::SealAndHash;
use sealdrop_core::aead::{ChunkAead, SoftAead};
use sealdrop_core::header::DEFAULT_LOG2_CHUNK;
use sealdrop_core::stream::Sealer;
use sealdrop_core::{FileKeys, FileSecret, Header, Key32};

fn best_of<F: FnMut()>(runs: usize, mut f: F) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Pushes `data` a MiB at a time; as `send` does, each part's bytes go out and the buffer is used
/// again. Returns the buffer, for the last chunk.
fn pushed(data: &[u8], mut push: impl FnMut(&[u8], &mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 << 20);
    for piece in data.chunks(1 << 20) {
        push(piece, &mut out);
        out.clear();
    }
    out
}

fn main() {
    let timed = std::env::args().any(|a| a == "--bench");
    let mib: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(256);
    let mib = if timed { mib } else { 1 };
    let data: Vec<u8> = (0..mib << 20).map(|i| (i * 31 + 7) as u8).collect();
    let fs = FileSecret(Key32::from_bytes([9; 32]));
    let salt = [4u8; 16];
    let keys = FileKeys::derive(&fs, &salt);
    let header = Header::new(DEFAULT_LOG2_CHUNK, salt, &keys).unwrap();
    let chunk = 1usize << DEFAULT_LOG2_CHUNK;
    let seal_all = |aead: &dyn ChunkAead| {
        for (i, piece) in data.chunks(chunk).enumerate() {
            let mut nonce = [0u8; 12];
            nonce[..8].copy_from_slice(&(i as u64).to_be_bytes());
            std::hint::black_box(aead.seal(&nonce, b"", piece.to_vec()));
        }
    };
    let ring = RingAead::new(&keys.payload_key);
    let whole_ring = || {
        let mut s = Sealer::with_aead(&header, RingAead::new(&keys.payload_key));
        let mut out = pushed(&data, |piece, out| s.push(piece, out).unwrap());
        std::hint::black_box(s.finish(&mut out).unwrap());
    };
    let whole_threads = || {
        let mut s = SealAndHash::new(&header, RingAead::new(&keys.payload_key));
        let mut out = pushed(&data, |piece, out| s.push(piece, out).unwrap());
        std::hint::black_box(s.finish(&mut out).unwrap());
    };
    let whole_soft = || {
        let mut s = Sealer::with_aead(&header, SoftAead::new(&keys.payload_key));
        let mut out = pushed(&data, |piece, out| s.push(piece, out).unwrap());
        std::hint::black_box(s.finish(&mut out).unwrap());
    };
    if !timed {
        seal_all(&ring);
        whole_ring();
        whole_threads();
        return;
    }
    let mb = data.len() as f64 / 1e6;
    let aes = best_of(3, || seal_all(&ring));
    let hash = best_of(3, || {
        std::hint::black_box(blake3::hash(&data));
    });
    let ring_whole = best_of(3, whole_ring);
    let threads_whole = best_of(3, whole_threads);
    let soft_whole = best_of(1, whole_soft);
    println!(
        "native sealing of {mib} MiB, {} KiB chunks (best of 3)",
        chunk / 1024
    );
    let rows = [
        ("AES-256-GCM alone (ring)", aes),
        ("BLAKE3 alone", hash),
        ("seal + content id, one thread (core over ring)", ring_whole),
        (
            "seal + content id, BLAKE3 on a thread of its own (send)",
            threads_whole,
        ),
        ("seal + content id, one thread (core's aes-gcm)", soft_whole),
    ];
    for (what, seconds) in rows {
        println!("  {what:<58} {:>7.0} MB/s", mb / seconds);
    }
}
