#!/usr/bin/env bash
# Every test of the project: formatting and lints (Rust and JavaScript, pages type-checked),
# native tests (vectors, properties, HPKE, the worker's routes and layers, the pages' import
# graph, the bench's RFC 8188 encoder), the browser module's tests in headless Chromium, and the
# end-to-end suites against a fresh local stack (wrangler dev with local R2 and D1) driven
# through real Chromium, Firefox and WebKit. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_stack_tools
ensure_chromium
ensure_engines
ensure_clamav

say "formatting and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p sealdrop-wasm --all-targets --locked --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p sealdrop-core -p sealdrop-worker --lib --locked --target wasm32-unknown-unknown -- -D warnings
build_stack
npm run --silent lint

say "native tests"
cargo test --workspace --exclude sealdrop-wasm --locked
node --test bench/ tests/static/

say "browser tests (headless Chromium)"
cargo test -p sealdrop-wasm --locked --target wasm32-unknown-unknown --tests

say "end-to-end tests (local stack; Chromium, and Firefox and WebKit alongside)"
node tests/run.mjs
