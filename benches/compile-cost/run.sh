#!/usr/bin/env bash
# What the generated code costs a user's crate to compile, against the same types written by
# hand and against typify's output for the same template, side by side in one run.
#
#   benches/compile-cost/run.sh [--llvm-lines] [CHECKOUT...]
#
# Three kinds of crate, each of TEMPLATES (20) templates t1..tN, copies of one manifest of
# VARIABLES (200) variables made by the tools checkout's `make_manifest` example, one module
# per template:
#   (a) a CHECKOUT's generated code: `#[craftkit_runtime::craftkit_template("tN")] pub struct TN;`,
#       on that checkout's craftkit-runtime (by path, default-features = false, features =
#       ["macros"]). One crate per CHECKOUT given (default: the repo this script is in).
#   (b) by hand: the same structs and enums, named as craftkit names them, as plain
#       `#[derive(Debug, Clone, Serialize, Deserialize)]` types (see gen/src/hand.rs).
#   (c) typify 0.8's output for the JSON Schema that craftkit exports for the template (see
#       gen/src/typify_output.rs), with the crates that output needs.
# Every crate has the same lib.rs: the modules, and per template a function that reads the
# root type from JSON with serde_json and writes it back, so that every type's serde code is
# compiled. Each crate is a workspace of its own under WORK, with its own target dir.
#
# After a warm build of each (dependencies compiled), RUNS rounds, the crates interleaved
# (a1, a2, ..., b, c, a1, ...): `touch src/lib.rs; cargo check` and `touch src/lib.rs; cargo
# build` (debug), timed by bash's `time` (wall clock, and user+sys CPU of cargo and its
# children). Prints a Markdown table of the medians and the ratios a/b and a/c, also written to
# WORK/results.md, with the line and byte counts of each crate's type source ((a): the
# checkout's craftkit-codegen `print` example's output for each manifest, the formatted
# expansion with its docs).
#
# --llvm-lines: then runs `cargo llvm-lines` (installs cargo-llvm-lines LLVM_LINES_VERSION into
# WORK/cargo-tools if it is not on PATH) on each crate, and prints its 12 largest items.
#
# Knobs (environment): RUNS (5), TEMPLATES (20), VARIABLES (200), WORK
# (/tmp/craftkit-compile-cost), TOOLS (the checkout whose make_manifest, craftkit-codegen and
# Cargo.lock make the manifest and the (b) and (c) sources; default: the last CHECKOUT),
# LLVM_LINES_VERSION (0.4.48). Cargo's own CARGO_INCREMENTAL=0 measures without incremental
# compilation (cargo's dev default is on). Nothing is built inside a checkout: every target dir
# is under WORK.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${WORK:-/tmp/craftkit-compile-cost}
runs=${RUNS:-5}
templates=${TEMPLATES:-20}
variables=${VARIABLES:-200}
llvm_lines_version=${LLVM_LINES_VERSION:-0.4.48}

usage="usage: $0 [--llvm-lines] [CHECKOUT...]"
llvm_lines=0
checkouts=()
for arg in "$@"; do
    case $arg in
        --llvm-lines) llvm_lines=1 ;;
        -h | --help) echo "$usage"; exit 0 ;;
        -*) echo "$usage" >&2; exit 2 ;;
        *) checkouts+=("$arg") ;;
    esac
