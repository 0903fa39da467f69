#!/usr/bin/env bash
# What a builder costs a user's crate, bon's against craftkit's generated one (issue 14, item 1:
# "measure both before you choose"). Run after `run.sh`, which leaves the hand-written crate (b)
# in WORK/b:
#   (b)      the hand-written serde types, as run.sh built them;
#   (b+bon)  the same, each struct with `#[derive(bon::Builder)]` and
#            `#[builder(on(String, into))]` (bon BON_VERSION), as a hand-writer would add them.
# craftkit's own builders are measured by run.sh itself: (a) at a checkout before the builders
# (5a65a0d) against (a) after. Times `touch src/lib.rs; cargo check` and `cargo build`, RUNS
# rounds interleaved, user+sys CPU and wall, and prints the medians and the ratio.
#
#   benches/compile-cost/builder-cost.sh
#
# Knobs: WORK (/tmp/craftkit-compile-cost), RUNS (5), BON_VERSION (3.10.3).
set -euo pipefail
work=${WORK:-/tmp/craftkit-compile-cost}
runs=${RUNS:-5}
bon=${BON_VERSION:-3.10.3}
[ -d "$work/b/src" ] || { echo "run benches/compile-cost/run.sh first (no $work/b)" >&2; exit 2; }

rm -rf "$work/b-bon"
mkdir -p "$work/b-bon"
cp -r "$work/b/src" "$work/b/Cargo.toml" "$work/b-bon/"
sed -i 's/^name = "compile-cost-b"/name = "compile-cost-b-bon"/' "$work/b-bon/Cargo.toml"
sed -i "s/^\[dependencies\]/[dependencies]\nbon = \"=$bon\"/" "$work/b-bon/Cargo.toml"
for file in "$work"/b-bon/src/t*.rs; do
    # A builder on every struct, and `impl Into<String>` setters for strings.
    sed -i 's/^\(\s*\)pub struct /\1#[derive(bon::Builder)]\n\1#[builder(on(String, into))]\n\1pub struct /' "$file"
done

TIMEFORMAT='%R %U %S'
measure() { # crate, command -> "wall cpu"
    local dir=$1 cmd=$2 t
    touch "$dir/src/lib.rs"
    t=$( { time (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo "$cmd" -q >/dev/null 2>&1); } 2>&1 )
    awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' <<<"$t"
}
for crate in b b-bon; do
    (cd "$work/$crate" && CARGO_TARGET_DIR="$work/$crate/target" cargo build -q)
done
declare -A samples
for run in $(seq 1 "$runs"); do
    for crate in b b-bon; do
        for cmd in check build; do
            read -r wall cpu < <(measure "$work/$crate" "$cmd")
            samples[$crate.$cmd.wall]+="$wall "
            samples[$crate.$cmd.cpu]+="$cpu "
            echo "run $run $crate $cmd: wall $wall s, cpu $cpu s" >&2
        done
    done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "| crate | check CPU s | check wall s | build CPU s | build wall s |"
echo "|---|---|---|---|---|"
for crate in b b-bon; do
    echo "| $crate | $(median "${samples[$crate.check.cpu]}") | $(median "${samples[$crate.check.wall]}") | $(median "${samples[$crate.build.cpu]}") | $(median "${samples[$crate.build.wall]}") |"
done
for cmd in check build; do
    awk -v a="$(median "${samples[b-bon.$cmd.cpu]}")" -v b="$(median "${samples[b.$cmd.cpu]}")" -v c="$cmd" \
        'BEGIN { printf "(b+bon)/(b), %s CPU: %.2fx\n", c, a / b }'
done
