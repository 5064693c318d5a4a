#!/usr/bin/env bash
# The job-queue benchmark beside its peer, in one session: `playgram bench queue` on SQLite and
# PostgreSQL, then the original plans' BullMQ + Redis queue (../shared/bench/peers/queue_bench.mjs)
# with the same job count and concurrency. Needs the release binary; PostgreSQL at
# $PLAYGRAM_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432/postgres); the peer needs
# node, `npm install` in ../shared/bench/peers and redis-server (a scratch one is started on 6390).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
bin="${PLAYGRAM_BIN:-$repo/target/release/playgram}"
jobs="${JOBS:-20000}"
concurrency="${CONCURRENCY:-100}"
postgres="${PLAYGRAM_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
peers="$repo/../shared/bench/peers"

[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release -p playgram)" >&2; exit 2; }

echo "# playgram, SQLite (synchronous=FULL)"
"$bin" bench queue --jobs "$jobs" --concurrency "$concurrency"
echo "# playgram, PostgreSQL"
"$bin" bench queue --jobs "$jobs" --concurrency "$concurrency" --postgres "$postgres"

if [ -d "$peers/node_modules" ] && command -v redis-server >/dev/null; then
  redis-server --daemonize yes --port 6390 --save "" --appendonly no >/dev/null
  trap 'redis-cli -p 6390 shutdown nosave >/dev/null 2>&1 || true' EXIT
  sleep 0.3
  echo "# peer: BullMQ + Redis (in memory, no fsync)"
  (cd "$peers" && REDIS_PORT=6390 node queue_bench.mjs "$jobs" "$concurrency")
else
  echo "# peer skipped: run 'npm install' in $peers and install redis-server" >&2
fi
