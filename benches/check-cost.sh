#!/usr/bin/env bash
# What the generated code costs a user's `cargo check`: a crate of 20 `#[craftkit_template]`s of
# 200 variables each (and nothing else), checked after a touch of lib.rs, RUNS times, once per
# checkout given, alternating. Each checkout's craftkit-runtime is the crate's dependency.
#
#   benches/check-cost.sh OLD_CHECKOUT NEW_CHECKOUT      # e.g. a `git worktree` of the old rev
#
# Knobs: RUNS (default 5), TEMPLATES (20), VARIABLES (200), WORK (/tmp/craftkit-check-cost).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
runs=${RUNS:-5}
templates=${TEMPLATES:-20}
variables=${VARIABLES:-200}
work=${WORK:-/tmp/craftkit-check-cost}
[ $# -ge 1 ] || { echo "usage: $0 CHECKOUT..." >&2; exit 2; }
mkdir -p "$work"
(cd "$repo" && cargo run -q -p craftkit-codegen --example make_manifest -- "$variables") >"$work/base.json"

n=0
for checkout in "$@"; do
    n=$((n + 1))
    dir="$work/crate-$n"
    rm -rf "$dir/src" "$dir/.craftkit"
    mkdir -p "$dir/src" "$dir/.craftkit/manifests"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "check-cost-$n"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
craftkit-runtime = { path = "$(cd "$checkout" && pwd)/craftkit-runtime", default-features = false, features = ["macros"] }

[workspace]
TOML
    : >"$dir/src/lib.rs"
    for i in $(seq 1 "$templates"); do
        python3 - "$work/base.json" "$dir/.craftkit/manifests/t$i.json" "t$i" <<'PY'
import json, sys
manifest = json.load(open(sys.argv[1]))
manifest["slug"] = sys.argv[3]
json.dump(manifest, open(sys.argv[2], "w"))
PY
        echo "#[craftkit_runtime::craftkit_template(\"t$i\")] pub struct T$i;" >>"$dir/src/lib.rs"
    done
    (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo check -q)   # warm: dependencies built
done

for run in $(seq 1 "$runs"); do
    n=0
    for checkout in "$@"; do
        n=$((n + 1))
        dir="$work/crate-$n"
        touch "$dir/src/lib.rs"
        start=$(date +%s.%N)
        (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo check -q)
        end=$(date +%s.%N)
        printf 'run %d  %-40s %6.2f s\n' "$run" "$checkout" "$(awk "BEGIN { print $end - $start }")"
    done
done
