#!/usr/bin/env bash
# What #[craftkit_template] costs the user's build (issue 6).
#
#   benches/macro-cost/run.sh [--no-timing] [--verify-expansion]
#
# Builds two crates outside the repo (in $MACRO_COST_DIR, default /tmp/craftkit-macro-cost),
# both depending by path on this checkout's craftkit-runtime, with $TEMPLATES templates
# (default 20) of $VARIABLES variables (default 200) each:
#   macro/       one module per template: #[craftkit_template("tN")] pub struct TN;
#   checked-in/  the same crate with `cargo craftkit generate`'s output as the modules
# then
#   1. checks that a no-op `cargo build -v` runs no build script and compiles nothing, for the
#      two crates and for the workspace's craftkit-example-builder and craftkit-example-macro
#      (fails loudly otherwise);
#   2. with --verify-expansion (needs nightly): checks that both crates expand to the same
#      code (rustc -Zunpretty=expanded), but for the macro's include_bytes! of the manifest;
#   3. unless --no-timing: times with hyperfine `cargo check` after touching one module and
#      after touching lib.rs, `cargo build` after `cargo clean -p <crate>`, and a full clean
#      `cargo build`, and prints the table (exports in $MACRO_COST_DIR/results/).
#
# Knobs (environment): MACRO_COST_DIR, TEMPLATES, VARIABLES, RUNS (check runs, default 10),
# BUILD_RUNS (crate builds, default 5), FULL_RUNS (full builds, default 3), and
# CARGO_TARGET_DIR for the workspace's own builds (the tools and the two examples; default
# $MACRO_COST_DIR/workspace-target). The measured crates use $MACRO_COST_DIR/target-*.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${MACRO_COST_DIR:-/tmp/craftkit-macro-cost}
templates=${TEMPLATES:-20}
variables=${VARIABLES:-200}
runs=${RUNS:-10}
build_runs=${BUILD_RUNS:-5}
full_runs=${FULL_RUNS:-3}
workspace_target=${CARGO_TARGET_DIR:-$work/workspace-target}
timing=1
verify_expansion=0
for arg in "$@"; do
    case $arg in
        --no-timing) timing=0 ;;
        --verify-expansion) verify_expansion=1 ;;
        *) echo "usage: $0 [--no-timing] [--verify-expansion]" >&2; exit 2 ;;
    esac
done

