//! Property tests of the payload stream: round trips under any slicing, and refusal of every
//! kind of damage with the right error and no plaintext of the bad chunk released.
//! Case counts add up to 10,000 (plus the exhaustive bit-flip loops).

use proptest::prelude::*;

use sealdrop_core::stream::{Opener, Sealer};
use sealdrop_core::{Error, FileSecret, Key32};

const TAG: usize = 16;

struct Sealed {
    fs: FileSecret,
    log2: u8,
    plaintext: Vec<u8>,
    header: [u8; 56],
    payload: Vec<u8>,
}

impl Sealed {
    fn new(seed: u8, log2: u8, len: usize) -> Self {
        let fs = FileSecret(Key32::from_bytes([seed; 32]));
        let plaintext: Vec<u8> = (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect();
        let mut sealer = Sealer::with_salt(&fs, [seed ^ 0x5a; 16], log2).unwrap();
        let header = *sealer.header();
        let mut payload = Vec::new();
        sealer.push(&plaintext, &mut payload).unwrap();
        sealer.finish(&mut payload).unwrap();
        Sealed {
            fs,
            log2,
            plaintext,
            header,
            payload,
        }
    }

    fn slot(&self) -> usize {
        (1 << self.log2) + TAG
    }

    fn chunks(&self) -> Vec<Vec<u8>> {
        self.payload
            .chunks(self.slot())
            .map(<[u8]>::to_vec)
            .collect()
    }
}

/// Opens with pushes cycling through `steps`; returns the result and what was released.
fn open_sliced(
    fs: &FileSecret,
    header: &[u8],
    payload: &[u8],
    steps: &[usize],
) -> (Result<Vec<u8>, Error>, Vec<u8>) {
    let mut out = Vec::new();
    let result = (|| {
        let mut opener = Opener::new(fs, header)?;
        let mut rest = payload;
        let mut k = 0;
        while !rest.is_empty() {
            let n = steps[k % steps.len()].clamp(1, rest.len());
            opener.push(&rest[..n], &mut out)?;
            rest = &rest[n..];
            k += 1;
        }
        opener.finish(&mut out)?;
        Ok(out.clone())
    })();
    (result, out)
}

/// The damage was refused with `want`, and only a prefix of whole good chunks was released.
fn assert_refused(s: &Sealed, header: &[u8], payload: &[u8], steps: &[usize], want: Error) {
    let (result, released) = open_sliced(&s.fs, header, payload, steps);
    assert_eq!(result.map(|_| ()), Err(want.clone()));
    assert!(
        released.len() % (1 << s.log2) == 0,
        "a partial chunk was released"
    );
    assert!(
        s.plaintext.starts_with(&released),
        "released bytes are not the file's"
    );
    if let Error::TamperedChunk { index } = want {
        assert!(
            released.len() as u64 <= index << s.log2,
            "plaintext of the bad chunk was released"
        );
    }
}

fn file() -> impl Strategy<Value = (u8, u8, usize)> {
    (any::<u8>(), 16u8..=20).prop_flat_map(|(seed, log2)| {
        let c = 1usize << log2;
        let len = prop_oneof![
            Just(0usize),
            1usize..64,
            (0usize..=4).prop_flat_map(move |k| (k * c).saturating_sub(2)..=(k * c + 2)),
            0usize..=(4 * c + 100),
        ];
        (Just(seed), Just(log2), len)
    })
}

fn steps() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![1usize..64, 1usize..70_000, 60_000usize..2_000_000],
        1..6,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2500, ..ProptestConfig::default() })]

    #[test]
    fn round_trips_under_any_slicing((seed, log2, len) in file(), seal_steps in steps(), open_steps in steps()) {
        let reference = Sealed::new(seed, log2, len);
        // Sealing with other push sizes gives the same bytes.
        let mut sealer = Sealer::with_salt(&reference.fs, [seed ^ 0x5a; 16], log2).unwrap();
        let mut payload = Vec::new();
        let mut rest = &reference.plaintext[..];
        let mut k = 0;
        while !rest.is_empty() {
            let n = seal_steps[k % seal_steps.len()].min(rest.len());
            sealer.push(&rest[..n], &mut payload).unwrap();
            rest = &rest[n..];
            k += 1;
        }
        sealer.finish(&mut payload).unwrap();
        prop_assert!(payload == reference.payload);
        let chunks = len.div_ceil(1 << log2).max(1);
        prop_assert_eq!(payload.len(), len + chunks * TAG);
        let (opened, _) = open_sliced(&reference.fs, &reference.header, &payload, &open_steps);
        prop_assert!(opened.unwrap() == reference.plaintext);
    }

    #[test]
    fn a_flipped_payload_bit_is_refused((seed, log2, len) in file(), bit in any::<prop::sample::Index>(), steps in steps()) {
        let s = Sealed::new(seed, log2, len);
        let at = bit.index(s.payload.len() * 8);
        let mut payload = s.payload.clone();
        payload[at / 8] ^= 1 << (at % 8);
        let index = (at / 8 / s.slot()) as u64;
        assert_refused(&s, &s.header, &payload, &steps, Error::TamperedChunk { index });
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn every_truncation_is_refused((seed, log2, len) in file(), cut in any::<prop::sample::Index>(), steps in steps()) {
        let s = Sealed::new(seed, log2, len);
        let keep = cut.index(s.payload.len());
        let want = if keep == 0 || keep % s.slot() == 0 {
            Error::Truncated
        } else {
            Error::TamperedChunk { index: (keep / s.slot()) as u64 }
        };
        assert_refused(&s, &s.header, &s.payload[..keep], &steps, want);
    }

    #[test]
    fn a_flipped_header_bit_is_refused((seed, log2, len) in file(), bit in 0usize..56 * 8) {
        let s = Sealed::new(seed, log2, len);
        let mut header = s.header;
        header[bit / 8] ^= 1 << (bit % 8);
        let want = match bit / 8 {
            0..=3 => Error::BadMagic,
            4 => Error::BadVersion,
            5 if !(16..=24).contains(&header[5]) => Error::BadChunkSize,
            // Another valid chunk size: the header is the chunks' AAD.
            5 => Error::TamperedChunk { index: 0 },
            6 | 7 => Error::BadFlags,
            _ => Error::WrongKey,
        };
        let (result, released) = open_sliced(&s.fs, &header, &s.payload, &[65_536]);
        prop_assert_eq!(result.map(|_| ()), Err(want));
        prop_assert!(released.is_empty());
    }
}

