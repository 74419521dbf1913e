import ECS
import EQL

/// Counters a ``RuleEvaluator`` keeps; the pipeline turns them into metrics.
public struct EvaluatorStatistics: Sendable {
    /// Events evaluated.
    public var events = 0
    /// Rules tested, summed over the events: those the rule index left for each event (every rule
    /// without the index). Over ``events``, how well the index prunes.
    public var candidateRules = 0
    /// Events that reached a sequence rule after its time had already been released (later than
    /// the allowed lateness); single-event rules still saw them.
    public var lateEvents = 0
    /// The most recent of ``lateEvents``, to say where late events come from.
    public var latestLateEvent: SkippedEvent?
    /// Events without a usable timestamp, which sequence rules cannot order.
    public var untimedEvents = 0
    /// The most recent of ``untimedEvents``.
    public var latestUntimedEvent: SkippedEvent?
    /// Alerts raised, per rule id.
    public var alertsByRule: [String: Int] = [:]
    /// Partial sequences alive now, over all sequence rules.
    public var liveSequences = 0
    /// Partial sequences evicted by the cap on live sequences.
    public var evictions = 0
    /// The rule that has evicted the most of them (`nil` before any eviction).
    public var mostEvictingRule: String?
    /// Events handed to sequence rules before the allowed lateness had passed, because the reorder
    /// buffer reached ``RuleEvaluator/maximumBufferedBytes``; events arriving behind them count as late.
    public var earlyReleases = 0
    /// Bytes the reorder buffer holds now (events waiting for the allowed lateness to pass).
    public var bufferedBytes = 0
    /// Events taken into the reorder buffer because some stage of a sequence rule matched them:
    /// each is copied there, out of its batch (an event two timelines order, by different time
    /// fields, counts twice).
    public var heldEvents = 0
    /// Of ``heldEvents``, those parked: held out of the heap because, released then, they could only
    /// have extended partial sequences that did not exist (see ``RuleEvaluator``). Most are dropped
    /// unseen when their time is released; an event of the stage before theirs arriving behind one
    /// moves it into the heap.
    public var parkedEvents = 0
    /// Parked events moved into the heap so far: an event of the stage before theirs arrived behind
    /// them (out of order), or the buffer reached its bound.
    public var promotedEvents = 0
    /// Events of partial sequences compressed so far: those still held once they were no longer
    /// recent enough to be kept whole (``RetainedEventCodec``).
    public var heldEventsCompressed = 0
    /// Values of fields with contained literals that the rule index looked up in its memo of recent
    /// values, and those it found there (``RuleIndex/Candidates/memoLookups``, ``memoHits``).
    public var indexMemoLookups = 0
    public var indexMemoHits = 0

    /// Creates zeroed counters.
    public init() {}
}

/// An event that sequence rules skipped: late (its time already released, see ``RuleEvaluator``) or
/// without a usable event time. Enough to find it and see why.
public struct SkippedEvent: Sendable, Equatable {
    /// Where the event was read from.
    public let origin: RecordOrigin
    /// Its value of the evaluator's ``RuleEvaluator/skippedEventKeyField`` (the partition key, such
    /// as the host), when it has a string there.
    public let key: String?
    /// For a late event, how far its event time was behind the newest event time its evaluator had
    /// seen, in nanoseconds: the lateness that would have ordered it.
    public let behindNewest: Int64?

    public init(origin: RecordOrigin, key: String? = nil, behindNewest: Int64? = nil) {
        self.origin = origin
        self.key = key
        self.behindNewest = behindNewest
    }
}

