#!/usr/bin/env bash
# R9's benchmark: the diff of two versions at every definition limit, on the
# release build of the test suite (build it first: `cargo leptos test
# --release --split` or `bash scripts/test.sh`). Prints time and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=$(ls -t target/release/deps/suite-* 2>/dev/null | grep -v '\.d$' | head -n1)
[ -n "$suite" ] || { echo "no release test build: run cargo leptos test --release --split first"; exit 1; }
"$suite" --ignored --exact domain_diff::bench_diff_of_two_largest_allowed_versions --nocapture --test-threads=1
