#!/usr/bin/env bash
# Every test of the project: formatting and lints (Rust and JavaScript), native tests (vectors,
# properties, HPKE, the bench's RFC 8188 encoder), and the browser module's tests in headless
# Chromium. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_rust
ensure_wasm_bindgen
ensure_chromium
ensure_npm

say "formatting and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p sealdrop-wasm --all-targets --locked --target wasm32-unknown-unknown -- -D warnings
# The core alone builds for wasm32 too (the worker will use it there).
cargo clippy -p sealdrop-core --lib --locked --target wasm32-unknown-unknown -- -D warnings
npm run --silent lint

say "native tests"
cargo test --workspace --exclude sealdrop-wasm --locked
node --test bench/

say "browser tests (headless Chromium)"
cargo test -p sealdrop-wasm --locked --target wasm32-unknown-unknown --tests
