#!/usr/bin/env bash
# Verifies Playgram's webhook deliveries with the official `standardwebhooks` package from PyPI:
# starts `playgram serve` ($PLAYGRAM_BIN) on a free port with a fresh data directory (webhooks
# may reach 127.0.0.1), installs the package in a virtual environment, and runs verify.py.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$(dirname "$here")")"
bin="${PLAYGRAM_BIN:-$repo/target/release/playgram}"
[ -x "$bin" ] || { echo "webhooks e2e: no server binary at $bin" >&2; exit 2; }

venv="${PLAYGRAM_E2E_VENV:-$repo/target/e2e-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import standardwebhooks' 2>/dev/null || "$venv/bin/pip" install --quiet standardwebhooks

port="$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
data="$(mktemp -d)"
log="$data/server.log"
url="http://127.0.0.1:$port"

PLAYGRAM_DATA_DIR="$data" PLAYGRAM_PUBLIC_URL="$url" PLAYGRAM_SIGNUP_OPEN=true \
  PLAYGRAM_WEBHOOKS_ALLOW_NETWORKS=127.0.0.1/32 "$bin" serve --bind "127.0.0.1:$port" >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if curl -fsS "$url/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "webhooks e2e: the server exited:" >&2; cat "$log" >&2; exit 1; fi
  sleep 0.1
done
PLAYGRAM_URL="$url" "$venv/bin/python" "$here/verify.py" || { echo "server log:" >&2; tail -50 "$log" >&2; exit 1; }
