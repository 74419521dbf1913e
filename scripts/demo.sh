#!/usr/bin/env bash
# Installs what is missing, builds Tripline (release), and runs the default pipeline on the bundled
# sample of Linux endpoint events, printing the alerts (NDJSON) on stdout and a summary on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "demo: building (release)…" >&2
swift build -c release --product tripline 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' >&2 || true
test -x .build/release/tripline || { echo "demo: build failed" >&2; exit 1; }
echo "demo: tripline run --input Config/sample-events.ndjson" >&2
.build/release/tripline run --input Config/sample-events.ndjson "$@"