#[derive(Debug, Clone, Copy)]
enum Damage {
    Drop,
    Duplicate,
    Swap,
    MoveFromOtherFile,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2500, ..ProptestConfig::default() })]

    #[test]
    fn chunk_drop_duplicate_reorder_and_move_are_refused(
        (seed, log2, len) in file(),
        which in any::<prop::sample::Index>(),
        damage in prop_oneof![Just(Damage::Drop), Just(Damage::Duplicate), Just(Damage::Swap), Just(Damage::MoveFromOtherFile)],
        steps in steps(),
    ) {
        let s = Sealed::new(seed, log2, len);
        let mut chunks = s.chunks();
        let n = chunks.len();
        let i = which.index(n);
        let last_full = chunks[n - 1].len() == s.slot();
        let want = match damage {
            Damage::Drop => {
                if n < 2 {
                    return Ok(());
                }
                chunks.remove(i);
                if i == n - 1 { Error::Truncated } else { Error::TamperedChunk { index: i as u64 } }
            }
            Damage::Duplicate => {
                chunks.insert(i + 1, chunks[i].clone());
                if i == n - 1 && last_full { Error::TrailingData } else if i == n - 1 { Error::TamperedChunk { index: i as u64 } } else { Error::TamperedChunk { index: i as u64 + 1 } }
            }
            Damage::Swap => {
                if n < 2 {
                    return Ok(());
                }
                let i = i.min(n - 2);
                chunks.swap(i, i + 1);
                Error::TamperedChunk { index: i as u64 }
            }
            Damage::MoveFromOtherFile => {
                let other = Sealed::new(seed.wrapping_add(1), log2, len);
                chunks[i] = other.chunks()[i].clone();
                Error::TamperedChunk { index: i as u64 }
            }
        };
        let payload = chunks.concat();
        assert_refused(&s, &s.header, &payload, &steps, want);
    }
}

#[test]
fn every_bit_flip_of_small_files_is_refused() {
    for len in [0usize, 1, 100, 65_536, 65_537] {
        let s = Sealed::new(len as u8, 16, len);
        let bits = if s.payload.len() < 200 {
            0..s.payload.len() * 8
        } else {
            0..0
        };
        for bit in bits {
            let mut payload = s.payload.clone();
            payload[bit / 8] ^= 1 << (bit % 8);
            assert_refused(
                &s,
                &s.header,
                &payload,
                &[7],
                Error::TamperedChunk { index: 0 },
            );
        }
        // Larger ones: every byte of the tags and the chunk boundaries, one bit each.
        for (i, chunk_start) in (0..s.payload.len()).step_by(s.slot()).enumerate() {
            let end = (chunk_start + s.slot()).min(s.payload.len());
            for at in [
                chunk_start,
                chunk_start + 1,
                end.saturating_sub(17),
                end - 16,
                end - 8,
                end - 1,
            ] {
                let at = at.max(chunk_start);
                let mut payload = s.payload.clone();
                payload[at] ^= 0x40;
                assert_refused(
                    &s,
                    &s.header,
                    &payload,
                    &[4096],
                    Error::TamperedChunk { index: i as u64 },
                );
            }
        }
        for bit in 0..56 * 8 {
            let mut header = s.header;
            header[bit / 8] ^= 1 << (bit % 8);
            let (result, released) = open_sliced(&s.fs, &header, &s.payload, &[65_552]);
            assert!(result.is_err(), "header bit {bit} flipped was accepted");
            assert!(released.is_empty());
        }
    }
}
