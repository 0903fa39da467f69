#!/usr/bin/env bash
# The local server (issue 6, part 4): renders/s for a one-page and a ten-page document, and
# memory per stored render at 10,000 stored renders.
#
#   benches/server.sh [RENDERS] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p craftkit-devserver --example throughput --example memory
cargo run --release -q -p craftkit-devserver --example throughput -- "${1:-1000}" "${2:-32}"
pdf="${TMPDIR:-/tmp}/craftkit-ten-page.pdf"
if command -v pdfinfo >/dev/null; then pdfinfo "$pdf" | grep -E '^Pages:'; fi
cargo run --release -q -p craftkit-devserver --example memory -- 10000 "${2:-32}"