/// Evaluates a ``RuleSet`` on a stream of events: the per-shard detection engine.
///
/// Single-event rules fire as each event arrives. Sequence rules need events in event-time order:
/// the evaluator holds them in a reorder buffer (a min-heap per distinct timestamp field) and
/// releases an event once the newest event time seen is `allowedLateness` past it (and, with several
/// source lanes, once every lane still being read is that far past it: see ``LaneClock``). Within that
/// bound, out-of-order arrival gives exactly the alerts of sorted input; an event later than that is
/// counted in ``EvaluatorStatistics/lateEvents`` and skipped by sequence rules. The buffer holds at
/// most ``maximumBufferedBytes``: past it, its oldest events are released early (counted in
/// ``EvaluatorStatistics/earlyReleases``), so memory stays bounded at any event rate.
///
/// An event that, released now, could only extend partial sequences that do not exist (a later
/// stage's, `[process where event.action == "exec"]`, while nothing waits at the stage before) is
/// *parked* beside the heap instead (``EvaluatorStatistics/parkedEvents``): dropped unseen when its
/// time is released, or moved into the heap, with its ordinal, when an event of the stage before
/// arrives behind it. The matchers see what they would see without parking, less events they would
/// drop on sight.
///
/// One ``RuleIndex`` over every rule skips the rules an event cannot match (single-event rules are
/// tested, and sequence rules see the event, only when their index requirement admits it); alerts and
/// their order are those of testing every rule. A string comparison several rules share is tested once per
/// event (``LeafMemo``), and the events partial sequences hold are kept compressed
/// (``RetainedEventCodec``).
///
/// One evaluator is owned by one thread; it takes no locks.
public struct RuleEvaluator {
    private let ruleSet: RuleSet
    private let factory: AlertFactory
    private let singleRules: [DetectionRule]
    /// `singleRules[i].query`: tested per event without copying the rule.
    private let singleQueries: [CompiledQuery]
    /// `singleQueries`, tested without retaining each (the array above keeps them alive).
    private let unretainedSingleQueries: [Unmanaged<CompiledQuery>]
    /// Which rules each event can match: positions below `singleQueries.count` are single-event
    /// rules, then each timeline's rules from its entry in `timelineStarts`.
    private let index: RuleIndex?
    /// Where each timeline's rules start among the index's positions.
    private let timelineStarts: [Int]
    /// Results of the string comparisons rules share, for the event being evaluated.
    private let memo: LeafMemo
    /// Scratch list of candidate rules, reused across events.
    private var candidates: RuleIndex.Candidates
    private var timelines: [Timeline]
    /// Compresses the events partial sequences hold (nil: they are kept whole).
    private let codec: RetainedEventCodec?
    private var arrivals: UInt64 = 0
    /// How far behind the newest event time an event may arrive and still be ordered correctly.
    public let allowedLateness: Int64
    /// The most bytes (documents and value slots) the reorder buffer holds.
    public let maximumBufferedBytes: Int
    /// The default ``maximumBufferedBytes``: 256 MiB, about 120,000 Elastic Defend process events.
    public static let defaultMaximumBufferedBytes = 256 << 20
    /// Running counters.
    public private(set) var statistics = EvaluatorStatistics()
    /// The field whose value describes a skipped event in ``EvaluatorStatistics/latestLateEvent``
    /// and ``EvaluatorStatistics/latestUntimedEvent`` (the pipeline's partition key), when it is in
    /// the rule set's catalog.
    public var skippedEventKeyField: FieldID?
    /// The latest late event (and how far behind the newest it was) and untimed event since the
    /// statistics were last refreshed: turned into ``SkippedEvent``s then, once per batch, so that a
    /// stream of late events costs a reference each, not a string.
    private var latestLate: (event: Event, behindNewest: Int64)?
    private var latestUntimed: Event?

    /// How long sequence state without a `maxspan` is assumed to matter, for ``settledEventTime``.
    public let unboundedStateRetention: Int64

