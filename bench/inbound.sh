#!/usr/bin/env bash
# Inbound WhatsApp webhooks: signed deliveries with distinct message ids at 64 connections (wrk and
# a Lua script of pre-signed bodies), on SQLite (synchronous=FULL) and PostgreSQL.
#
# 1. Acknowledged webhooks/s and latency with the API alone (`--role web`): every 200 means the body
#    is committed; the parse jobs wait.
# 2. Messages parsed/s: a worker (`--role worker`) drains what phase 1 stored into contacts,
#    conversations and messages; timed from its start to the last payload parsed.
# 3. Both at once (`--role all`): acks/s while the parser runs beside it.
# Beside the peers when ../shared/bench is present: the Fastify + BullMQ ingest (no fsync) and the
# bare axum handler that only checks the signature.
#
#   bash bench/inbound.sh                     # both backends, release build
#   BACKENDS=sqlite DURATION=2s BIN=target/debug/playgram bash bench/inbound.sh   # a smoke run
#
# Needs wrk and sqlite3 (installed with apt-get when missing), python3, and for PostgreSQL a server
# at $PG_ADMIN_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
BODIES=${BODIES:-400000}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PORT=${PORT:-18182}
SECRET=bench-app-secret

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v sqlite3 >/dev/null || need+=(sqlite3)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; fi
if [ -z "${BIN:-}" ]; then
  cargo build --release -p playgram -q
  BIN=target/release/playgram
fi
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms/,"",v) } else if (v ~ /s$/) { sub(/s/,"",v); v=v*1000 } printf "%.2f", v }'; }
report() { # name, wrk output file
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$2")
  p50=$(awk '$1=="50%" {print $2}' "$2" | to_ms)
  p99=$(awk '$1=="99%" {print $2}' "$2" | to_ms)
  errors=$(awk '/Non-2xx/ {print $NF}' "$2"); errors=${errors:-0}
  printf '%-34s %10s acks/s   p50 %6s ms   p99 %6s ms   non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "$errors" | tee -a "$work/summary"
}
start() { # role, log file
  env "${env_db[@]}" PLAYGRAM_DATA_DIR="$data" PLAYGRAM_BIND="127.0.0.1:$PORT" PLAYGRAM_LOG=warn "$BIN" serve --role "$1" >>"$2" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.2; done
  echo "the server did not start"; cat "$2"; exit 1
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }
sql() { # one number from the app database
  if [ "$backend" = postgres ]; then psql "$db_url" -Atc "$1"; else sqlite3 "$data/playgram.db" "$1"; fi
}

for backend in $BACKENDS; do
  data="$work/$backend"
  mkdir -p "$data"
  env_db=()
  db_url=""
  if [ "$backend" = postgres ]; then
    db="playgram_bench_inbound_$$"
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db" -qc "CREATE DATABASE $db"
    db_url="${PG_ADMIN_URL%/*}/$db"
    env_db=(DATABASE_URL="$db_url")
  fi
  start web "$data/server.log"
  base="http://127.0.0.1:$PORT/api/v1"
  curl -sf -c "$data/cookies" -H 'content-type: application/json' "$base/auth/signup" \
    -d '{"email":"bench@example.com","password":"bench-password","name":"Bench","workspace_name":"Bench"}' >/dev/null
  channel=$(curl -sf -b "$data/cookies" -H 'content-type: application/json' -H "origin: http://127.0.0.1:$PORT" "$base/channels" \
    -d "{\"kind\":\"whatsapp\",\"phone_number_id\":\"106540352242922\",\"waba_id\":\"102290129340398\",\"access_token\":\"bench\",\"app_secret\":\"$SECRET\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
  python3 bench/inbound_bodies.py "$BODIES" "$SECRET" "/hooks/whatsapp/$channel" "$work/bodies.lua"

  # 1. Acknowledgements alone.
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/bodies.lua" "http://127.0.0.1:$PORT" >"$work/wrk-$backend-web.txt"
  report "playgram $backend: ack (API only)" "$work/wrk-$backend-web.txt"
  stop
  stored=$(sql "SELECT COUNT(*) FROM inbound_payloads WHERE state = 'received'")
  acked=$(awk '/requests in/ {print $1}' "$work/wrk-$backend-web.txt")
  echo "  every acknowledged webhook is stored: $stored stored, $acked acknowledged" | tee -a "$work/summary"
  [ "$stored" -ge "$acked" ] || { echo "LOST WEBHOOKS"; exit 1; }

  # 2. Parsing what was stored.
  started=$(date +%s.%N)
  start worker "$data/server.log"
  deadline=$((SECONDS + 600))
  while [ "$(sql "SELECT COUNT(*) FROM inbound_payloads WHERE state = 'received'")" != 0 ]; do
    [ $SECONDS -lt $deadline ] || { echo "the parser did not finish in 10 minutes"; exit 1; }
    sleep 0.05
  done
  ended=$(date +%s.%N)
  stop
  messages=$(sql "SELECT COUNT(*) FROM messages")
  python3 -c "s=$stored; t=$ended-$started; print(f'%-34s %10.0f msgs/s   ({s} payloads -> $messages messages in {t:.2f} s, from worker start)' % ('playgram $backend: parse', s/t))" | tee -a "$work/summary"

  # 3. Both at once (the bodies repeat after $BODIES; repeats are stored and then skipped as duplicates).
  start all "$data/server.log"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/bodies.lua" "http://127.0.0.1:$PORT" >"$work/wrk-$backend-all.txt"
  report "playgram $backend: ack (parsing too)" "$work/wrk-$backend-all.txt"
  stop
  [ "$backend" = postgres ] && psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
done

peers=../shared/bench
if [ -d "$peers/ceiling" ] && [ -z "${SKIP_PEERS:-}" ]; then
  cp -r "$peers/ceiling" "$work/ceiling"
  (cd "$work/ceiling" && cargo build --release -q --target-dir "$OLDPWD/target/ceiling")
  target/ceiling/release/ceiling 8089 "$SECRET" >/dev/null 2>&1 &
  server=$!
  sleep 0.5
  python3 bench/inbound_bodies.py 20000 "$SECRET" "/hooks/whatsapp" "$work/peer.lua"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/peer.lua" "http://127.0.0.1:8089" >"$work/wrk-ceiling.txt" || true
  report "bare axum ceiling (signature only)" "$work/wrk-ceiling.txt"
  stop
  if command -v node >/dev/null && command -v redis-server >/dev/null; then
    [ -d "$peers/peers/node_modules" ] || (cd "$peers/peers" && npm install --silent >/dev/null 2>&1) || true
    if [ -d "$peers/peers/node_modules" ]; then
      redis-server --daemonize yes --port 6390 --save "" --appendonly no >/dev/null
      APP_SECRET="$SECRET" PORT=8088 REDIS_PORT=6390 node "$peers/peers/ingest_server.mjs" >/dev/null 2>&1 &
      server=$!
      sleep 1
      wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/peer.lua" "http://127.0.0.1:8088" >"$work/wrk-bullmq.txt" || true
      report "Fastify + BullMQ (no fsync)" "$work/wrk-bullmq.txt"
      stop
      redis-cli -p 6390 shutdown nosave >/dev/null 2>&1 || true
    fi
  fi
fi

echo
echo "Summary ($CONNECTIONS connections, $DURATION, $(nproc) cores):"
cat "$work/summary"
