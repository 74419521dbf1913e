import Detection
import Foundation
import Logging

/// Warns that events arrived too late for the sequence rules, at most once per ``interval``, naming
/// where the latest came from and how far behind it was.
///
/// Sequence rules skip a late event (single-event rules still see it), so a host whose clock lags
/// the other hosts of its shard, or a source replaying out of order, loses its sequence detections
/// with only `tripline_late_events_total` to show for it. The warning says which record to look at
/// and the lateness that would have ordered it.
struct LateEventWarnings {
    /// The pipeline's allowed lateness, quoted in the warning.
    let allowedLateness: Duration
    /// The name of the field ``LateEvent/key`` is a value of (the partition key).
    let keyName: String
    /// The least time between two warnings, in nanoseconds.
    let interval: UInt64
    private let logger: Logger
    /// Late events not warned about yet, and the most recent of them.
    private var pending = 0
    private var latest: LateEvent?
    /// When the last warning was logged (monotonic nanoseconds); `nil` before the first.
    private var lastWarningAt: UInt64?

    /// A minute between warnings.
    static let defaultInterval: UInt64 = 60_000_000_000

    init(allowedLateness: Duration, keyName: String, logger: Logger, interval: UInt64 = defaultInterval) {
        self.allowedLateness = allowedLateness
        self.keyName = keyName
        self.logger = logger
        self.interval = interval
    }

    /// Notes `count` more late events, the most recent `latest`, and warns when the last warning is
    /// at least ``interval`` old at `now` (monotonic nanoseconds).
    mutating func note(_ count: Int, latest: LateEvent?, now: UInt64) {
        guard count > 0 else { return }
        pending += count
        if let latest { self.latest = latest }
        if let lastWarningAt, now &- lastWarningAt < interval { return }
        warn(at: now)
    }

    /// Warns about the late events not warned about yet, if any (at the end of a run).
    mutating func flush(now: UInt64) {
        if pending > 0 { warn(at: now) }
    }

    private mutating func warn(at now: UInt64) {
        let since = lastWarningAt == nil ? "" : " since the last warning"
        var latestOne = ""
        if let latest {
            let key = latest.key.map { " (\(keyName) \($0))" } ?? ""
            latestOne = ": the latest, \(latest.origin)\(key), was \(Self.seconds(latest.behindNewest)) behind the newest event time of its shard"
        }
        logger.warning("""
            \(pending) event(s) arrived too late for the sequence rules\(since), which skipped them \
            (single-event rules did not)\(latestOne); the allowed lateness is \(Self.seconds(allowedLateness)). \
            A host whose clock lags the others of its shard, or a source replaying out of order, does this: \
            correct the clock, or raise --lateness (Detect(allowedLateness:))
            """)
        pending = 0
        latest = nil
        lastWarningAt = now
    }

    /// `nanoseconds` as seconds with a tenth: "1.5 s".
    static func seconds(_ nanoseconds: Int64) -> String {
        String(format: "%.1f s", Double(nanoseconds) / 1e9)
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return self.seconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
