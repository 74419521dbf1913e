import Detection
import Foundation
import Logging

/// Warns about something a pipeline counts (events sequence rules skipped, partial sequences evicted,
/// events released early) at most once per ``interval``, counting what happened since the warning
/// before and saying what the latest occurrence was.
///
/// These cost detections without failing anything: a host whose clock lags the other hosts of its
/// shard, a source replaying out of order, documents without a usable `@timestamp`, a rule whose
/// partial sequences pile up, or a reorder buffer too small for the event rate. Counters and the
/// summary at the end say how many; a long-running pipeline has no end, so this says it in the log,
/// with the record, host or rule to look at and the setting that governs it.
///
/// A warning reads "COUNT SUBJECT[ since the last warning]DETAILS", the details said of the latest
/// occurrence: "3 event(s) arrived too late for the sequence rules, which skipped them …".
struct RateLimitedWarning<Latest> {
    /// What happened, after the count: "event(s) arrived too late for the sequence rules".
    let subject: String
    /// The least time between two warnings, in nanoseconds.
    let interval: UInt64
    private let logger: Logger
    /// The rest of the warning, given the latest occurrence.
    private let details: (Latest?) -> String
    /// Occurrences not warned about yet, and the most recent of them.
    private var pending = 0
    private var latest: Latest?
    /// When the last warning was logged (monotonic nanoseconds); `nil` before the first.
    private var lastWarningAt: UInt64?

    /// A minute between warnings.
    static var defaultInterval: UInt64 { 60_000_000_000 }

    init(subject: String, logger: Logger, interval: UInt64 = defaultInterval, details: @escaping (Latest?) -> String) {
        self.subject = subject
        self.logger = logger
        self.interval = interval
        self.details = details
    }

    /// Notes `count` more occurrences, the most recent `latest`, and warns when the last warning is
    /// at least ``interval`` old at `now` (monotonic nanoseconds).
    mutating func note(_ count: Int, latest: Latest?, now: UInt64) {
        guard count > 0 else { return }
        pending += count
        if let latest { self.latest = latest }
        if let lastWarningAt, now &- lastWarningAt < interval { return }
        warn(at: now)
    }

    /// Warns about the occurrences not warned about yet, if any (at the end of a run).
    mutating func flush(now: UInt64) {
        if pending > 0 { warn(at: now) }
    }

    private mutating func warn(at now: UInt64) {
        let since = lastWarningAt == nil ? "" : " since the last warning"
        logger.warning("\(pending) \(subject)\(since)\(details(latest))")
        pending = 0
        latest = nil
        lastWarningAt = now
    }
}

/// `nanoseconds` as seconds with a tenth: "1.5 s".
func secondsText(_ nanoseconds: Int64) -> String {
    String(format: "%.1f s", Double(nanoseconds) / 1e9)
}

/// A byte count in the unit it is a whole number of: "256 MiB", "12 KiB", "100 bytes".
func bytesText(_ bytes: Int) -> String {
    if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
    if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
    return "\(bytes) bytes"
}

extension RateLimitedWarning where Latest == SkippedEvent {
    /// Events that arrived too late for the sequence rules, quoting `allowedLateness`; `keyName`
    /// is the field ``SkippedEvent/key`` is a value of (the partition key).
    static func lateEvents(allowedLateness: Duration, keyName: String, logger: Logger,
                           interval: UInt64 = defaultInterval) -> Self {
        skipped("event(s) arrived too late for the sequence rules", keyName: keyName, logger: logger, interval: interval,
                advice: """
                    the allowed lateness is \(secondsText(allowedLateness.wholeNanoseconds)). A host whose clock lags the \
                    others of its shard, or a source replaying out of order, does this: correct the clock, or raise \
                    --lateness (Detect(allowedLateness:))
                    """)
    }

    /// Events without a usable event time, which the sequence rules skipped.
    static func untimedEvents(keyName: String, logger: Logger, interval: UInt64 = defaultInterval) -> Self {
        skipped("event(s) had no usable event time for the sequence rules", keyName: keyName, logger: logger,
                interval: interval, advice: """
                    sequence rules order events by `@timestamp` (or their rule's `timestamp_override`), an ISO 8601 \
                    date or epoch milliseconds
                    """)
    }

