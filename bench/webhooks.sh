#!/usr/bin/env bash
# The webhook benchmark beside its peer, in one session: `playgram bench webhooks` on SQLite and
# PostgreSQL (20,000 events delivered to a local receiver that verifies each signature, the delivery
# log kept), then the original plans' design: a BullMQ worker POSTing HMAC-signed events with
# keep-alive (../shared/bench/peers/webhook_bench.mjs) to the bare axum ceiling receiver
# (../shared/bench/ceiling), same event count and concurrency. Needs the release binary;
# PostgreSQL at $PLAYGRAM_BENCH_POSTGRES; the peer needs node, `npm install` in
# ../shared/bench/peers, redis-server (a scratch one is started on 6390) and cargo for the ceiling.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
bin="${PLAYGRAM_BIN:-$repo/target/release/playgram}"
events="${EVENTS:-20000}"
# 256 is Playgram's default `webhooks_concurrency`; 100 is the peer script's default. Both are run.
concurrencies="${CONCURRENCIES:-100 256}"
postgres="${PLAYGRAM_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
shared="$repo/../shared/bench"

[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release -p playgram)" >&2; exit 2; }

for c in $concurrencies; do
  echo "# playgram, SQLite (synchronous=FULL), $c in flight"
  "$bin" bench webhooks --events "$events" --concurrency "$c"
  echo "# playgram, PostgreSQL, $c in flight"
  "$bin" bench webhooks --events "$events" --concurrency "$c" --postgres "$postgres"
done

if [ -d "$shared/peers/node_modules" ] && command -v redis-server >/dev/null; then
  (cd "$shared/ceiling" && cargo build --release --quiet)
  ceiling="$(ls "$shared"/ceiling/target/release/ceiling)"
  redis-server --daemonize yes --port 6390 --save "" --appendonly no >/dev/null
  "$ceiling" 8089 bench-secret >/dev/null 2>&1 &
  receiver=$!
  trap 'kill $receiver 2>/dev/null || true; redis-cli -p 6390 shutdown nosave >/dev/null 2>&1 || true' EXIT
  sleep 0.5
  for c in $concurrencies; do
    echo "# peer: BullMQ worker posting HMAC-signed events (keep-alive), no delivery log, $c in flight"
    (cd "$shared/peers" && REDIS_PORT=6390 node webhook_bench.mjs "$events" "$c" http://127.0.0.1:8089/hooks/whatsapp)
  done
else
  echo "# peer skipped: run 'npm install' in $shared/peers and install redis-server" >&2
fi
