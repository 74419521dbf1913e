#!/usr/bin/env bash
# Installs what is missing, starts a Kafka-protocol broker (Tansu) on 127.0.0.1 for the Kafka tests,
# runs every test, and stops the broker again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if [ -f scripts/kafka-broker.sh ]; then
    bash scripts/kafka-broker.sh start >&2
    trap 'bash scripts/kafka-broker.sh stop >&2 || true' EXIT
fi
swift test "$@"
