#!/usr/bin/env bash
# The webhook inbox's stores side by side (issue 23, item 8): a receiver (the runtime's axum
# Endpoint, in process, on loopback) with each store against the in-memory one, 64 concurrent
# deliveries of 20,000 signed events, 3 interleaved rounds, medians; then 2,000 events one at a
# time. See craftkit-runtime/examples/webhook_stores.rs for what each store's handler does.
#
#   benches/webhook-stores.sh [EVENTS] [CONCURRENCY] [ROUNDS] [SEQUENTIAL]
#
# PostgreSQL and Redis are measured when CRAFTKIT_BENCH_POSTGRES_URL / CRAFTKIT_BENCH_REDIS_URL
# are set (each run uses a fresh schema and key prefix, removed at the end), for example:
#
#   CRAFTKIT_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
#   CRAFTKIT_BENCH_REDIS_URL=redis://127.0.0.1:6379 benches/webhook-stores.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p craftkit-runtime --example webhook_stores
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
target/release/examples/webhook_stores "${1:-20000}" "${2:-64}" "${3:-3}" "${4:-2000}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
