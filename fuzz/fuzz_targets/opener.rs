//! The streaming opener on damaged payloads. The input picks a plaintext, how to damage its
//! sealed payload (bit flips, a cut, inserted bytes) and how to slice the pushes. Oracle: an
//! undamaged payload opens to its plaintext; a damaged one is refused, and what was released
//! before the refusal is a prefix of the plaintext made of whole chunks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealdrop_core::stream::{Opener, Sealer};
use sealdrop_core::{FileSecret, Key32};

const LOG2: u8 = 16;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (ctl, rest) = data.split_at(8);
    let fs = FileSecret(Key32::from_bytes([3; 32]));
    // Plaintext: the rest of the input repeated up to a length the control bytes pick (up to
    // three chunks), so small inputs still reach multi-chunk payloads.
    let len = (u32::from_le_bytes([ctl[0], ctl[1], ctl[2], 0]) as usize) % (3 << LOG2 as usize);
    let plaintext: Vec<u8> = if rest.is_empty() { vec![0; len] } else { rest.iter().copied().cycle().take(len).collect() };
    let mut sealer = Sealer::with_salt(&fs, [9; 16], LOG2).unwrap();
    let header = *sealer.header();
    let mut payload = Vec::new();
    sealer.push(&plaintext, &mut payload).unwrap();
    sealer.finish(&mut payload).unwrap();
    let original = payload.clone();

    let at = u32::from_le_bytes([ctl[3], ctl[4], ctl[5], 0]) as usize;
    match ctl[6] % 4 {
        0 => {}
        1 => payload[at % original.len()] ^= 1 << (ctl[7] % 8),
        2 => payload.truncate(at % original.len()),
        _ => payload.insert(at % (original.len() + 1), ctl[7]),
    }
    let step = 1 + (usize::from(ctl[7]) << 9);

    let mut released = Vec::new();
    let result = (|| {
        let mut opener = Opener::new(&fs, &header)?;
        for piece in payload.chunks(step) {
            opener.push(piece, &mut released)?;
        }
        opener.finish(&mut released)
    })();
    if payload == original {
        assert!(result.is_ok() && released == plaintext);
    } else {
        assert!(result.is_err(), "a damaged payload was accepted");
        assert!(plaintext.starts_with(&released) && released.len() % (1 << LOG2) == 0);
    }
});
