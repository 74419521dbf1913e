import Foundation
import Synchronization
import Testing

/// Collects a pipe's output on a background thread while the process runs.
final class OutputCollector: Sendable {
    private let collected = Mutex(Data())

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                collected.withLock { $0.append(data) }
            }
        }
        thread.start()
    }

    var text: String { collected.withLock { String(decoding: $0, as: UTF8.self) } }
}

@Suite("tripline run on a live stream")
struct StreamingTests {
    @Test("a sequence completes on an open, then idle, stream; SIGTERM drains and exits cleanly")
    func liveStream() throws {
        let sample = try String(contentsOf: packageRoot.appendingPathComponent("Config/sample-events.ndjson"), encoding: .utf8)
        let encryptions = sample.split(separator: "\n").filter { $0.contains("\"R4ns0m!\"") }
        #expect(encryptions.count == 12)

        let process = Process()
        process.executableURL = triplineBinary
        process.arguments = ["run", "--input", "-", "--output", "-", "--lateness", "3"]
        process.currentDirectoryURL = packageRoot
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stdout = OutputCollector(output.fileHandleForReading)
        let stderr = OutputCollector(errors.fileHandleForReading)
        input.fileHandleForWriting.write(Data((encryptions.joined(separator: "\n") + "\n").utf8))

        // Standard input stays open: the alerts must come from idleness, not from end of input.
        _ = eventually(within: 20) { stdout.text.split(separator: "\n").count >= 33 }
        #expect(stdout.text.split(separator: "\n").count == 33, "3 sequences × 11 documents; stderr: \(stderr.text)")
        #expect(process.isRunning)

        process.terminate() // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr.text)")
        Thread.sleep(forTimeInterval: 0.2)
        #expect(stderr.text.contains("stopping: draining"), "\(stderr.text)")
        #expect(stderr.text.contains("12 events (0 bad) → 33 alert documents"), "\(stderr.text)")
    }

    @Test("--metrics-port serves Prometheus text with the pipeline's counters")
    func metricsEndpoint() throws {
        let process = Process()
        process.executableURL = triplineBinary
        process.arguments = ["run", "--input", "-", "--output", "/dev/null", "--metrics-port", "0"]
        process.currentDirectoryURL = packageRoot
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let stderr = OutputCollector(errors.fileHandleForReading)
        let sample = try String(contentsOf: packageRoot.appendingPathComponent("Config/sample-events.ndjson"), encoding: .utf8)
        input.fileHandleForWriting.write(Data(sample.utf8))
        input.fileHandleForWriting.write(Data("{not json\n".utf8))

        var port: Int?
        var body = ""
        let deadline = Date(timeIntervalSinceNow: 20)
        while Date() < deadline {
            if port == nil, let range = stderr.text.range(of: #"127\.0\.0\.1:(\d+)/metrics"#, options: .regularExpression) {
                port = Int(stderr.text[range].split(separator: ":")[1].split(separator: "/")[0])
            }
            if let port {
                body = (try? httpGet(port: port, path: "/metrics")) ?? ""
                // The shards count held events after the source counts records: wait for both.
                if body.contains("tripline_records_total{stage=\"source\"} 1136"), body.contains("tripline_held_events_total 22") { break }
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(port != nil, "\(stderr.text)")
        #expect(body.contains("tripline_records_total{stage=\"source\"} 1136"), "\(body)")
        #expect(body.contains("tripline_dead_letters_total 1"), "\(body)")
        #expect(body.contains("tripline_alerts_total{rule=\"Openssl Client or Server Activity\"} 2"), "\(body)")
        #expect(body.contains("tripline_batch_latency_seconds"), "\(body)")
        #expect(body.contains("tripline_candidate_rules_total "), "\(body)")
        // The sequence stage matches 22 events: 12 encryptions on db-01, 10 slower ones on web-01.
        #expect(body.contains("tripline_held_events_total 22"), "\(body)")
        // Its one stage (`with runs=10`) starts partial sequences: none of them is parked.
        #expect(body.contains("tripline_parked_events_total 0"), "\(body)")
        // The sample's partial sequences end within the 5 s their events are kept whole.
        #expect(body.contains("tripline_held_events_compressed_total 0"), "\(body)")
        // The founding rules have no contained literal, so nothing goes through the index's memo.
        #expect(body.contains("tripline_index_memo_lookups_total 0"), "\(body)")
        #expect(body.contains("tripline_index_memo_hits_total 0"), "\(body)")
    }
}

/// A minimal HTTP/1.1 GET over a socket (the test avoids URLSession's libcurl dependency).
func httpGet(port: Int, path: String) throws -> String {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
    var response = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count <= 0 { break }
        response.append(contentsOf: buffer[0 ..< count])
    }
    return String(decoding: response, as: UTF8.self)
}

@Suite("tripline run on a terminal")
struct ProgressLineTests {
    @Test("a progress line (events, events/s, alerts, bad, lag) is shown on a terminal and cleared before the summary")
    func progressLine() throws {
        let script = "(head -100 Config/sample-events.ndjson; sleep 1.5; tail -100 Config/sample-events.ndjson) | '\(triplineBinary.path)' run --output /dev/null"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", script, "/dev/null"] // a pseudo-terminal for tripline's stderr
        process.currentDirectoryURL = packageRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.contains("tripline: 100 events · "), "\(text)")
        #expect(text.contains(" events/s · 0 alerts · 0 bad · lag "), "\(text)")
        #expect(text.contains("\r\u{1B}[Ktripline: 200 events (0 bad)"), "\(text)")
    }

    @Test("no progress line when standard error is not a terminal")
    func noProgressLine() throws {
        let result = try tripline(["run", "--input", "Config/sample-events.ndjson", "--output", "/dev/null"])
        #expect(!result.stderr.contains("\u{1B}[K"))
    }
}
