#!/usr/bin/env bash
# Installs what is missing, starts a Kafka-protocol broker (Tansu) on 127.0.0.1 for the Kafka tests,
# runs every test, and stops the broker again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
TRIPLINE_KAFKA_BROKERS="$(bash scripts/kafka-broker.sh start)"
export TRIPLINE_KAFKA_BROKERS
trap 'bash scripts/kafka-broker.sh stop >&2 || true' EXIT
echo "test: Kafka-protocol broker (Tansu) at $TRIPLINE_KAFKA_BROKERS" >&2
swift test "$@"
# The hot-path allocation tests count what the optimized build allocates, so they are skipped in the
# debug run above and run here in release (a build of its own: testing needs -enable-testing).
if [ $# -eq 0 ]; then
  swift test -c release -Xswiftc -enable-testing --scratch-path .build-release-tests --filter HotPathAllocationTests
fi