    /// Creates an evaluator for `ruleSet`; `allowedLateness` is in nanoseconds (default 5 s), and
    /// `unboundedStateRetention` (default 1 h) stands in for the `maxspan` of sequences without one.
    /// `usesRuleIndex: false` tests every rule on every event (the reference the index is tested against);
    /// `parksEvents: false` puts every event sequence rules may use in the reorder heap, none aside
    /// (the reference parking is tested against);
    /// `compressesHeldEvents: false` keeps the events of partial sequences whole (see
    /// ``RetainedEventCodec``: compressed, they cost about a sixth of the memory); otherwise those
    /// held for less than `wholeHeldSpan` nanoseconds of event time stay whole, within
    /// `wholeHeldBytes` (either 0: compressed as soon as they are held).
    public init(ruleSet: RuleSet, allowedLateness: Int64 = 5_000_000_000,
                unboundedStateRetention: Int64 = 3_600_000_000_000,
                maximumBufferedBytes: Int = RuleEvaluator.defaultMaximumBufferedBytes,
                usesRuleIndex: Bool = true, parksEvents: Bool = true, compressesHeldEvents: Bool = true,
                wholeHeldSpan: Int64 = RetainedEventCodec.defaultWholeSpan,
                wholeHeldBytes: Int = RetainedEventCodec.defaultWholeByteLimit) {
        self.maximumBufferedBytes = max(0, maximumBufferedBytes)
        self.ruleSet = ruleSet
        self.factory = AlertFactory(catalog: ruleSet.catalog)
        memo = LeafMemo(slots: ruleSet.sharedComparisons)
        self.allowedLateness = allowedLateness
        self.unboundedStateRetention = unboundedStateRetention
        singleRules = ruleSet.rules.filter { !$0.query.query.needsOrderedInput }
        singleQueries = singleRules.map(\.query)
        unretainedSingleQueries = singleQueries.map(Unmanaged.passUnretained)
        let readerTimeFields = ruleSet.timestampPaths.compactMap { ruleSet.catalog.id(of: $0) }
        let codec = compressesHeldEvents
            ? RetainedEventCodec(reader: EventReader(catalog: ruleSet.catalog, timestampPaths: ruleSet.timestampPaths),
                                 wholeSpan: wholeHeldSpan, wholeByteLimit: wholeHeldBytes)
            : nil
        self.codec = codec
        var timelines: [Timeline] = []
        for rule in ruleSet.rules where rule.query.query.needsOrderedInput {
            if let index = timelines.firstIndex(where: { $0.timeFields == rule.timeFields }) {
                timelines[index].add(rule, codec: codec)
            } else {
                var timeline = Timeline(timeFields: rule.timeFields, readerTimeFields: readerTimeFields, parksEvents: parksEvents)
                timeline.add(rule, codec: codec)
                timelines.append(timeline)
            }
        }
        var indexedQueries = singleQueries
        var timelineStarts: [Int] = []
        for timeline in timelines {
            timelineStarts.append(indexedQueries.count)
            indexedQueries += timeline.queries
        }
        self.timelineStarts = timelineStarts
        index = usesRuleIndex ? RuleIndex(indexedQueries, catalog: ruleSet.catalog) : nil
        candidates = RuleIndex.Candidates(queryCount: usesRuleIndex ? indexedQueries.count : 0)
        self.timelines = timelines
    }

    /// Event time up to which no event can contribute to a future alert any more: every sequence
    /// rule has released events past it by more than its `maxspan`. A source position whose events are
    /// all at or before this time can be committed without losing state on a restart.
    /// `Int64.max` while no sequence state is held.
    public var settledEventTime: Int64 {
        var settled = Int64.max
        for timeline in timelines {
            // Nothing released yet: settled when nothing is held either.
            guard timeline.releasedTime != Int64.min else {
                if timeline.holdsNothing { continue } else { return Int64.min }
            }
            // Through the compiled queries (references), not the rules: each `DetectionRule` read
            // was a copy of the whole rule, per rule per batch.
            let horizon = timeline.queries.reduce(Int64(0)) { longest, query in
                max(longest, query.stateHorizon ?? unboundedStateRetention)
            }
            let released = timeline.releasedTime == Int64.max ? Int64.max : timeline.releasedTime &- horizon
            settled = min(settled, released)
        }
        return settled
    }

    /// A clock for the source lanes feeding this evaluator, tracking the time fields its sequence
    /// rules order by.
    public func makeLaneClock() -> LaneClock {
        LaneClock(domains: timelines.map { $0.usesEventTimestamp ? nil : $0.timeFields })
    }

    /// Evaluates `events` (in arrival order), appending the alerts they complete.
    ///
    /// `ceilings` (from ``LaneClock/ceilings(holdingBack:maximumSkew:)`` of a clock made by
    /// ``makeLaneClock()``) hold sequence rules back: no event is released past the newest time of a
    /// source lane that still has unread records, less the allowed lateness.
    public mutating func process(_ events: [Event], ceilings: [Int64]? = nil, into alerts: inout [Alert]) {
        var candidates = takeCandidates()
        for event in events { evaluate(event, candidates: &candidates, into: &alerts) }
        self.candidates = candidates
        release(under: ceilings, into: &alerts)
    }

    /// Evaluates the events of `parts` (in order, each in arrival order), then releases what the
    /// sequence rules may see, once: ``process(_:ceilings:into:)`` for a batch decoded in slices.
    /// The parts are consumed event by event, each event moved out of its array into evaluation
    /// (read from an array, an event is a copy, its references retained, and released when the
    /// array goes); pass arrays nothing else refers to, or each is copied first.
    public mutating func process(parts: consuming [[Event]], ceilings: [Int64]? = nil, into alerts: inout [Alert]) {
        var candidates = takeCandidates()
        for part in parts.indices {
            var events: [Event] = []
            swap(&events, &parts[part])
            // Popped from the end, an event moves out of the array. Reversed through a buffer,
            // whose swaps move memory (the array's own copied and released each event).
            events.withUnsafeMutableBufferPointer { $0.reverse() }
            while let event = events.popLast() { evaluate(event, candidates: &candidates, into: &alerts) }
        }
        self.candidates = candidates
        release(under: ceilings, into: &alerts)
    }

