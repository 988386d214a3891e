//! Payload and upload-part geometry (format-v1.md, Payload and the container/part rule).

use sealdrop_core::header::DEFAULT_LOG2_CHUNK;
use sealdrop_core::layout::{PartLayout, PayloadLayout, MIN_PART_LEN};
use sealdrop_core::Error;

#[test]
fn parts_are_the_fewest_whole_chunks_reaching_5_mib() {
    for log2 in 16u8..=24 {
        let slot = (1u64 << log2) + 16;
        let parts = PartLayout::minimal(log2);
        let k = parts.chunks_per_part();
        assert!(
            k * slot >= MIN_PART_LEN && (k - 1) * slot < MIN_PART_LEN,
            "log2 {log2}: k = {k}"
        );
        assert_eq!(parts.part_len(), k * slot);
        assert!(PartLayout::with_chunks_per_part(log2, k - 1).is_none());
        assert!(PartLayout::with_chunks_per_part(log2, u64::MAX).is_none());
        assert!(PartLayout::with_chunks_per_part(log2, (5 << 30) / slot + 1).is_none());
        assert_eq!(
            PartLayout::with_chunks_per_part(log2, k + 3)
                .unwrap()
                .chunks_per_part(),
            k + 3
        );
    }
    let default = PartLayout::minimal(DEFAULT_LOG2_CHUNK);
    assert_eq!(
        (default.chunks_per_part(), default.part_len()),
        (10, 5_243_040)
    );
}

#[test]
fn parts_cover_the_payload_exactly() {
    let parts = PartLayout::minimal(16);
    let payload = PayloadLayout::for_plaintext(16, 12_345_678).unwrap();
    let n = parts.part_count(payload.payload_len());
    let mut next = 0;
    for i in 0..n {
        let r = parts.part_range(payload.payload_len(), i);
        assert_eq!(r.start, next);
        assert!(i + 1 == n || r.end - r.start == parts.part_len());
        next = r.end;
    }
    assert_eq!(next, payload.payload_len());
    assert_eq!(parts.part_count(17), 1);
}

#[test]
fn chunk_geometry() {
    let empty = PayloadLayout::for_plaintext(16, 0).unwrap();
    assert_eq!(
        (
            empty.chunk_count(),
            empty.payload_len(),
            empty.plaintext_len()
        ),
        (1, 16, 0)
    );
    let l = PayloadLayout::for_plaintext(16, 3 * 65_536 + 5).unwrap();
    assert_eq!(l.chunk_count(), 4);
    assert_eq!(l.payload_len(), 3 * 65_536 + 5 + 4 * 16);
    assert_eq!(l.slot_range(3), 3 * 65_552..3 * 65_552 + 21);
    assert!(l.is_final(3) && !l.is_final(2));
    assert_eq!(l.chunk_of_plaintext_offset(65_536), 1);
    assert_eq!(l.chunk_of_plaintext_offset(u64::MAX), 3);
    let exact = PayloadLayout::for_plaintext(16, 2 * 65_536).unwrap();
    assert_eq!(exact.chunk_count(), 2);
    assert_eq!(PayloadLayout::new(16, 0), Err(Error::Truncated));
    assert_eq!(
        PayloadLayout::new(16, 65_552 + 15),
        Err(Error::TamperedChunk { index: 1 })
    );
    assert_eq!(PayloadLayout::new(15, 100), Err(Error::BadChunkSize));
    assert_eq!(
        PayloadLayout::for_plaintext(16, u64::MAX),
        Err(Error::TooLarge)
    );
    assert!(PayloadLayout::new(16, u64::MAX).unwrap().chunk_count() > 0);
}
