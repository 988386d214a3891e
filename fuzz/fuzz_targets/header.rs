//! The header parser on arbitrary bytes: never panics, and whatever parses re-encodes to the
//! same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealdrop_core::header::Header;

fuzz_target!(|data: &[u8]| {
    if let Ok(header) = Header::parse(data) {
        assert_eq!(&header.to_bytes()[..], data);
    }
});
