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