    /// The index's candidate lists, taken out of `self` for a batch (put them back after it), so
    /// that each event reads them in place while evaluating it changes the evaluator (read from a
    /// stored property, they were retained and released per event).
    private mutating func takeCandidates() -> RuleIndex.Candidates {
        var taken = RuleIndex.Candidates(queryCount: 0)
        swap(&taken, &candidates)
        return taken
    }

    /// Releases to the sequence rules what the batch's events allow, under `ceilings`.
    private mutating func release(under ceilings: [Int64]?, into alerts: inout [Alert]) {
        for index in timelines.indices {
            var matches: [(DetectionRule, SequenceMatch)] = []
            let limit = min(timelines[index].newestTime, ceilings?[index] ?? Int64.max)
            guard limit != Int64.min else { continue }
            timelines[index].release(upTo: limit &- allowedLateness, into: &matches)
            raise(matches, into: &alerts)
        }
        refreshStatistics()
    }

    /// Runs the single-event rules on `event` and hands it to the sequence timelines; `candidates`
    /// is the index's scratch (see ``process(parts:ceilings:into:)``).
    private mutating func evaluate(_ event: Event, candidates: inout RuleIndex.Candidates, into alerts: inout [Alert]) {
        statistics.events += 1
        memo.beginEvent()
        guard let index else {
            statistics.candidateRules += ruleSet.rules.count
            for index in singleQueries.indices where matchesSingle(index, event) { raise(single: index, event: event, into: &alerts) }
            hand(event, toTimelinesOffered: nil, filters: UnsafeBufferPointer(start: nil, count: 0), into: &alerts)
            return
        }
        index.candidates(of: event, into: &candidates)
        statistics.candidateRules += candidates.queries.count
        candidates.queries.withUnsafeBufferPointer { offered in
            candidates.filters.withUnsafeBufferPointer { filters in
                // Candidates ascend: the single-event rules first, then each timeline's.
                var next = 0
                let singles = singleQueries.count
                while next < offered.count, offered[next] < singles {
                    if matchesSingle(offered[next], event) { raise(single: offered[next], event: event, into: &alerts) }
                    next += 1
                }
                hand(event, toTimelinesOffered: UnsafeBufferPointer(rebasing: offered[next...]), filters: filters, into: &alerts)
            }
        }
    }

    /// Hands `event` to the sequence timelines: `offered` are the index's candidates among their
    /// rules (ascending; `nil` without an index, every rule a candidate), `filters` their filters.
    private mutating func hand(_ event: Event, toTimelinesOffered offered: UnsafeBufferPointer<Int>?,
                               filters: UnsafeBufferPointer<UInt64>, into alerts: inout [Alert]) {
        guard !timelines.isEmpty else { return }
        arrivals &+= 1
        var buffered = false
        var next = 0
        for timeline in timelines.indices {
            var candidates: UnsafeBufferPointer<Int>?
            if let offered {
                let first = next
                let end = timelineStarts[timeline] + timelines[timeline].queries.count
                while next < offered.count, offered[next] < end { next += 1 }
                candidates = UnsafeBufferPointer(rebasing: offered[first ..< next])
            }
            let outcome = timelines[timeline].accept(event, arrival: arrivals, memo: memo, candidates: candidates,
                                                     filters: filters, offset: timelineStarts[timeline])
            switch outcome {
            case .buffered, .parked:
                buffered = true
                statistics.heldEvents += 1
                if outcome == .parked { statistics.parkedEvents += 1 }
            case .irrelevant: break
            case .late(let behindNewest):
                statistics.lateEvents += 1
                latestLate = (event, behindNewest)
            case .untimed:
                statistics.untimedEvents += 1
                latestUntimed = event
            }
        }
        if buffered, bufferedBytes > maximumBufferedBytes { releaseEarly(into: &alerts) }
    }

    private var bufferedBytes: Int { timelines.reduce(0) { $0 + $1.bufferedBytes } }

