# Shared by scripts/run.sh, scripts/test.sh and scripts/bench.sh: installs what this machine
# lacks, each step idempotent and quick when nothing is missing. Sourced, not run.

export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export PATH="$HOME/.cargo/bin:$PATH"
export NO_UPDATE_NOTIFIER=1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_rust() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown \
    || { say "adding the wasm32-unknown-unknown target"; rustup target add wasm32-unknown-unknown; }
  rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
  rustup component list --installed | grep -q '^clippy' || rustup component add clippy
}

# wasm-bindgen-cli must be exactly the wasm-bindgen of Cargo.lock.
ensure_wasm_bindgen() {
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want" ]; then
    say "installing wasm-bindgen-cli $want (about 2 minutes)"
    # Not --locked: its lock file names a webpki-roots release the registry no longer serves.
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    say "installing Debian's chromium and chromium-driver"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

# The other two engines of the end-to-end suites (tests/engines): Firefox, and WebKitGTK's
# MiniBrowser with its WebDriver, under Xvfb (MiniBrowser has no headless mode).
ensure_engines() {
  if [ ! -x /usr/bin/firefox-esr ] || [ ! -x /usr/bin/WebKitWebDriver ] || [ ! -x /usr/bin/xvfb-run ]; then
    say "installing Debian's firefox-esr, webkit2gtk-driver and xvfb"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq firefox-esr webkit2gtk-driver xvfb >/dev/null
  fi
}

# ClamAV's scanner, for the command line's --exec test. Its package pulls in freshclam, whose
# daemon must not start (no signature download is possible here, and the test brings its own
# one-line database): a policy-rc.d that refuses every service start covers the install.
ensure_clamav() {
  if [ ! -x /usr/bin/clamscan ]; then
    say "installing Debian's clamav (scanner only; freshclam is not started)"
    as_root apt-get update -qq
    local policy=/usr/sbin/policy-rc.d
    local had_policy=0
    [ -e "$policy" ] && had_policy=1
    [ "$had_policy" = 1 ] || printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod +x "$policy"
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends clamav >/dev/null
    [ "$had_policy" = 1 ] || as_root rm -f "$policy"
    as_root pkill -x freshclam 2>/dev/null || true
  fi
}

ensure_npm() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

# Builds the browser module into $1 (an ES module for pages and Web Workers).
build_wasm_pkg() {
  local out=$1
  cargo build --release -p sealdrop-wasm --target wasm32-unknown-unknown
  wasm-bindgen --target web --out-dir "$out" target/wasm32-unknown-unknown/release/sealdrop_wasm.wasm
}

# worker-build packs the Rust worker for workerd. It fetches wasm-bindgen and wasm-opt from
# hosts this machine cannot reach, so it is handed the installed wasm-bindgen and skips wasm-opt.
ensure_worker_build() {
  local want=0.8.7
  if [ "$(worker-build --version 2>/dev/null)" != "$want" ]; then
    say "installing worker-build $want (about 3 minutes)"
    cargo install worker-build --version "$want" --locked
  fi
}

# Builds the worker into worker/build/ (wrangler.toml's main).
build_worker() {
  (cd worker && WASM_BINDGEN_BIN="$(command -v wasm-bindgen)" worker-build --release --no-opt)
}

# What building and running the local stack needs; each step is quick when nothing is missing.
ensure_stack_tools() {
  ensure_rust
  ensure_wasm_bindgen
  ensure_worker_build
  ensure_npm
}

# Everything the local stack serves: the browser module into web/pkg and the worker.
build_stack() {
  say "building the browser module"
  build_wasm_pkg web/pkg
  say "building the worker"
  build_worker
}

wrangler() { node_modules/.bin/wrangler "$@"; }
