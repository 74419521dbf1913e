#!/usr/bin/env bash
# Sets Tripline's JSON reader beside simdjson (a validating SIMD parser) on the same documents:
# nanoseconds per document, one core, for the documents in cache (1,000 of them, 1.7 MB, as a shard
# reads a batch the file source has just copied) and from memory (100,000, 170 MB). Tripline's reader
# validates each document and keeps a rule set's fields. simdjson is timed two ways: the DOM parser
# (validates every document whole) parsing alone, and parsing then looking the same fields up
# (`at_pointer`); and On-Demand `iterate_many` (validates only what it visits, the figure DESIGN.md
# quotes) stepping over the documents, and taking the same fields in one pass. This is the floor
# argument of README § Performance: what reading a document costs on this machine, whoever does it.
#
# Usage: bash scripts/simdjson-floor.sh WORKLOAD.ndjson [founding|linux] [BINARY]
# Installs libsimdjson-dev and g++ (Debian) when they are missing. WORKLOAD: `tripline bench --workload FILE`.
set -euo pipefail

workload=${1:?usage: simdjson-floor.sh WORKLOAD.ndjson [founding|linux] [BINARY]}
rules=${2:-founding}
binary=${3:-.build/release/tripline}
[[ -f $workload ]] || { echo "simdjson-floor: no workload at $workload (tripline bench --workload $workload)" >&2; exit 1; }
[[ -x $binary ]] || { echo "simdjson-floor: no binary at $binary (swift build -c release --product tripline)" >&2; exit 1; }
need_apt=()
[[ -f /usr/include/simdjson.h ]] || need_apt+=(libsimdjson-dev)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
if [[ ${#need_apt[@]} -gt 0 ]]; then
    echo "simdjson-floor: installing ${need_apt[*]} (apt)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tripline-simdjson-floor.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
g++ -O3 -march=native -o "$scratch/floor" "$(dirname "$0")/simdjson-floor/floor.cpp" -lsimdjson
pin=()
command -v taskset >/dev/null && pin=(taskset -c "$(($(nproc) - 1))")

# Each setting: the reader and simdjson alternately, three times, so that both meet this VM's slow
# and fast minutes; the best round of all and the median of the three runs' medians are printed.
for setting in "1000 50 in cache" "100000 5 from memory"; do
    read -r documents rounds label <<< "$setting"
    readers=() floors=() pointers=()
    for _ in 1 2 3; do
        readers+=("$("${pin[@]}" "$binary" bench measure-reader --events-file "$workload" --rule-set "$rules" \
            --document-count "$documents" --rounds "$rounds")")
        # The reader's kept paths as JSON pointers, for simdjson to look up the same fields.
        if [[ ${#pointers[@]} -eq 0 ]]; then
            mapfile -t pointers < <(python3 -c 'import json, sys; [print("/" + p.replace(".", "/")) for p in json.loads(sys.argv[1])["paths"]]' "${readers[0]}")
        fi
        floors+=("$("${pin[@]}" "$scratch/floor" "$workload" "$documents" "$rounds" "${pointers[@]}")")
    done
    python3 - "$label" "${readers[@]}" "${floors[@]}" <<'PY'
import json, statistics, sys
label = sys.argv[1]
runs = [json.loads(text) for text in sys.argv[2:]]
readers, floors = runs[:len(runs) // 2], runs[len(runs) // 2:]
first = readers[0]
print(f"{first['documents']:,} documents {label} ({first['averageBytes']:.0f} bytes each, {first['ruleSet']} rules' "
      f"{len(first['paths'])} fields), ns per document, best round / median of {len(readers)} runs:")
def row(name, runs, best, median):
    return (name, min(run[best] for run in runs), statistics.median(run[median] for run in runs))
rows = [row("Tripline EventReader, validating, keeping the fields", readers, "bestNanosecondsPerDocument", "medianNanosecondsPerDocument"),
        row(f"simdjson {floors[0]['implementation']} DOM, parsing alone", floors, "parseBest", "parseMedian"),
        row(f"simdjson DOM, parsing, then the fields' at_pointer ({floors[0]['fieldsFoundPerDocument']:.1f} found a document)",
            floors, "parseAndLookUpBest", "parseAndLookUpMedian"),
        row("simdjson On-Demand iterate_many, stepping over the documents (not validating)", floors, "onDemandBest", "onDemandMedian"),
        row("simdjson On-Demand iterate_many, taking the fields in one pass (not validating)",
            floors, "onDemandAndLookUpBest", "onDemandAndLookUpMedian")]
width = max(len(name) for name, _, _ in rows)
for name, best, median in rows:
    print(f"  {name:<{width}}  {best:>7,.0f} / {median:,.0f}")
PY
done
