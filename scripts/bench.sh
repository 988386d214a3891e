#!/usr/bin/env bash
# The benchmarks: native core vs OpenSSL; the browser engine vs WebCrypto, libsodium and RFC 8188
# in headless Chromium; a 1 GiB transfer through the pages, and one through the command line, on a
# fresh local stack beside curl;
# and the access log (appends, pages, filters, verification, export) with 100,000 events on
# another. Prints tables; asserts nothing about speed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
MIB=${1:-256}

ensure_stack_tools
ensure_chromium

say "native: sealdrop-core, $MIB MiB"
cargo run --release --locked -q -p sealdrop-core --example bench "$MIB"
say "native: the command line's sealing (ring AES-GCM, BLAKE3 beside it), $MIB MiB"
cargo bench --locked -q -p sealdrop-cli --bench seal -- "$MIB"
say "native: openssl speed -evp aes-256-gcm (1 MiB blocks, one core)"
openssl speed -elapsed -seconds 3 -bytes 1048576 -evp aes-256-gcm 2>/dev/null | tail -1 \
  | awk '{ printf "OpenSSL AES-256-GCM: %.0f MB/s\n", $2 / 1000 }'

say "native: the access-log verifier on 100,000 events"
cargo bench --locked -q -p sealdrop-cli --bench verify

say "browser: building the module"
build_wasm_pkg bench/pkg
say "browser: headless Chromium, $MIB MiB"
node bench/run-browser.mjs --mib "$MIB"

say "pages: building the local stack"
build_stack
say "pages: 1 GiB through the share and download pages, beside curl"
node bench/transfer.mjs --mib 1024

say "command line: 1 GiB sent and fetched on a fresh local stack, beside curl"
node bench/cli-transfer.mjs --mib 1024

say "access log: appends, then 100,000 events on a fresh local stack"
node bench/log.mjs
