#!/usr/bin/env bash
# The packet engine's decision path alone (docs/design/0025-packet-engine-without-a-lock.md):
# packets of established connections decided under the director's lock (`--packet-locked`)
# against the workers' own flow tables, with one and two threads, in one interleaved run.
# Compiles LVSCore with the engine's FlowTable and WorkerDecider and bench/decider/main.swift
# into one optimised binary (no SwiftPM, no dependencies); no network traffic.
#
#   bench/decider-bench.sh                 # 2,000,000 packets per thread, 3 repetitions
#   PACKETS=500000 REPS=1 bench/decider-bench.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
work=$(mktemp -d /tmp/lvs-decider-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
# One module: the engine files' `import LVSCore` refers to files compiled alongside.
for file in "$repo"/Sources/LVSCore/*/*.swift "$repo"/Sources/LVSPacketEngine/FlowTable.swift \
  "$repo"/Sources/LVSPacketEngine/PacketEngineDirector.swift; do
  sed '/^import LVSCore$/d' "$file" >"$work/$(basename "$(dirname "$file")")-$(basename "$file")"
done
cp "$here/decider/main.swift" "$work/main.swift"
swiftc -O -wmo -swift-version 6 -module-name DeciderBench -o "$work/decider-bench" "$work"/*.swift
"$work/decider-bench"
