#!/usr/bin/env bash
# Bulk rendering (issue 17): the command line's peak memory at 10,000 and 100,000 lines, then
# render_many against the plain concurrent loop of benches/client.sh (10,000 renders at
# concurrency 64), then both under the server's --rate-limit, side by side.
#
#   benches/batch.sh [RATE_LIMIT]
#
# Memory: cargo-craftkit (release) against craftkit-devserver (release, a separate process, so
# its stored renders are not counted) with --render-ms 0. `--no-wait` (each line is one POST,
# queued) streams 10,000 and 100,000 lines; 10,000 lines are also run waiting for each render
# (no --out: no PDF written). Peak RSS is /usr/bin/time's maximum resident set size.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p craftkit-cli -p craftkit-devserver
cargo build --release -q -p craftkit-runtime --example batch_throughput
bench="target/release/examples/batch_throughput"
work="$(mktemp -d)"
key=ck_test_batchbenchprojectalpha00001
target/release/craftkit-devserver --port 0 --templates .craftkit/manifests --key "$key" \
    --render-ms 0 --workers 2 >"$work/server.out" 2>"$work/server.err" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q listening "$work/server.out" && break; sleep 0.1; done
url="$(grep -o 'http://[0-9.:]*' "$work/server.out")"

peak() { # LABEL ARGS...: runs cargo-craftkit, prints its peak RSS and its summary's first lines
    local label="$1"
    shift
    /usr/bin/time -f "%M %e" -o "$work/time" env CRAFTKIT_API_URL="$url" CRAFTKIT_API_KEY="$key" \
        target/release/cargo-craftkit craftkit render charter-handover "$@" \
        >"$work/summary" 2>"$work/progress" || true
    read -r rss secs <"$work/time"
    printf '%-44s peak RSS %6.1f MiB  wall %6.1f s  | %s\n' "$label" "$(echo "$rss/1024" | bc -l)" \
        "$secs" "$(head -3 "$work/summary" | tr -s ' ' | tr '\n' ' ')"
}

"$bench" lines 10 >"$work/10.jsonl"
"$bench" lines 10000 >"$work/10k.jsonl"
"$bench" lines 100000 >"$work/100k.jsonl"
echo "memory (cargo craftkit render --batch, release):"
peak "10 lines, --no-wait" --batch "$work/10.jsonl" --no-wait --concurrency 64
peak "10,000 lines, --no-wait" --batch "$work/10k.jsonl" --no-wait --concurrency 64
peak "100,000 lines, --no-wait" --batch "$work/100k.jsonl" --no-wait --concurrency 64
# Fresh keys for the waiting run: the lines above are already rendered (replays cost little).
sed 's/"BB-/"BW-/' "$work/10k.jsonl" >"$work/10k-wait.jsonl"
peak "10,000 lines, waiting for each" --batch "$work/10k-wait.jsonl" --concurrency 64
peak "10,000 lines again (all replayed)" --batch "$work/10k-wait.jsonl" --concurrency 64
peak "100,000 lines, --no-wait, --journal" --batch "$work/100k.jsonl" --no-wait --concurrency 64 \
    --journal "$work/journal"
peak "100,000 lines again, all in the journal" --batch "$work/100k.jsonl" --no-wait --concurrency 64 \
    --journal "$work/journal"
kill "$server"

"$bench" throughput 10000 64 3
"$bench" ratelimit "${1:-100}" 1000 3
