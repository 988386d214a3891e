#!/usr/bin/env bash
# Runs sealdrop on this machine: installs what is missing, builds the browser module and the
# worker, applies the D1 migrations, and starts the local stack (wrangler dev: workerd with
# local R2 and D1 under .wrangler/state) at http://127.0.0.1:8787. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_stack_tools
build_stack

say "applying the database migrations"
wrangler d1 migrations apply sealdrop --local >/dev/null

# The worker's secrets for this machine's local stack, made once: the pepper of login-key hashes
# and the Ed25519 key that signs the access log's checkpoints.
for secret in SEALDROP_PEPPER SEALDROP_AUDIT_KEY; do
  if ! grep -qs "^$secret=" .dev.vars; then
    say "making the local stack's $secret (.dev.vars)"
    echo "$secret=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')" >> .dev.vars
  fi
done

url=http://127.0.0.1:8787
say "starting the local stack"
# --test-scheduled: GET /__scheduled?cron=*/10+*+*+*+* runs the scheduled work (the purge, the
# access log's checkpoint and retention) by hand.
wrangler dev --ip 127.0.0.1 --port 8787 --show-interactive-dev-session=false --test-scheduled &
stack=$!
# wrangler dev does not fire crons by itself: this stands in for wrangler.toml's "*/10 * * * *",
# so that the local log gets its checkpoints every 10 minutes, as a deployment's does.
( while sleep 600; do curl -fsS "$url/__scheduled?cron=*/10+*+*+*+*" >/dev/null 2>&1 || true; done ) &
cron=$!
trap 'kill $stack $cron 2>/dev/null; wait $stack 2>/dev/null' INT TERM EXIT
until curl -fsS "$url/api/limits" >/dev/null 2>&1; do
  kill -0 $stack 2>/dev/null || { echo "wrangler dev stopped; see its output above." >&2; exit 1; }
  sleep 0.5
done
curl -fsS "$url/__scheduled?cron=*/10+*+*+*+*" >/dev/null 2>&1 || true
printf '\n  sealdrop is running at %s\n  Sign in there; Ctrl-C stops it.\n' "$url"
node scripts/setup-link.mjs --base "$url"
wait $stack
