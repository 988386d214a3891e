//! Writes a vector file. Run once, from the workspace root:
//!
//!     cargo run -p sealdrop-core --features test-params --example gen-vectors > tests/vectors/format-v1.json
//!     cargo run -p sealdrop-core --features test-params --example gen-vectors -- account-key > tests/vectors/account-key-v1.json
//!
//! The files are then frozen: tests only read them. The generators are deterministic, so running
//! them again must give the same bytes (a test checks each).

fn main() {
    let json = match std::env::args().nth(1).as_deref() {
        None => serde_json::to_string_pretty(&sealdrop_core::vectors::generate()),
        Some("account-key") => {
            serde_json::to_string_pretty(&sealdrop_core::vectors::generate_account_key())
        }
        Some(other) => panic!("no vector file named {other}: give none, or account-key"),
    };
    println!("{}", json.expect("vectors serialise"));
}
