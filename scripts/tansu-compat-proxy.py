#!/usr/bin/env python3
"""TCP proxy between librdkafka < 2.2 clients and the Tansu broker.

Tansu 0.6.0 answers ApiVersions v3 with four top-level tagged fields (SupportedFeatures,
FinalizedFeaturesEpoch, FinalizedFeatures, ZkMigrationReady). librdkafka before 2.2.0 skips one byte
too few per tagged field (fixed upstream by confluentinc/librdkafka#4278), misreads the rest, drops the
connection with "ApiVersionRequest failed: Local: Read underflow" and never talks to the broker. Debian
ships librdkafka 2.0.2, so the broker script puts this proxy in front of Tansu (which advertises the
proxy's address, so every client connection goes through it).

Per connection, the proxy reads the client's first request; if it is ApiVersions v3+, it rewrites the
matching response to carry no tagged fields (none of them is used by librdkafka). After that first
exchange it copies bytes both ways unchanged.

With --tls-cert and --tls-key it also terminates TLS: clients connect with security.protocol=ssl
(the test script's TLS broker), the proxy talks plaintext to Tansu behind it.

With --sasl-users FILE (lines of `user:password`) it also authenticates clients, as a Kafka broker with
SASL on would (security.protocol=sasl_plaintext; mechanisms SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN,
through SaslHandshake v1 and SaslAuthenticate v0-v1), and relays a connection to Tansu only once it has
authenticated. Tansu 0.6 cannot be used for this itself: started with --authentication it refuses to
create users, and without it it rejects every SASL handshake ("Unsupported SASL mechanism").

usage: tansu-compat-proxy.py LISTEN_PORT UPSTREAM_PORT [--tls-cert CERT.pem --tls-key KEY.pem]
                             [--sasl-users USERS]
"""
import argparse
import base64
import hashlib
import hmac
import os
import select
import socket
import ssl
import struct
import threading

API_VERSIONS = 18
SASL_HANDSHAKE = 17
SASL_AUTHENTICATE = 36
UNSUPPORTED_SASL_MECHANISM = 33
ILLEGAL_SASL_STATE = 34
SASL_AUTHENTICATION_FAILED = 58
SCRAM_HASHES = {"SCRAM-SHA-512": "sha512", "SCRAM-SHA-256": "sha256"}
MECHANISMS = ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]


def read_exact(sock, count):
    data = bytearray()
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return bytes(data)


def read_frame(sock):
    size = struct.unpack(">i", read_exact(sock, 4))[0]
    return read_exact(sock, size)


def send_frame(sock, data):
    sock.sendall(struct.pack(">i", len(data)) + data)


def exchange(upstream, request):
    """Sends a client's request to Tansu and returns Tansu's response (an ApiVersions v3+ one without its
    top-level tagged fields)."""
    send_frame(upstream, request)
    api_key, api_version, correlation = struct.unpack(">hhi", request[:8])
    response = read_frame(upstream)
    if api_key == API_VERSIONS and api_version >= 3 and response[:4] == struct.pack(">i", correlation):
        response = without_tagged_fields(response)
    return response


def read_uvarint(data, offset):
    value, shift = 0, 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, offset
        shift += 7


def without_tagged_fields(response):
    """An ApiVersions v3+ response with its top-level tagged fields removed (header v0: correlation id)."""
    offset = 4 + 2  # correlation id, error code
    count, offset = read_uvarint(response, offset)
    for _ in range(max(count - 1, 0)):
        offset += 6  # api key, min version, max version
        tags, offset = read_uvarint(response, offset)
        for _ in range(tags):
            _, offset = read_uvarint(response, offset)
            size, offset = read_uvarint(response, offset)
            offset += size
    offset += 4  # throttle time
    return response[:offset] + b"\x00"


def pump(source, destination):
    try:
        while True:
            data = source.recv(1 << 18)
            if not data:
                break
            destination.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (destination, source):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def relay(client, upstream):
    """Copies bytes both ways on one thread: a TLS socket must not be read and written by two threads."""
    try:
        while True:
            readable = [client] if client.pending() else select.select([client, upstream], [], [])[0]
            for sock in readable:
                data = sock.recv(1 << 18)
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)
    except OSError:
        pass
    finally:
        client.close()
        upstream.close()


def kafka_string(text):
    data = text.encode()
    return struct.pack(">h", len(data)) + data


def request_body(request):
    """The body of a request with a v1 header (api key, version, correlation id, client id)."""
    client_id_length = struct.unpack(">h", request[8:10])[0]
    return request[10 + max(client_id_length, 0):]


