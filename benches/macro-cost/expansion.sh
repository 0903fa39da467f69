#!/usr/bin/env bash
# How long one #[craftkit_template] expansion takes inside rustc, and what sets its floor
# (issue 24, item 5).
#
#   benches/macro-cost/expansion.sh
#
# Writes, in $EXPANSION_DIR (default /tmp/craftkit-expansion; emptied first, and refused when it
# is a directory this script did not make):
#   timed/   a proc-macro crate whose `craftkit_template` calls the function the real macro
#            calls (`craftkit_codegen::attribute::expand`, this checkout's, by path) and appends
#            its wall time to $EXPANSION_LOG; and `intake!("file")`, which only hands a file's
#            text to rustc as tokens (`str::parse::<TokenStream>`) and logs that time;
#   user/    a crate of $TEMPLATES templates (default 5) of $VARIABLES variables (default 200),
#            `#[timed::craftkit_template("tN")] pub struct TN;`, and as many `intake!`s of the
#            same template's generated code (printed by `cargo run --example print`: the tokens
#            rustc receives from the macro, written as text).
# then checks `user` ($RUNS times, default 5, after `touch src/lib.rs`) in three profiles, one
# target directory each, round-robin:
#   default      the default dev profile: Cargo builds proc macros and their dependencies
#                unoptimized, so this is what a user's `cargo check` runs;
#   packages     `opt-level = 3` for the macro's own crates (craftkit-codegen, craftkit-core)
#                and the token crates (syn, quote, proc-macro2): fast-expansion.toml, the
#                settings docs/generated-code.md gives;
#   override     `[profile.dev.build-override] opt-level = 3`: every build script and proc
#                macro optimized.
# and prints, per profile, the median expansion and the median intake (ms), and the CPU time of
# the first, cold `cargo check` (what the optimized profiles cost once).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${EXPANSION_DIR:-/tmp/craftkit-expansion}
templates=${TEMPLATES:-5}
variables=${VARIABLES:-200}
runs=${RUNS:-5}
profiles=(default packages override)

