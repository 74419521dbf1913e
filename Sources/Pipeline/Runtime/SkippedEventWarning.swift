import Detection
import Foundation
import Logging

/// Warns that sequence rules skipped events for one reason (late, or without event time), at most
/// once per ``interval``, naming the latest such record.
///
/// Sequence rules skip these events (single-event rules still see them), so a host whose clock lags
/// the other hosts of its shard, a source replaying out of order, or documents without a usable
/// `@timestamp` lose their sequence detections with only a counter to show for it. The warning
/// says which record to look at, and for late events the lateness that would have ordered them.
struct SkippedEventWarning {
    /// What the count of events is followed by: "arrived too late for the sequence rules".
    let what: String
    /// Appended to the warning: what causes it and what to do.
    let advice: String
    /// The name of the field ``SkippedEvent/key`` is a value of (the partition key).
    let keyName: String
    /// The least time between two warnings, in nanoseconds.
    let interval: UInt64
    private let logger: Logger
    /// Events not warned about yet, and the most recent of them.
    private var pending = 0
    private var latest: SkippedEvent?
    /// When the last warning was logged (monotonic nanoseconds); `nil` before the first.
    private var lastWarningAt: UInt64?

    /// A minute between warnings.
    static let defaultInterval: UInt64 = 60_000_000_000

    init(what: String, advice: String, keyName: String, logger: Logger, interval: UInt64 = defaultInterval) {
        self.what = what
        self.advice = advice
        self.keyName = keyName
        self.logger = logger
        self.interval = interval
    }

    /// The warning about late events, quoting `allowedLateness`.
    static func lateEvents(allowedLateness: Duration, keyName: String, logger: Logger,
                           interval: UInt64 = defaultInterval) -> SkippedEventWarning {
        SkippedEventWarning(
            what: "arrived too late for the sequence rules",
            advice: """
                the allowed lateness is \(seconds(allowedLateness.wholeNanoseconds)). A host whose clock lags the \
                others of its shard, or a source replaying out of order, does this: correct the clock, or raise \
                --lateness (Detect(allowedLateness:))
                """,
            keyName: keyName, logger: logger, interval: interval)
    }

    /// The warning about events without event time.
    static func untimedEvents(keyName: String, logger: Logger, interval: UInt64 = defaultInterval) -> SkippedEventWarning {
        SkippedEventWarning(
            what: "had no usable event time for the sequence rules",
            advice: """
                sequence rules order events by `@timestamp` (or their rule's `timestamp_override`), an ISO 8601 \
                date or epoch milliseconds
                """,
            keyName: keyName, logger: logger, interval: interval)
    }

    /// Notes `count` more skipped events, the most recent `latest`, and warns when the last warning
    /// is at least ``interval`` old at `now` (monotonic nanoseconds).
    mutating func note(_ count: Int, latest: SkippedEvent?, now: UInt64) {
        guard count > 0 else { return }
        pending += count
        if let latest { self.latest = latest }
        if let lastWarningAt, now &- lastWarningAt < interval { return }
        warn(at: now)
    }

    /// Warns about the skipped events not warned about yet, if any (at the end of a run).
    mutating func flush(now: UInt64) {
        if pending > 0 { warn(at: now) }
    }

    private mutating func warn(at now: UInt64) {
        let since = lastWarningAt == nil ? "" : " since the last warning"
        var latestOne = ""
        if let latest {
            let key = latest.key.map { " (\(keyName) \($0))" } ?? ""
            let behind = latest.behindNewest.map { ", was \(Self.seconds($0)) behind the newest event time of its shard" } ?? ""
            latestOne = ": the latest, \(latest.origin)\(key)\(behind)"
        }
        logger.warning("\(pending) event(s) \(what)\(since), which skipped them (single-event rules did not)\(latestOne); \(advice)")
        pending = 0
        latest = nil
        lastWarningAt = now
    }

    /// `nanoseconds` as seconds with a tenth: "1.5 s".
    static func seconds(_ nanoseconds: Int64) -> String {
        String(format: "%.1f s", Double(nanoseconds) / 1e9)
    }
}