done
((${#checkouts[@]})) || checkouts=("$repo")

say() { printf '\n== %s\n' "$*" >&2; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

for i in "${!checkouts[@]}"; do
    [[ -f ${checkouts[i]}/craftkit-runtime/Cargo.toml ]] ||
        fail "${checkouts[i]} is not a craftkit checkout (no craftkit-runtime/Cargo.toml)"
    checkouts[i]=$(cd "${checkouts[i]}" && pwd)
done
tools=$(cd "${TOOLS:-${checkouts[-1]}}" && pwd)
tools_target=$work/tools-target
mkdir -p "$work/logs"
rm -f "$work/logs/"*.log

# rev CHECKOUT: its commit, for the table.
rev() { git -C "$1" rev-parse --short HEAD 2>/dev/null || echo "?"; }

# --- The sources ----------------------------------------------------------------------------

say "the manifest: make_manifest $variables (in $tools, target $tools_target)"
(cd "$tools" && CARGO_TARGET_DIR=$tools_target cargo run -q -p craftkit-codegen --example make_manifest -- "$variables") >"$work/base.json"

# The generator, built from a copy whose path dependencies point at the tools checkout.
say "the (b) and (c) sources: benches/compile-cost/gen on $tools's craftkit-codegen"
rm -rf "$work/gen" "$work/sources"
mkdir -p "$work/gen"
cp -r "$here/gen/Cargo.toml" "$here/gen/src" "$work/gen/"
[[ -f $here/gen/Cargo.lock ]] && cp "$here/gen/Cargo.lock" "$work/gen/"
sed -i "s#path = \"\.\./\.\./\.\./#path = \"$tools/#" "$work/gen/Cargo.toml"
(cd "$work/gen" && CARGO_TARGET_DIR=$tools_target cargo build -q)
"$tools_target/debug/compile-cost-gen" "$work/base.json" "$work/sources" "$templates"

# --- The crates -----------------------------------------------------------------------------

# write_crate DIR NAME WHAT LOCKFILE DEPENDENCIES: Cargo.toml, the lock file, and lib.rs; the
# caller writes the modules src/tN.rs.
write_crate() {
    local dir=$1 name=$2 what=$3 lock=$4 dependencies=$5 n
    rm -rf "$dir/src" "$dir/.craftkit"
    mkdir -p "$dir/src"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "$name"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
# float_roundtrip as craftkit's workspace has it, so serde_json's generic code is the same.
serde_json = { version = "1", features = ["float_roundtrip"] }
$dependencies
# A workspace of its own, outside any checkout.
[workspace]
TOML
    # The lock file of the checkout, so the crates build the same serde and serde_json (Cargo
    # drops the entries they do not use and adds what it lacks).
    cp "$lock" "$dir/Cargo.lock"
    {
        echo "//! $what: $templates templates; each function reads its template's root type from"
        echo "//! JSON and writes it back, so that every type's serde code is compiled."
        echo
        for n in $(seq 1 "$templates"); do echo "pub mod t$n;"; done
        for n in $(seq 1 "$templates"); do
            cat <<RUST

/// \`t$n::T$n\` from JSON and back.
pub fn roundtrip_t$n(data: &str) -> serde_json::Result<String> {
    let value: t$n::T$n = serde_json::from_str(data)?;
    serde_json::to_string(&value)
}
RUST
        done
    } >"$dir/src/lib.rs"
}

labels=() dirs=() describe=()
for i in "${!checkouts[@]}"; do
    n=$((i + 1))
    checkout=${checkouts[i]}
    dir=$work/a$n
    write_crate "$dir" "compile-cost-a$n" "#[craftkit_template] on $checkout" "$checkout/Cargo.lock" \
        "craftkit-runtime = { path = \"$checkout/craftkit-runtime\", default-features = false, features = [\"macros\"] }"
    mkdir -p "$dir/.craftkit/manifests"
    cp "$work/sources/manifests/"*.json "$dir/.craftkit/manifests/"
    for t in $(seq 1 "$templates"); do
        echo "#[craftkit_runtime::craftkit_template(\"t$t\")] pub struct T$t;" >"$dir/src/t$t.rs"
    done
    labels+=("a$n") dirs+=("$dir") describe+=("craftkit $(rev "$checkout") ($checkout)")
done

write_crate "$work/b" compile-cost-b "By hand (plain serde derives)" "$tools/Cargo.lock" \
    'serde = { version = "1", features = ["derive"] }'
cp "$work/sources/hand/"*.rs "$work/b/src/"
labels+=(b) dirs+=("$work/b") describe+=("by hand, serde derives")

write_crate "$work/c" compile-cost-c "typify 0.8's output" "$tools/Cargo.lock" \
    "serde = { version = \"1\", features = [\"derive\"] }
$(cat "$work/sources/typify/dependencies.toml")"
cp "$work/sources/typify/"t*.rs "$work/c/src/"
labels+=(c) dirs+=("$work/c") describe+=("typify 0.8 on craftkit's JSON Schema")

# --- Source sizes ---------------------------------------------------------------------------

# size FILES...: "lines bytes" of the files together.
size() { cat "$@" | wc -lc | awk '{ print $1, $2 }'; }

declare -A lines bytes
say "source sizes ((a): each checkout's craftkit-codegen print example, built in $tools_target)"
for i in "${!checkouts[@]}"; do
    n=$((i + 1))
    checkout=${checkouts[i]}
    lines[a$n]="-" bytes[a$n]="-"
    [[ -f $checkout/craftkit-codegen/examples/print.rs ]] || continue
    printer=$work/print$n
    mkdir -p "$printer" "$work/expanded/a$n"
    cat >"$printer/Cargo.toml" <<TOML
[package]
name = "compile-cost-print$n"
version = "0.0.0"
edition = "2024"
publish = false

[[bin]]
name = "print$n"
path = "$checkout/craftkit-codegen/examples/print.rs"

[dependencies]
craftkit-core = { path = "$checkout/craftkit-core" }
craftkit-codegen = { path = "$checkout/craftkit-codegen" }

[workspace]
TOML
    cp "$checkout/Cargo.lock" "$printer/Cargo.lock"
    if (cd "$printer" && CARGO_TARGET_DIR=$tools_target cargo build -q 2>>"$work/logs/print$n.log"); then
        for t in $(seq 1 "$templates"); do
            "$tools_target/debug/print$n" "$work/sources/manifests/t$t.json" >"$work/expanded/a$n/t$t.rs"
        done
        read -r "lines[a$n]" "bytes[a$n]" < <(size "$work/expanded/a$n/"*.rs)
    else
        echo "a$n: the print example did not build (see $work/logs/print$n.log); no size" >&2
    fi
done
read -r "lines[b]" "bytes[b]" < <(size "$work/b/src/"t*.rs)
read -r "lines[c]" "bytes[c]" < <(size "$work/c/src/"t*.rs)

# --- Warm builds ----------------------------------------------------------------------------

# cargo_in LABEL DIR ARGS...: cargo in DIR with its own target dir, stderr to LABEL's log.
cargo_in() {
    local label=$1 dir=$2
    shift 2
    (cd "$dir" && CARGO_TARGET_DIR=$dir/target cargo "$@" 2>>"$work/logs/$label.log")
}

say "warm builds (dependencies; check and build of each crate)"
built=()
for i in "${!labels[@]}"; do
    label=${labels[i]}
    if cargo_in "$label" "${dirs[i]}" check && cargo_in "$label" "${dirs[i]}" build; then
        built+=("$i")
        echo "$label: built (${describe[i]})" >&2
    else
        tail -20 "$work/logs/$label.log" >&2
        echo "$label: FAILED TO BUILD, left out (${describe[i]}; see $work/logs/$label.log)" >&2
    fi
done
((${#built[@]})) || fail "no crate built"

# --- Timing ---------------------------------------------------------------------------------

times=$work/times.tsv
: >"$times"
say "$runs rounds of touch + check, touch + build, crates interleaved"
for run in $(seq 1 "$runs"); do
    for i in "${built[@]}"; do
        label=${labels[i]} dir=${dirs[i]}
        for command in check build; do
            touch "$dir/src/lib.rs"
            # `time` reports on the subshell, children included: "wall user sys".
            timing=$({ TIMEFORMAT='%R %U %S'; time cargo_in "$label" "$dir" "$command" -q; } 2>&1) ||
                fail "$label: cargo $command failed (see $work/logs/$label.log)"
            read -r wall user sys <<<"$timing"
            cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
            printf '%s\t%s\t%s\t%s\n' "$label" "$command" "$wall" "$cpu" >>"$times"
            printf 'round %d  %-3s %-5s wall %6.2f s  cpu %6.2f s\n' "$run" "$label" "$command" "$wall" "$cpu" >&2
        done
    done
done

# median LABEL COMMAND COLUMN (3 wall, 4 cpu): the median of the runs.
median() {
    awk -F'\t' -v l="$1" -v c="$2" -v k="$3" '$1 == l && $2 == c { print $k }' "$times" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A med
for i in "${built[@]}"; do
    label=${labels[i]}
    for command in check build; do
        med[$label.$command.wall]=$(median "$label" "$command" 3)
        med[$label.$command.cpu]=$(median "$label" "$command" 4)
    done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
has() { [[ -n ${med[$1.check.wall]:-} ]]; }

{
    echo "### Compile cost of $templates templates x $variables variables"
    echo
    echo "Medians of $runs runs after \`touch src/lib.rs\`; CPU is user+sys of cargo and its children." \
        "$(nproc) cores, $(rustc --version), CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-default}," \
        "load at the end $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "| variant | what | check CPU s | check wall s | build CPU s | build wall s | source lines | source bytes |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|"
    for i in "${!labels[@]}"; do
        label=${labels[i]}
        if has "$label"; then
            printf '| %s | %s | %.2f | %.2f | %.2f | %.2f | %s | %s |\n' "$label" "${describe[i]}" \
                "${med[$label.check.cpu]}" "${med[$label.check.wall]}" \
                "${med[$label.build.cpu]}" "${med[$label.build.wall]}" "${lines[$label]}" "${bytes[$label]}"
        else
            printf '| %s | %s | failed to build | | | | %s | %s |\n' "$label" "${describe[i]}" "${lines[$label]}" "${bytes[$label]}"
        fi
    done
    echo
    echo "| ratio | check CPU | check wall | build CPU | build wall |"
    echo "|---|---:|---:|---:|---:|"
    for label in "${labels[@]}"; do
        [[ $label == a* ]] && has "$label" || continue
        for other in b c; do
            has "$other" || continue
            printf '| %s / %s |' "$label" "$other"
            for key in check.cpu check.wall build.cpu build.wall; do
                printf ' %s |' "$(ratio "${med[$label.$key]}" "${med[$other.$key]}")"
            done
            echo
        done
    done
} | tee "$work/results.md"

# --- LLVM lines -----------------------------------------------------------------------------

if ((llvm_lines)); then
    if ! command -v cargo-llvm-lines >/dev/null; then
        export PATH=$work/cargo-tools/bin:$PATH
        if ! command -v cargo-llvm-lines >/dev/null; then
            say "installing cargo-llvm-lines $llvm_lines_version into $work/cargo-tools"
            CARGO_TARGET_DIR=$work/cargo-tools/target cargo install -q --locked \
                --version "$llvm_lines_version" --root "$work/cargo-tools" cargo-llvm-lines ||
                fail "could not install cargo-llvm-lines $llvm_lines_version (cargo install --locked cargo-llvm-lines)"
        fi
    fi
    say "cargo llvm-lines ($(cargo llvm-lines --version 2>/dev/null || echo cargo-llvm-lines)): 12 largest items of each crate"
    for i in "${built[@]}"; do
        label=${labels[i]}
        cargo_in "$label" "${dirs[i]}" llvm-lines --lib >"$work/llvm-lines-$label.txt" ||
            fail "$label: cargo llvm-lines failed (see $work/logs/$label.log)"
        {
            echo
            echo "#### $label: ${describe[i]}"
            echo
            echo '```'
            # The header, the total, and the 12 largest items (all in llvm-lines-$label.txt).
            head -n 15 "$work/llvm-lines-$label.txt"
            echo '```'
        } | tee -a "$work/results.md"
    done
fi

say "results in $work/results.md (runs in $times, cargo's output in $work/logs/)"
