#!/usr/bin/env bash
# Builds everything there is so far: the core, the browser module (into web/pkg) and the CLI-free
# native crates. The local stack (wrangler dev with R2 and D1) arrives with the share issue;
# until then this prints where the built module is.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_rust
ensure_wasm_bindgen

say "building the workspace"
cargo build --release --workspace --exclude sealdrop-wasm --locked
say "building the browser module"
build_wasm_pkg web/pkg
echo "Built the browser module into web/pkg/ (sealdrop_wasm.js, sealdrop_wasm_bg.wasm)."
echo "There is no local stack yet: 'wrangler dev' on http://127.0.0.1:8787 comes with the share feature."
