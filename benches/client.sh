#!/usr/bin/env bash
# The client against hand-written reqwest code, same server and runtime (issue 6, part 3):
# throughput of 1,000 renders at concurrency 64, alternating rounds, then wait() latency and
# GET counts for 1 s and 5 s renders, with and without the server's Retry-After.
#
#   benches/client.sh [RENDERS] [CONCURRENCY] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p craftkit-runtime --example client_throughput --example wait_latency
cargo run --release -q -p craftkit-runtime --example client_throughput -- "${1:-1000}" "${2:-64}" "${3:-5}"
cargo run --release -q -p craftkit-runtime --example wait_latency
