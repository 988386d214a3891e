//! Writes `tests/vectors/format-v1.json`. Run once, from the workspace root:
//!
//!     cargo run -p sealdrop-core --features test-params --example gen-vectors > tests/vectors/format-v1.json
//!
//! The file is then frozen: tests only read it. The generator is deterministic, so running it
//! again must give the same bytes (a test checks that).

fn main() {
    let file = sealdrop_core::vectors::generate();
    println!(
        "{}",
        serde_json::to_string_pretty(&file).expect("vectors serialise")
    );
}