    /// The reorder buffer is over its bound: releases the oldest events (all of the oldest event time
    /// of the timeline that holds it, at a time) until it is back within it.
    private mutating func releaseEarly(into alerts: inout [Alert]) {
        for index in timelines.indices { timelines[index].promoteAllParked() }
        while bufferedBytes > maximumBufferedBytes {
            guard let oldest = timelines.indices.filter({ timelines[$0].buffer.min != nil })
                .min(by: { timelines[$0].buffer.min!.ordinal < timelines[$1].buffer.min!.ordinal }) else { return }
            let before = timelines[oldest].buffer.count
            var matches: [(DetectionRule, SequenceMatch)] = []
            timelines[oldest].release(upTo: timelines[oldest].buffer.min!.ordinal.timestamp, into: &matches)
            statistics.earlyReleases += before - timelines[oldest].buffer.count
            raise(matches, into: &alerts)
            if timelines[oldest].buffer.count == before { return } // nothing could be released
        }
    }

    @inline(__always)
    private func matchesSingle(_ index: Int, _ event: Event) -> Bool {
        unretainedSingleQueries[index]._withUnsafeGuaranteedRef { $0.matches(event, memo: memo) }
    }

    /// Called while no events arrive. Event time stands still on an idle stream, so sequences
    /// waiting for the lateness bound would wait forever; once the stream has been idle (in wall-clock
    /// time) for at least the allowed lateness, event time is taken to have moved on by the idle time,
    /// releasing what was buffered and expiring partial sequences past their `maxspan`. An event that
    /// later arrives behind that point counts as late.
    public mutating func advanceWhileIdle(idleNanoseconds: Int64, into alerts: inout [Alert]) {
        guard idleNanoseconds >= allowedLateness else { return }
        for index in timelines.indices {
            let newest = timelines[index].newestTime
            guard newest != Int64.min else { continue }
            var matches: [(DetectionRule, SequenceMatch)] = []
            timelines[index].release(upTo: newest &+ idleNanoseconds &- allowedLateness, into: &matches)
            raise(matches, into: &alerts)
        }
        refreshStatistics()
    }

    /// End of input: releases every buffered event and completes what can complete.
    public mutating func finish(into alerts: inout [Alert]) {
        for index in timelines.indices {
            var matches: [(DetectionRule, SequenceMatch)] = []
            timelines[index].finish(into: &matches)
            raise(matches, into: &alerts)
        }
        refreshStatistics()
    }

    private mutating func raise(single index: Int, event: Event, into alerts: inout [Alert]) {
        let rule = singleRules[index]
        alerts.append(factory.single(rule: rule.rule, members: rule.alertMembers, event: event))
        statistics.alertsByRule[rule.rule.ruleID, default: 0] += 1
    }

    private mutating func raise(_ matches: [(DetectionRule, SequenceMatch)], into alerts: inout [Alert]) {
        for (rule, match) in matches {
            alerts.append(contentsOf: factory.sequence(rule: rule.rule, members: rule.alertMembers, events: match.events,
                                                       joinFields: rule.joinPaths, joinValues: match.joinValues))
            statistics.alertsByRule[rule.rule.ruleID, default: 0] += 1
        }
    }

    private mutating func refreshStatistics() {
        if let (event, behindNewest) = latestLate {
            statistics.latestLateEvent = skipped(event, behindNewest: behindNewest)
            latestLate = nil
        }
        if let event = latestUntimed {
            statistics.latestUntimedEvent = skipped(event)
            latestUntimed = nil
        }
        statistics.bufferedBytes = bufferedBytes
        statistics.liveSequences = timelines.reduce(0) { $0 + $1.liveSequences }
        let evictions = timelines.reduce(0) { $0 + $1.evictions }
        if evictions != statistics.evictions {
            statistics.mostEvictingRule = timelines.compactMap(\.mostEvicting).max { $0.evictions < $1.evictions }?.rule.rule.name
            statistics.evictions = evictions
        }
        statistics.promotedEvents = timelines.reduce(0) { $0 + $1.promotedEvents }
        statistics.heldEventsCompressed = codec?.compressions ?? 0
        statistics.indexMemoLookups = candidates.memoLookups
        statistics.indexMemoHits = candidates.memoHits
    }

    private func skipped(_ event: Event, behindNewest: Int64? = nil) -> SkippedEvent {
        SkippedEvent(origin: event.origin, key: skippedEventKeyField.flatMap(event.string), behindNewest: behindNewest)
    }
}

extension Query {
    /// Sequences and samples correlate several events, so they need them in event-time order.
    var needsOrderedInput: Bool { isSequence || isSample }
}
