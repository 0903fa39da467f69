#!/usr/bin/env bash
# The crates users depend on, built and tested against the newest compatible version of every
# dependency, as a user's own crate resolves them, not against our Cargo.lock; under
# `-D warnings`, so that a dependency's next deprecation (as rustls 0.23.48's of
# `ring::default_provider`) fails here before a user sees the warning.
#
# It runs in a scratch copy of the workspace (the lockfile updated there, never here) with its
# own target directory, both removed at the end. A second cold build: 3.8 CPU-minutes
# (user and system; 16.7 min of wall time measured on a machine shared with six other builds).
set -euo pipefail
cd "$(dirname "$0")/.."

scratch="$(mktemp -d "${TMPDIR:-/tmp}/craftkit-latest-deps.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/ws"
# The sources, without any build output or git metadata.
tar -cf - --exclude=./.git --exclude=target . | tar -xf - -C "$scratch/ws"
cd "$scratch/ws"

export CARGO_TARGET_DIR="$scratch/target"
export CARGO_INCREMENTAL=0
# No debug info: this build is only compiled and run once.
export CARGO_PROFILE_DEV_DEBUG=0
export CARGO_PROFILE_TEST_DEBUG=0
# Workspace crates only: cargo caps lints of registry crates whatever RUSTFLAGS says.
export RUSTFLAGS="-D warnings"
export RUSTDOCFLAGS="-D warnings"

# The newest versions the workspace's rust-version allows (the resolver's default): what a user
# of our minimum Rust gets. Print what moved past the lockfile.
cargo update 2>&1 | grep -E '^\s*(Updating|Adding|Removing|Downgrading) ' || true

# The runtime with every feature (client, blocking, webhook, axum, macros, fetch, time,
# chrono): its unit tests; and with none (the value types alone).
cargo test -p craftkit-runtime --all-features --lib
cargo check -p craftkit-runtime --no-default-features
# The generator with live fetching, and every example as a user writes them (the runtime's
# default features).
cargo build -p craftkit-codegen --features fetch
cargo build -p craftkit-example-builder -p craftkit-example-macro -p craftkit-example-overrides \
    -p craftkit-example-render -p craftkit-example-webhook-receiver
echo "latest-deps: the runtime, the generator and the examples build and pass on the newest dependencies"
