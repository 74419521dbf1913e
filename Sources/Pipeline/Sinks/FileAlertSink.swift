import Detection
import ECS
import Foundation

/// Writes alerts as NDJSON (one alert document per line) to a file, or to standard output for `-`.
public final class FileAlertSink: AlertSink {
    private let writer: LineWriter
    /// The file path, or `-`.
    public let path: String

    /// Opens (truncates) `path`; `-` writes to standard output.
    public init(path: String) throws {
        self.path = path
        writer = try LineWriter(path: path)
    }

    public var name: String { path == "-" ? "stdout" : "file:\(path)" }

    public func write(_ alerts: [Alert]) throws {
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000_000)
        for alert in alerts { try writer.write(line: alert.document(createdAt: now)) }
    }

    public func flush() throws { try writer.flush() }
    public func close() throws { try writer.close() }
}

/// Writes dead letters as NDJSON lines (origin, reason, original record) to a file.
public final class FileDeadLetterSink: DeadLetterSink {
    private let writer: LineWriter

    /// Opens (truncates) `path`.
    public init(path: String) throws {
        writer = try LineWriter(path: path)
    }

    public func write(_ letters: [DeadLetter]) throws {
        for letter in letters { try writer.write(line: letter.jsonLine()) }
    }

    public func flush() throws { try writer.flush() }
    public func close() throws { try writer.close() }
}

/// Reports dead letters on standard error as `origin: reason`, the first `limit` of them in full,
/// then only a count, so a flood of bad input cannot drown the terminal.
public final class StandardErrorDeadLetterSink: DeadLetterSink, @unchecked Sendable {
    // @unchecked: `reported` is only touched from the pipeline's output thread, under `lock`.
    private let writer = LineWriter(descriptor: STDERR_FILENO, name: "stderr")
    private let lock = NSLock()
    private var reported = 0
    /// How many letters are printed in full.
    public let limit: Int

    /// Creates the sink.
    public init(limit: Int = 20) { self.limit = limit }

    public func write(_ letters: [DeadLetter]) throws {
        lock.lock()
        defer { lock.unlock() }
        for letter in letters {
            reported += 1
            if reported <= limit {
                try writer.write(line: Array("tripline: bad record at \(letter.origin): \(letter.reason)".utf8))
            } else if reported == limit + 1 {
                try writer.write(line: Array("tripline: more bad records follow; only their count is reported".utf8))
            }
        }
    }

    public func flush() throws { try writer.flush() }
    public func close() throws { try writer.flush() }
}
