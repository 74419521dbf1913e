import Logging
import Synchronization

/// Log messages collected by ``CapturingLogHandler``, for tests that check what was logged.
public final class LogStore: Sendable {
    public let lines = Mutex<[String]>([])

    public init() {}

    /// A logger whose messages, at every level, go to this store.
    public func logger(label: String = "test") -> Logger {
        Logger(label: label) { _ in CapturingLogHandler(store: self) }
    }

    /// The messages logged so far.
    public var messages: [String] { lines.withLock { $0 } }
}

/// Collects log messages into a ``LogStore``.
public struct CapturingLogHandler: LogHandler {
    let store: LogStore
    public var logLevel: Logger.Level = .trace
    public var metadata: Logger.Metadata = [:]

    public init(store: LogStore) {
        self.store = store
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        store.lines.withLock { $0.append(event.message.description) }
    }
}