class SaslSession:
    """The server side of one connection's SASL exchange (RFC 5802 SCRAM, RFC 4616 PLAIN)."""

    def __init__(self, users):
        self.users = users
        self.mechanism = None
        self.scram = None  # (hash name, client-first-bare, server-first, salted password) between steps
        self.authenticated = False

    def handshake(self, body):
        """Answers SaslHandshake: error code and the mechanisms offered."""
        length = struct.unpack(">h", body[:2])[0]
        requested = body[2:2 + length].decode(errors="replace")
        error = 0 if requested in MECHANISMS else UNSUPPORTED_SASL_MECHANISM
        if error == 0:
            self.mechanism = requested
        mechanisms = b"".join(kafka_string(name) for name in MECHANISMS)
        return struct.pack(">hi", error, len(MECHANISMS)) + mechanisms

    def step(self, token):
        """One SaslAuthenticate token; returns (server token, error message or None)."""
        if self.mechanism == "PLAIN":
            parts = token.split(b"\0")
            if len(parts) == 3 and self.users.get(parts[1].decode(errors="replace")) == parts[2].decode(errors="replace"):
                self.authenticated = True
                return b"", None
            return b"", "Authentication failed: invalid username or password (PLAIN)"
        if self.mechanism in SCRAM_HASHES:
            return self.scram_first(token) if self.scram is None else self.scram_final(token)
        return b"", "SaslAuthenticate before a successful SaslHandshake"

    def scram_first(self, token):
        message = token.decode(errors="replace")
        bare = message.split(",", 2)[2] if message.count(",") >= 2 else ""
        attributes = dict(part.split("=", 1) for part in bare.split(",") if "=" in part)
        user = attributes.get("n", "").replace("=2C", ",").replace("=3D", "=")
        password = self.users.get(user)
        if password is None or "r" not in attributes:
            return b"", f"Authentication failed: unknown user ({self.mechanism})"
        name = SCRAM_HASHES[self.mechanism]
        salt, iterations = os.urandom(16), 4096
        nonce = attributes["r"] + base64.b64encode(os.urandom(18)).decode()
        server_first = f"r={nonce},s={base64.b64encode(salt).decode()},i={iterations}"
        salted = hashlib.pbkdf2_hmac(name, password.encode(), salt, iterations)
        self.scram = (name, bare, server_first, salted)
        return server_first.encode(), None

    def scram_final(self, token):
        name, bare, server_first, salted = self.scram
        message = token.decode(errors="replace")
        without_proof, _, proof = message.rpartition(",p=")
        auth_message = f"{bare},{server_first},{without_proof}".encode()
        client_key = hmac.new(salted, b"Client Key", name).digest()
        stored_key = hashlib.new(name, client_key).digest()
        signature = hmac.new(stored_key, auth_message, name).digest()
        try:
            sent_key = bytes(a ^ b for a, b in zip(base64.b64decode(proof), signature))
        except ValueError:
            sent_key = b""
        # The nonce must end with the server's (librdkafka sends its own nonce, then the server's whole
        # one; Kafka's broker accepts that too).
        nonce = server_first.split(",", 1)[0][2:]
        final_nonce = next((part[2:] for part in without_proof.split(",") if part.startswith("r=")), "")
        if not final_nonce.endswith(nonce) or not hmac.compare_digest(hashlib.new(name, sent_key).digest(), stored_key):
            return b"", f"Authentication failed during authentication due to invalid credentials with SASL mechanism {self.mechanism}"
        server_key = hmac.new(salted, b"Server Key", name).digest()
        self.authenticated = True
        return b"v=" + base64.b64encode(hmac.new(server_key, auth_message, name).digest()), None


def authenticate(client, upstream, users):
    """Serves the client's requests until it has authenticated (True) or failed or broke off (False)."""
    session = SaslSession(users)
    while not session.authenticated:
        request = read_frame(client)
        api_key, api_version, correlation = struct.unpack(">hhi", request[:8])
        if api_key == API_VERSIONS:
            response = exchange(upstream, request)
        elif api_key == SASL_HANDSHAKE and api_version <= 1:
            response = struct.pack(">i", correlation) + session.handshake(request_body(request))
        elif api_key == SASL_AUTHENTICATE and api_version <= 1:
            body = request_body(request)
            length = struct.unpack(">i", body[:4])[0]
            token, error = session.step(body[4:4 + max(length, 0)])
            message = struct.pack(">h", -1) if error is None else kafka_string(error)
            response = struct.pack(">ih", correlation, 0 if error is None else SASL_AUTHENTICATION_FAILED)
            response += message + struct.pack(">i", len(token)) + token
            if api_version >= 1:
                response += struct.pack(">q", 0)  # session lifetime: none
            if error is not None:
                send_frame(client, response)
                return False
        else:
            # Anything else before authenticating is refused, as a broker with SASL does: by closing.
            return False
        send_frame(client, response)
    return True


def read_users(path):
    users = {}
    with open(path) as lines:
        for line in lines:
            if ":" in line:
                user, password = line.rstrip("\n").split(":", 1)
                users[user] = password
    return users


def serve(client, upstream_port, tls, users):
    if tls is not None:
        try:
            client = tls.wrap_socket(client, server_side=True)
        except (OSError, ssl.SSLError):
            client.close()  # a client that does not trust the certificate, or does not speak TLS
            return
    try:
        upstream = socket.create_connection(("127.0.0.1", upstream_port))
    except OSError:
        client.close()
        return
    for sock in (client, upstream):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        if users is None:
            send_frame(client, exchange(upstream, read_frame(client)))  # the first exchange, fixed up
            ready = True
        else:
            ready = authenticate(client, upstream, users)
    except (OSError, ConnectionError, IndexError, ValueError, struct.error):
        ready = False
    if not ready:
        client.close()
        upstream.close()
        return
    if tls is None:
        threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
        pump(upstream, client)
    else:
        relay(client, upstream)


def main():
    parser = argparse.ArgumentParser(description="librdkafka < 2.2 compatibility proxy for Tansu")
    parser.add_argument("listen_port", type=int)
    parser.add_argument("upstream_port", type=int)
    parser.add_argument("--tls-cert", help="serve TLS with this certificate chain (PEM)")
    parser.add_argument("--tls-key", help="the certificate's private key (PEM)")
    parser.add_argument("--sasl-users", help="require SASL authentication as one of these users (lines of user:password)")
    arguments = parser.parse_args()
    users = read_users(arguments.sasl_users) if arguments.sasl_users else None
    tls = None
    if arguments.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(arguments.tls_cert, arguments.tls_key)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", arguments.listen_port))
    server.listen(128)
    while True:
        client, _ = server.accept()
        threading.Thread(target=serve, args=(client, arguments.upstream_port, tls, users), daemon=True).start()


if __name__ == "__main__":
    main()
