#!/usr/bin/env bash
# Load test of an authenticated API read: GET /api/v1/me with an API key, 64 connections, 10 s,
# on SQLite and on PostgreSQL, beside the bare-axum ceiling from ../shared/bench/ceiling when present.
#
#   bash bench/api-read.sh            # both backends
#   BACKENDS=sqlite bash bench/api-read.sh
#
# Needs wrk (apt-get install wrk) and, for PostgreSQL, a server at $PG_ADMIN_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PORT=${PORT:-18181}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -p playgram -q
bin=target/release/playgram
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# wrk --latency prints "50%  123.00us"; normalise to milliseconds.
to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms/,"",v) } else if (v ~ /s$/) { sub(/s/,"",v); v=v*1000 } printf "%.2f", v }'; }

report() { # name, wrk output file
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$2")
  p50=$(awk '$1=="50%" {print $2}' "$2" | to_ms)
  p99=$(awk '$1=="99%" {print $2}' "$2" | to_ms)
  printf '%-22s %12s req/s   p50 %6s ms   p99 %6s ms\n' "$1" "$rps" "$p50" "$p99" | tee -a "$work/summary"
}

for backend in $BACKENDS; do
  data="$work/$backend"
  mkdir -p "$data"
  env_db=()
  if [ "$backend" = postgres ]; then
    db="playgram_bench_$$"
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db" -qc "CREATE DATABASE $db"
    env_db=(DATABASE_URL="${PG_ADMIN_URL%/*}/$db")
  fi
  env "${env_db[@]}" PLAYGRAM_DATA_DIR="$data" PLAYGRAM_BIND="127.0.0.1:$PORT" "$bin" serve >"$data/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
  base="http://127.0.0.1:$PORT/api/v1"
  curl -sf -c "$data/cookies" -H 'content-type: application/json' "$base/auth/signup" \
    -d '{"email":"bench@example.com","password":"bench-password","name":"Bench","workspace_name":"Bench"}' >/dev/null
  key=$(curl -sf -b "$data/cookies" -H 'content-type: application/json' -H "origin: http://127.0.0.1:$PORT" "$base/api-keys" \
    -d '{"name":"bench","scopes":["workspace:read"]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["secret"])')
  curl -sf -H "authorization: Bearer $key" "$base/me" >/dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $key" "$base/me" >"$work/wrk-$backend.txt"
  report "playgram ($backend)" "$work/wrk-$backend.txt"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  [ "$backend" = postgres ] && psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
done

ceiling=../shared/bench/ceiling
if [ -d "$ceiling" ] && [ -z "${SKIP_CEILING:-}" ]; then
  # shared/ is read-only and the ceiling has no lock file: build a scratch copy.
  cp -r "$ceiling" "$work/ceiling"
  (cd "$work/ceiling" && cargo build --release -q --target-dir "$OLDPWD/target/ceiling")
  # Its only route is a POST webhook; a GET gets axum's bare 404, which is the HTTP ceiling we want.
  target/ceiling/release/ceiling 8089 bench-secret >/dev/null 2>&1 &
  server=$!
  sleep 0.5
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:8089/" >"$work/wrk-ceiling.txt" || true
  report "bare axum ceiling" "$work/wrk-ceiling.txt"
fi

echo
echo "Summary ($CONNECTIONS connections, $DURATION, $(nproc) cores):"
cat "$work/summary"
