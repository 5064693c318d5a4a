#!/usr/bin/env bash
# Runs the browser test against a real server: starts `playgram serve` (target/release/playgram,
# or $PLAYGRAM_BIN) on a free port with a fresh data directory, waits for /readyz, runs
# e2e/run.mjs, and stops the server. Builds nothing: build the binary first.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
bin="${PLAYGRAM_BIN:-$repo/target/release/playgram}"
[ -x "$bin" ] || { echo "e2e: no server binary at $bin (cargo build --release -p playgram)" >&2; exit 2; }

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
data="$(mktemp -d)"
log="$data/server.log"
url="http://127.0.0.1:$port"

PLAYGRAM_DATA_DIR="$data" PLAYGRAM_PUBLIC_URL="$url" "$bin" serve --bind "127.0.0.1:$port" >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if curl -fsS "$url/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "e2e: the server exited:" >&2; cat "$log" >&2; exit 1; fi
  sleep 0.1
done
curl -fsS "$url/readyz" >/dev/null || { echo "e2e: server not ready" >&2; cat "$log" >&2; exit 1; }

if [ ! -d "$here/node_modules/playwright-core" ]; then
  npm ci --prefix "$here" --no-audit --no-fund
fi
PLAYGRAM_URL="$url" node "$here/run.mjs"
