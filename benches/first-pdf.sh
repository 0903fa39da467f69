#!/usr/bin/env bash
# Time to the first PDF on a fresh clone: the crates compiled and the wall time of the README's
# two commands, each from an empty target directory, with the registry already downloaded
# (`cargo fetch` runs first, untimed).
#
#   benches/first-pdf.sh [REV...]     # default: HEAD
#
# Each REV is cloned from this repository into a temporary directory with its own target dir.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
revs=("$@")
[ ${#revs[@]} -gt 0 ] || revs=(HEAD)
export CARGO_TERM_COLOR=never CARGO_INCREMENTAL=0
unset CARGO_TARGET_DIR

timed() { # label, command...: prints "label: N crates compiled, S s"
    local label="$1" log start end
    shift
    log="$(mktemp)"
    start=$(date +%s.%N)
    "$@" >"$log" 2>&1 || { cat "$log" >&2; echo "$label failed" >&2; exit 1; }
    end=$(date +%s.%N)
    printf '  %-40s %4d crates compiled  %6.1f s\n' "$label" \
        "$(grep -c '^ *Compiling ' "$log" || true)" "$(awk "BEGIN { print $end - $start }")"
}

for rev in "${revs[@]}"; do
    dir="$(mktemp -d)"
    git clone -q "$repo" "$dir/clone"
    git -C "$dir/clone" checkout -q "$rev"
    echo "$rev ($(git -C "$dir/clone" rev-parse --short HEAD)):"
    (cd "$dir/clone" && cargo fetch --locked -q)
    (cd "$dir/clone" && timed "cargo run -p craftkit-example-render" cargo run -p craftkit-example-render)
    rm -rf "$dir/clone/target"
    (cd "$dir/clone" && timed "cargo test --workspace --no-run" cargo test --workspace --no-run)
    rm -rf "$dir"
done
