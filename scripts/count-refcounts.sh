#!/usr/bin/env bash
# Counts Swift's reference-count operations (calls of swift_retain and swift_release) per event of a
# `tripline bench measure-pipeline` run, as uprobes on libswiftCore. Unlike throughput, the count
# does not move with this VM's hour: a change to the hot path shows in it exactly. Rule loading is
# left out by subtracting a run over the workload's first 1,000 events.
#
# Usage: bash scripts/count-refcounts.sh WORKLOAD.ndjson [founding|linux] [BINARY]
# Needs perf with uprobe support, as root (the bench's workload: `tripline bench --workload FILE`).
set -euo pipefail

workload=${1:?usage: count-refcounts.sh WORKLOAD.ndjson [founding|linux] [BINARY]}
rules=${2:-linux}
binary=${3:-.build/release/tripline}
command -v perf >/dev/null || { echo "count-refcounts: perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
[[ -x $binary ]] || { echo "count-refcounts: no binary at $binary (swift build -c release --product tripline)" >&2; exit 1; }

runtime=$(ldd "$binary" | awk '/libswiftCore.so/ { print $3 }')
[[ -n $runtime ]] || { echo "count-refcounts: $binary does not link libswiftCore.so" >&2; exit 1; }
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tripline-refcounts.XXXXXX")
cleanup() {
    perf probe -q -d 'probe_libswiftCore:swift_retain' -d 'probe_libswiftCore:swift_release' 2>/dev/null || true
    rm -rf "$scratch"
}
trap cleanup EXIT
perf probe -q -x "$runtime" swift_retain
perf probe -q -x "$runtime" swift_release
head -n 1000 "$workload" > "$scratch/prefix.ndjson"

# Prints "events retains releases" for one run over $1.
count() {
    local events
    events=$(perf stat -x, -o "$scratch/stat" -e probe_libswiftCore:swift_retain,probe_libswiftCore:swift_release \
        "$binary" bench measure-pipeline --events-file "$1" --rule-set "$rules" --shard-count 1 \
        --alerts-file "$scratch/alerts.ndjson" | python3 -c 'import json, sys; print(json.loads(sys.stdin.read().splitlines()[-1])["events"])')
    echo "$events $(awk -F, '/swift_retain/ { r = $1 } /swift_release/ { l = $1 } END { print r, l }' "$scratch/stat")"
}

read -r events retains releases <<< "$(count "$workload")"
read -r prefix_events prefix_retains prefix_releases <<< "$(count "$scratch/prefix.ndjson")"
python3 - "$rules" "$events" "$retains" "$releases" "$prefix_events" "$prefix_retains" "$prefix_releases" <<'EOF'
import sys
rules, events, retains, releases, prefix_events, prefix_retains, prefix_releases = sys.argv[1], *map(int, sys.argv[2:])
measured = events - prefix_events
print(f"{rules} rules, {measured:,} events beyond the first {prefix_events:,}: "
      f"{(retains - prefix_retains) / measured:.2f} retains and {(releases - prefix_releases) / measured:.2f} releases per event")
EOF