say() { printf '\n== %s\n' "$*" >&2; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

for knob in TEMPLATES=$templates VARIABLES=$variables RUNS=$runs; do
    [[ ${knob#*=} =~ ^[1-9][0-9]*$ ]] || fail "$knob: a positive whole number, please"
done
# Only a directory this script made (it leaves a marker) is emptied.
marker=$work/.craftkit-expansion
if [[ -e $work && ! -e $marker && -n $(ls -A "$work") ]]; then
    fail "$work exists and is not this script's: set EXPANSION_DIR to another directory"
fi
rm -rf "$work"
mkdir -p "$work/timed/src" "$work/user/src" "$work/user/.craftkit/manifests" "$work/logs"
touch "$marker"

say "making the manifest and its generated code (make_manifest, print)"
(cd "$repo" && cargo run -q -p craftkit-codegen --example make_manifest -- "$variables") >"$work/base.json"
(cd "$repo" && cargo run -q -p craftkit-codegen --example print -- "$work/base.json") >"$work/expansion.rs"
[[ -s $work/expansion.rs ]] || fail "the print example wrote no code for $work/base.json"

cat >"$work/timed/Cargo.toml" <<EOF
[package]
name = "timed"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
proc-macro = true

[dependencies]
craftkit-codegen = { path = "$repo/craftkit-codegen" }
EOF
cat >"$work/timed/src/lib.rs" <<'EOF'
//! `craftkit_template` as craftkit-macros writes it, timed; and `intake!`, rustc's part alone.
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use proc_macro::TokenStream;

fn log(what: &str, elapsed: Duration) {
    if let Some(path) = std::env::var_os("EXPANSION_LOG") {
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
        writeln!(file, "{what} {:.3}", elapsed.as_secs_f64() * 1e3).unwrap();
    }
}

/// craftkit-macros' `craftkit_template`, with a clock around it.
#[proc_macro_attribute]
pub fn craftkit_template(attr: TokenStream, item: TokenStream) -> TokenStream {
    let start = Instant::now();
    let crate_root = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
    let source = craftkit_codegen::ManifestSource::for_crate(&crate_root);
    let tokens: TokenStream = craftkit_codegen::attribute::expand(attr.into(), item.into(), &source).into();
    log("expansion", start.elapsed());
    tokens
}

/// The text of the file named by the string literal, handed to rustc as tokens.
#[proc_macro]
pub fn intake(path: TokenStream) -> TokenStream {
    let path = path.to_string();
    let text = std::fs::read_to_string(path.trim_matches('"')).unwrap();
    let start = Instant::now();
    let tokens: TokenStream = text.parse().unwrap();
    log("intake", start.elapsed());
    tokens
}
EOF

cat >"$work/user/src/lib.rs" <<EOF
//! $templates templates of $variables variables through the timed macro, and as many intakes
//! of one template's generated code.
#![allow(warnings)]
EOF
for n in $(seq 1 "$templates"); do
    sed "s/\"slug\": *\"[^\"]*\"/\"slug\": \"t$n\"/" "$work/base.json" >"$work/user/.craftkit/manifests/t$n.json"
    printf '#[timed::craftkit_template("t%s")]\npub struct T%s;\nmod intake%s { timed::intake!("%s"); }\n' \
        "$n" "$n" "$n" "$work/expansion.rs" >>"$work/user/src/lib.rs"
done

override_profile='
[profile.dev.build-override]
opt-level = 3'

for profile in "${profiles[@]}"; do
    dir=$work/user-$profile
    cp -r "$work/user" "$dir"
    cat >"$dir/Cargo.toml" <<EOF
[package]
name = "user"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
timed = { path = "../timed" }
craftkit-runtime = { path = "$repo/craftkit-runtime" }

[workspace]
EOF
    case $profile in
        packages) cat "$here/fast-expansion.toml" >>"$dir/Cargo.toml" ;;
        override) printf '%s\n' "$override_profile" >>"$dir/Cargo.toml" ;;
    esac
    cp "$repo/Cargo.lock" "$dir/"
    say "cold check, $profile"
    (cd "$dir" && CARGO_TARGET_DIR=$work/target-$profile EXPANSION_LOG=/dev/null \
        /usr/bin/time -f "%U %S" -o "$work/logs/cold-$profile" cargo check -q)
done

say "checks: $runs rounds x ${#profiles[@]} profiles x $templates templates"
for round in $(seq 1 "$runs"); do
    for profile in "${profiles[@]}"; do
        dir=$work/user-$profile
        touch "$dir/src/lib.rs"
        (cd "$dir" && CARGO_TARGET_DIR=$work/target-$profile EXPANSION_LOG=$work/logs/$profile cargo check -q)
    done
done

# Every check must have expanded every template: a check that found the crate fresh would
# leave fewer samples than the table says.
for profile in "${profiles[@]}"; do
    for what in expansion intake; do
        got=$(grep -c "^$what " "$work/logs/$profile" || true)
        ((got == runs * templates)) || fail "$profile: $got ${what}s logged, $((runs * templates)) expected"
    done
done

say "results ($templates templates x $variables variables, $runs checks each; $(nproc) cores; load, this run's own included, $(cut -d' ' -f1-3 /proc/loadavg))"
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '| profile | expansion, median ms | rustc taking in the same tokens as one string (intake), median ms | cold `cargo check` CPU s |\n|---|---:|---:|---:|\n'
for profile in "${profiles[@]}"; do
    expansion=$(awk '$1 == "expansion" { print $2 }' "$work/logs/$profile" | median)
    intake=$(awk '$1 == "intake" { print $2 }' "$work/logs/$profile" | median)
    cold=$(awk '{ printf "%.1f", $1 + $2 }' "$work/logs/cold-$profile")
    printf '| %s | %s | %s | %s |\n' "$profile" "$expansion" "$intake" "$cold"
done
