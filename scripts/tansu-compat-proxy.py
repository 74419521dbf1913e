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

usage: tansu-compat-proxy.py LISTEN_PORT UPSTREAM_PORT [--tls-cert CERT.pem --tls-key KEY.pem]
"""
import argparse
import select
import socket
import ssl
import struct
import threading

API_VERSIONS = 18


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


def serve(client, upstream_port, tls):
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
        request = read_frame(client)
        upstream.sendall(struct.pack(">i", len(request)) + request)
        api_key, api_version, correlation = struct.unpack(">hhi", request[:8])
        if tls is None:
            threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
        response = read_frame(upstream)
        if api_key == API_VERSIONS and api_version >= 3 and response[:4] == struct.pack(">i", correlation):
            response = without_tagged_fields(response)
        client.sendall(struct.pack(">i", len(response)) + response)
    except (OSError, ConnectionError, IndexError, struct.error):
        client.close()
        upstream.close()
        return
    if tls is None:
        pump(upstream, client)
    else:
        relay(client, upstream)


def main():
    parser = argparse.ArgumentParser(description="librdkafka < 2.2 compatibility proxy for Tansu")
    parser.add_argument("listen_port", type=int)
    parser.add_argument("upstream_port", type=int)
    parser.add_argument("--tls-cert", help="serve TLS with this certificate chain (PEM)")
    parser.add_argument("--tls-key", help="the certificate's private key (PEM)")
    arguments = parser.parse_args()
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
        threading.Thread(target=serve, args=(client, arguments.upstream_port, tls), daemon=True).start()


if __name__ == "__main__":
    main()
