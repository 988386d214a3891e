//! Native seal and open throughput of the core (the aes-gcm crate with AES-NI and CLMUL where
//! the CPU has them), printed as a Markdown table. Run through `scripts/bench.sh`:
//!
//!     cargo run --release -p sealdrop-core --example bench [MiB]

use std::time::Instant;

use sealdrop_core::stream::{Opener, Sealer};
use sealdrop_core::{FileSecret, Key32};

fn main() {
    let mib: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(256);
    let total = mib << 20;
    // One 8 MiB block of noise pushed over and over: the engines see 256 MiB, memory does not.
    let block: Vec<u8> = (0..8usize << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    println!("| log2_chunk | seal + content id MB/s | open + content id MB/s |");
    println!("|---|---|---|");
    for log2 in [16u8, 18, 19, 20, 22] {
        let fs = FileSecret(Key32::from_bytes([7; 32]));
        let mut sealer = Sealer::new(&fs, log2).unwrap();
        let header = *sealer.header();
        let mut payload = Vec::with_capacity(total + (total >> log2) * 16 + 64);
        let start = Instant::now();
        for _ in 0..total / block.len() {
            sealer.push(&block, &mut payload).unwrap();
        }
        let sealed_id = sealer.finish(&mut payload).unwrap();
        let seal = start.elapsed().as_secs_f64();

        let mut opener = Opener::new(&fs, &header).unwrap();
        let mut out = Vec::with_capacity(block.len() + (1 << log2));
        let start = Instant::now();
        for piece in payload.chunks(8 << 20) {
            opener.push(piece, &mut out).unwrap();
            out.clear();
        }
        let opened_id = opener.finish(&mut out).unwrap();
        let open = start.elapsed().as_secs_f64();
        assert_eq!(sealed_id, opened_id, "content ids differ");
        println!(
            "| {log2} | {:.0} | {:.0} |",
            total as f64 / seal / 1e6,
            total as f64 / open / 1e6
        );
    }
}