    /// Events the sequence rules skipped, with `subject`: the details name the latest ("the latest,
    /// FILE:LINE (host.id H), was 6.0 s behind the newest event time of its shard"), then `advice`.
    private static func skipped(_ subject: String, keyName: String, logger: Logger, interval: UInt64,
                                advice: String) -> Self {
        Self(subject: subject, logger: logger, interval: interval) { latest in
            var latestOne = ""
            if let latest {
                let key = latest.key.map { " (\(keyName) \($0))" } ?? ""
                let behind = latest.behindNewest.map { ", was \(secondsText($0)) behind the newest event time of its shard" } ?? ""
                latestOne = ": the latest, \(latest.origin)\(key)\(behind)"
            }
            return ", which skipped them (single-event rules did not)\(latestOne); \(advice)"
        }
    }
}

extension RateLimitedWarning where Latest == String {
    /// Partial sequences evicted by the cap on live ones, `maximumPartialSequences`; the latest is
    /// the rule that has evicted the most.
    static func evictions(maximumPartialSequences: Int, logger: Logger, interval: UInt64 = defaultInterval) -> Self {
        Self(subject: "partial sequence(s) evicted", logger: logger, interval: interval) { rule in
            let most = rule.map { " (the most so far by '\($0)')" } ?? ""
            return """
                \(most): a rule had more than \(maximumPartialSequences) live partial sequences in a shard, and the \
                oldest went, with the alerts they might have completed. A first stage that matches too broadly, or \
                join keys that never repeat, does this; --max-partial-sequences (Detect(maximumPartialSequences:)) \
                raises the cap
                """
        }
    }
}

extension RateLimitedWarning where Latest == Never {
    /// Sequence events released before the lateness had passed because a reorder buffer was full.
    static func earlyReleases(reorderBufferBytes: Int, logger: Logger, interval: UInt64 = defaultInterval) -> Self {
        Self(subject: "sequence event(s) released early", logger: logger, interval: interval) { _ in
            """
            : a shard's reorder buffer reached its \(bytesText(reorderBufferBytes)), so events arriving behind them \
            count as late. Raise --reorder-buffer-mb (Detect(reorderBufferBytes:)), or add shards
            """
        }
    }
}

/// The warnings a pipeline's shards give through their statistics: late and untimed events,
/// evictions, early releases (see ``RateLimitedWarning``).
struct DetectionWarnings {
    var lateEvents: RateLimitedWarning<SkippedEvent>
    var untimedEvents: RateLimitedWarning<SkippedEvent>
    var evictions: RateLimitedWarning<String>
    var earlyReleases: RateLimitedWarning<Never>

    /// The warnings for `pipeline`'s settings.
    init(_ pipeline: Pipeline, logger: Logger, interval: UInt64 = RateLimitedWarning<Never>.defaultInterval) {
        let key = pipeline.partitioning.key
        lateEvents = .lateEvents(allowedLateness: pipeline.detection.allowedLateness, keyName: key, logger: logger,
                                 interval: interval)
        untimedEvents = .untimedEvents(keyName: key, logger: logger, interval: interval)
        evictions = .evictions(maximumPartialSequences: pipeline.detection.maximumPartialSequences, logger: logger,
                               interval: interval)
        earlyReleases = .earlyReleases(reorderBufferBytes: pipeline.detection.reorderBufferBytes, logger: logger,
                                       interval: interval)
    }

    /// Notes what a shard's statistics `new` count beyond its `old` ones.
    mutating func note(_ new: EvaluatorStatistics, since old: EvaluatorStatistics, now: UInt64) {
        lateEvents.note(new.lateEvents - old.lateEvents, latest: new.latestLateEvent, now: now)
        untimedEvents.note(new.untimedEvents - old.untimedEvents, latest: new.latestUntimedEvent, now: now)
        evictions.note(new.evictions - old.evictions, latest: new.mostEvictingRule, now: now)
        earlyReleases.note(new.earlyReleases - old.earlyReleases, latest: nil, now: now)
    }

    /// Warns about everything not warned about yet (at the end of a run).
    mutating func flush(now: UInt64) {
        lateEvents.flush(now: now)
        untimedEvents.flush(now: now)
        evictions.flush(now: now)
        earlyReleases.flush(now: now)
    }
}
