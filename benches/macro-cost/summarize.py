#!/usr/bin/env python3
"""Prints the Markdown table of run.sh's measurements.

    summarize.py RESULTS_DIR

Reads the hyperfine exports RESULTS_DIR/<case>.json, each with two commands named `macro`
and `checked-in`, and prints one row per case: the median (and mean ± standard deviation)
of each, and the ratio macro / checked-in of the medians; then the same for the mean CPU time
(user + system, summed over cargo and the compilers it runs), which other load on the machine
disturbs less than the wall time.
"""

import json
import sys
from pathlib import Path

CASES = [
    ("check-module", "`cargo check` after touching one template module"),
    ("check-lib", "`cargo check` after touching lib.rs"),
    ("build-crate", "`cargo build` after `cargo clean -p <crate>`"),
    ("build-full", "`cargo build` after `cargo clean` (all dependencies)"),
]


def cell(result):
    return (
        f"{result['median']:.2f} s ({result['mean']:.2f} ± {result['stddev'] or 0:.2f}, "
        f"n={len(result['times'])})"
    )


def cpu(result):
    return result["user"] + result["system"]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    results = Path(sys.argv[1])
    print(
        "| case | macro: wall median (mean ± sd) | checked-in | ratio | macro: CPU"
        " | checked-in: CPU | ratio |"
    )
    print("|---|---|---|---|---|---|---|")
    for case, title in CASES:
        path = results / f"{case}.json"
        if not path.exists():
            continue
        by_name = {r["command"]: r for r in json.loads(path.read_text())["results"]}
        macro, checked_in = by_name["macro"], by_name["checked-in"]
        ratio = macro["median"] / checked_in["median"]
        cpu_ratio = cpu(macro) / cpu(checked_in)
        print(
            f"| {title} | {cell(macro)} | {cell(checked_in)} | {ratio:.3f} "
            f"| {cpu(macro):.2f} s | {cpu(checked_in):.2f} s | {cpu_ratio:.3f} |"
        )


if __name__ == "__main__":
    main()
