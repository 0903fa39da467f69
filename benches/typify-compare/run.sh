#!/usr/bin/env bash
# craftkit-codegen against typify on the same shape, 100 to 50,000 variables: builds the
# comparison in release mode and prints a Markdown table (progress goes to stderr).
#
#   benches/typify-compare/run.sh                      # every size, default runs per size
#   benches/typify-compare/run.sh --sizes 100,1000 --samples 5
#
# CARGO_TARGET_DIR is honoured (default: this crate's own target/).
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --locked --quiet
exec "${CARGO_TARGET_DIR:-target}/release/typify-compare" "$@"
