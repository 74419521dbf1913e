import Foundation
import Prometheus

/// Serves a Prometheus registry as text on `GET /metrics` over HTTP/1.1 on 127.0.0.1 (or any address).
///
/// A deliberately small server for one scrape endpoint: one thread, one connection at a time,
/// `Connection: close`. Anything but `GET /metrics` gets 404.
public final class MetricsEndpoint: @unchecked Sendable {
    // @unchecked: `listener` is written in init and by `stop()` only; the serving thread reads it.
    private let registry: PrometheusCollectorRegistry
    private var listener: Int32
    /// The TCP port actually bound (useful with port 0).
    public let port: Int

    /// Binds `host:port` (port 0 picks a free one) and starts serving on a background thread.
    public init(registry: PrometheusCollectorRegistry, host: String = "127.0.0.1", port: Int) throws {
        self.registry = registry
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { throw MetricsEndpointError.socket(String(cString: strerror(errno))) }
        var reuse: Int32 = 1
        setsockopt(socketDescriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(socketDescriptor)
            throw MetricsEndpointError.socket("not an IPv4 address: \(host)")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socketDescriptor, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(socketDescriptor)
            throw MetricsEndpointError.socket("cannot listen on \(host):\(port): \(reason)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.listener = socketDescriptor
        let thread = Thread { [self] in serve(socketDescriptor) }
        thread.name = "tripline-metrics"
        thread.start()
    }

    /// Stops accepting connections.
    public func stop() {
        let descriptor = listener
        listener = -1
        shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
    }

    private func serve(_ descriptor: Int32) {
        while true {
            let connection = accept(descriptor, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            respond(on: connection)
            close(connection)
        }
    }

    private func respond(on connection: Int32) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while request.count < 65536 {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            request.append(contentsOf: buffer[0 ..< count])
            if request.count >= 4, request.suffix(4) == [13, 10, 13, 10] { break }
        }
        let requestLine = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = requestLine.split(separator: " ")
        let body: [UInt8]
        let status: String
        if parts.count >= 2, parts[0] == "GET", parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
            status = "200 OK"
            body = registry.emitToBuffer()
        } else {
            status = "404 Not Found"
            body = Array("only GET /metrics is served here\n".utf8)
        }
        var response = Array("HTTP/1.1 \(status)\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8)
        response.append(contentsOf: body)
        var sent = 0
        while sent < response.count {
            let count = response.withUnsafeBytes { send(connection, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return }
            sent += count
        }
    }
}

/// The metrics endpoint could not start.
public enum MetricsEndpointError: Error, CustomStringConvertible {
    case socket(String)

    public var description: String {
        switch self {
        case .socket(let reason): "metrics endpoint: \(reason)"
        }
    }
}