say() { printf '\n== %s\n' "$*" >&2; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

macro_dir=$work/macro
checked_dir=$work/checked-in
macro_target=$work/target-macro
checked_target=$work/target-checked-in
mkdir -p "$work"

# --- The two crates -------------------------------------------------------------------------

say "building the tools (make_manifest, cargo-craftkit) into $workspace_target"
# Debug builds: the example needs craftkit-codegen's dev-dependencies, most of which the CLI
# shares.
(cd "$repo" && CARGO_TARGET_DIR=$workspace_target cargo build -q -p craftkit-cli -p craftkit-codegen --bin cargo-craftkit --example make_manifest)

say "writing $templates templates of $variables variables into $work"
"$workspace_target/debug/examples/make_manifest" "$variables" >"$work/base.json"
python3 "$here/make_crates.py" "$work/base.json" "$work" "$repo/craftkit-runtime" "$repo/Cargo.lock" "$templates"
slugs=()
for n in $(seq 1 "$templates"); do slugs+=("t$n"); done
"$workspace_target/debug/cargo-craftkit" craftkit generate "${slugs[@]}" \
    --manifest-dir "$macro_dir/.craftkit/manifests" -o "$checked_dir/src" >/dev/null

say "first builds (dependencies)"
(cd "$macro_dir" && CARGO_TARGET_DIR=$macro_target cargo build -q)
(cd "$checked_dir" && CARGO_TARGET_DIR=$checked_target cargo build -q)

# --- No-op rebuilds -------------------------------------------------------------------------

# noop_check LABEL DIR TARGET_DIR CARGO_ARGS...: builds, then builds again with -v and fails
# when the second build runs a build script or compiles anything.
noop_check() {
    local label=$1 dir=$2 target=$3
    shift 3
    (cd "$dir" && CARGO_TARGET_DIR=$target cargo build -q "$@")
    local log bad
    log=$(cd "$dir" && CARGO_TARGET_DIR=$target cargo build -v "$@" 2>&1)
    bad=$(grep -E 'Running .*build-script-build|^ *Compiling |^ *Dirty ' <<<"$log" || true)
    if [[ -n $bad ]]; then
        printf '%s\n' "$log" >&2
        fail "no-op rebuild of $label is not a no-op:"$'\n'"$bad"
    fi
    echo "no-op rebuild of $label: $(grep -c 'Fresh' <<<"$log") Fresh, no Compiling, no build script run:" >&2
    grep -E 'Fresh (craftkit|macro-cost)|Finished' <<<"$log" | sed 's/^/    /' >&2
}

say "no-op rebuilds (cargo build -v twice; the second must compile nothing and run no build script)"
noop_check "the macro crate" "$macro_dir" "$macro_target"
noop_check "the checked-in crate" "$checked_dir" "$checked_target"
noop_check "craftkit-example-builder" "$repo" "$workspace_target" -p craftkit-example-builder
noop_check "craftkit-example-macro" "$repo" "$workspace_target" -p craftkit-example-macro

# --- Same code ------------------------------------------------------------------------------

if ((verify_expansion)); then
    say "comparing the expansions (cargo +nightly rustc -- -Zunpretty=expanded)"
    expand() {
        (cd "$1" && CARGO_TARGET_DIR=$2-nightly cargo +nightly rustc -q --lib -- -Zunpretty=expanded)
    }
    # The macro crate's only extras: its `use` of the attribute, and the include_bytes! that
    # makes rustc track each manifest.
    expand "$macro_dir" "$macro_target" |
        grep -v -e '^use craftkit_runtime::craftkit_template;$' -e 'include_bytes!' >"$work/expanded-macro.rs"
    expand "$checked_dir" "$checked_target" >"$work/expanded-checked-in.rs"
    if ! diff -u "$work/expanded-checked-in.rs" "$work/expanded-macro.rs" >"$work/expanded.diff"; then
        # Only doc attributes and blank lines may differ (module docs, the @generated header).
        if grep -E '^[-+]([^-+]|$)' "$work/expanded.diff" | grep -vE '^[-+] *(#!?\[doc = .*|)$' >/dev/null; then
            head -60 "$work/expanded.diff" >&2
            fail "the two crates expand to different code (see $work/expanded.diff)"
        fi
    fi
    echo "same expansion but for docs and the include_bytes! ($(wc -l <"$work/expanded-macro.rs") lines)" >&2
fi

# --- Timing ---------------------------------------------------------------------------------

if ((timing)); then
    command -v hyperfine >/dev/null || fail "hyperfine is not installed (apt-get install -y hyperfine)"
    results=$work/results
    mkdir -p "$results"
    module=src/t$(((templates + 1) / 2)).rs
    a="cd $macro_dir && CARGO_TARGET_DIR=$macro_target"
    b="cd $checked_dir && CARGO_TARGET_DIR=$checked_target"
    # bench CASE RUNS PREPARE_MACRO PREPARE_CHECKED_IN COMMAND
    bench() {
        say "$1"
        hyperfine --style basic --warmup 1 --runs "$2" --export-json "$results/$1.json" \
            -n macro --prepare "$a $3" "$a $5" \
            -n checked-in --prepare "$b $4" "$b $5"
    }
    bench check-module "$runs" "touch $module" "touch $module" "cargo check -q"
    bench check-lib "$runs" "touch src/lib.rs" "touch src/lib.rs" "cargo check -q"
    bench build-crate "$build_runs" "cargo clean -q -p macro-cost-macro" \
        "cargo clean -q -p macro-cost-checked-in" "cargo build -q"
    bench build-full "$full_runs" "cargo clean -q" "cargo clean -q" "cargo build -q"
    say "results ($templates templates x $variables variables; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg))"
    python3 "$here/summarize.py" "$results"
fi
