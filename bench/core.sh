#!/usr/bin/env bash
# Core benchmarks (issue: foundation): picks per second for every scheduler with 10 and 1000 real
# servers, connection insert and lookup rates, resident memory for 1,000,000 entries, and the
# allocations each operation costs. No network traffic. Prints a markdown summary table.
#
#   bench/core.sh                 # all core benchmarks (about 5 minutes on 2 cores)
#   bench/core.sh 'pick (wrr|mh).*'
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${BENCH_RESULTS:-/tmp/lvs-bench-results}/core-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
cd "$here/../Benchmarks"
filter=()
[ $# -gt 0 ] && filter=(--filter "$1")
swift package benchmark "${filter[@]}" --format markdown --no-progress >"$out/raw.md" 2>"$out/stderr.log"
python3 "$here/core-summary.py" "$out/raw.md" | tee "$out/summary.md"
echo "raw output: $out/raw.md" >&2
