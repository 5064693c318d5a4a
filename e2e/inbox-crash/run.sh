#!/usr/bin/env bash
# Crash test of the inbox: signed WhatsApp webhooks at 32 connections while the server is killed
# with SIGKILL (twice), restarted, and left to parse. Every webhook that was answered 200 must end
# up as exactly one message; none twice (Meta's retries of the unanswered ones are sent again).
#
#   PLAYGRAM_BIN=target/debug/playgram bash e2e/inbox-crash/run.sh      # SQLite
#   DATABASE_URL=postgres://… PLAYGRAM_BIN=… bash e2e/inbox-crash/run.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$(dirname "$here")")"
bin="${PLAYGRAM_BIN:-$repo/target/release/playgram}"
[ -x "$bin" ] || { echo "inbox crash test: no server binary at $bin" >&2; exit 2; }

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
data="$(mktemp -d)"
export PLAYGRAM_DATA_DIR="$data" PLAYGRAM_SIGNUP_OPEN=true PLAYGRAM_LOG=warn
url="http://127.0.0.1:$port"
server=""
start() {
  "$bin" serve --bind "127.0.0.1:$port" >>"$data/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 150); do
    curl -fsS "$url/readyz" >/dev/null 2>&1 && return
    kill -0 "$server" 2>/dev/null || { echo "the server exited:" >&2; tail -30 "$data/server.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "the server did not become ready" >&2; exit 1
}
cleanup() {
  # The driver restarts the server; the pid file names the one running now.
  kill "$(cat "$data/pid" 2>/dev/null || echo "$server")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

start
echo "$server" >"$data/pid"
# The driver kills the server (through the pid file) and calls the restart hook itself.
PLAYGRAM_URL="$url" PID_FILE="$data/pid" RESTART="$here/restart.sh" BIN="$bin" PORT="$port" LOG="$data/server.log" \
  python3 "$here/crash.py" || { echo "server log:" >&2; tail -40 "$data/server.log" >&2; exit 1; }
