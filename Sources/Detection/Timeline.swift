import ECS
import EQL
import HeapModule

/// The sequence rules that share one timestamp field, and the reorder buffer feeding them.
struct Timeline {
    enum Outcome { case buffered, irrelevant, late, untimed }

    /// A rule an event is relevant to, and its ``CompiledQuery/filterHits(_:memo:)`` for the event.
    struct RelevantRule {
        let rule: Int
        let filterHits: UInt64?
    }

    /// A buffered event in the heap: its ordinal and where it is held. Plain data, so peeking at
    /// the heap's minimum and sifting move no references.
    struct Pending: Comparable {
        let ordinal: Ordinal
        /// The event's position in ``held``.
        let slot: Int32
        static func < (lhs: Pending, rhs: Pending) -> Bool { lhs.ordinal < rhs.ordinal }
        static func == (lhs: Pending, rhs: Pending) -> Bool { lhs.ordinal == rhs.ordinal }
    }

    let timeFields: [FieldID]
    /// Whether `timeFields` are the reader's own, so ``Event/timestamp`` already holds the time.
    let usesEventTimestamp: Bool
    var rules: [DetectionRule] = []
    /// `rules[i].query`, tested per event without copying the rule.
    var queries: [CompiledQuery] = []
    /// `queries`, tested without retaining each (`queries` keeps them alive).
    var unretainedQueries: [Unmanaged<CompiledQuery>] = []
    var matchers: [SequenceMatcher] = []
    var buffer = Heap<Pending>()
    /// The buffered events, by ``Pending/slot``; `nil` slots are free (listed in `freeSlots`).
    private var held: [Event?] = []
    /// By ``Pending/slot``, the rules that have a stage the slot's event matches, with the filters it
    /// matched: only their matchers need to see it. A slot's list keeps its capacity when its event is
    /// released, so that holding an event allocates nothing but the event's own copy.
    private var relevantRulesOfSlot: [[RelevantRule]] = []
    private var freeSlots: [Int32] = []
    /// The rules an event being accepted is relevant to, reused across events (appending to a new
    /// array per event reallocated it as it grew); a held event's slot gets a copy.
    private var relevantRules: [RelevantRule] = []
    /// Bytes the buffered events hold (documents and value slots).
    private(set) var bufferedBytes = 0
    /// The newest event time accepted so far.
    var newestTime = Int64.min
    /// Events up to this time have been handed to the matchers.
    var releasedTime = Int64.min

    init(timeFields: [FieldID], readerTimeFields: [FieldID]) {
        self.timeFields = timeFields
        usesEventTimestamp = timeFields == readerTimeFields
    }

    mutating func add(_ rule: DetectionRule, codec: RetainedEventCodec?) {
        rules.append(rule)
        queries.append(rule.query)
        unretainedQueries.append(Unmanaged.passUnretained(rule.query))
        matchers.append(rule.query.makeMatcher(codec: codec))
    }

    var liveSequences: Int { matchers.reduce(0) { $0 + $1.liveSequences } }
    var evictions: Int { matchers.reduce(0) { $0 + $1.evictions } }

    /// Takes `event` into the reorder buffer when some stage of one of the rules matches it.
    /// `candidates` are the rules the index offers (positions among all indexed rules, this
    /// timeline's starting at `offset`), with `filters` the filters of each that may match (by
    /// position, see ``RuleIndex/Candidates/filters``); `nil` tests every rule and filter.
    mutating func accept(_ event: Event, arrival: UInt64, memo: LeafMemo, candidates: ArraySlice<Int>?,
                         filters: [UInt64], offset: Int) -> Outcome {
        let time = usesEventTimestamp ? event.timestamp : EventReader.eventTime(of: event, fields: timeFields)
        // Every timed event moves event time on, relevant or not, so state expires and positions settle.
        if time > newestTime { newestTime = time }
        // Most events are candidates for none of the timeline's rules.
        if let candidates, candidates.isEmpty { return .irrelevant }
        // For sequence queries `matches` means "matches some stage": only those events need ordering.
        // A matcher does nothing with an event none of its stages matches, so it need not see it.
        // Taken out of `self` while it is filled: appending to the stored array while calling
        // `test` on `self` copied the whole timeline per event.
        var relevantRules = self.relevantRules
        self.relevantRules = []
        relevantRules.removeAll(keepingCapacity: true)
        defer { self.relevantRules = relevantRules }
        if let candidates {
            for candidate in candidates {
                test(candidate &- offset, event, memo: memo, among: filters[candidate], into: &relevantRules)
            }
        } else {
            for rule in queries.indices { test(rule, event, memo: memo, among: .max, into: &relevantRules) }
        }
        guard !relevantRules.isEmpty else { return .irrelevant }
        guard time != Int64.min else { return .untimed }
        guard time >= releasedTime else { return .late }
        // Held past the batch (and then by sequences and alerts): its own bytes, not its batch's buffer.
        let kept = event.compacted()
        bufferedBytes += kept.heapBytes
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            held[Int(slot)] = kept
        } else {
            slot = Int32(held.count)
            held.append(kept)
            // Room for a few rules from the start: a slot's list that grew each time its next event
            // was relevant to one more rule would allocate as often as a list per event did.
            relevantRulesOfSlot.append([])
            relevantRulesOfSlot[Int(slot)].reserveCapacity(max(relevantRules.count, min(queries.count, 8)))
        }
        relevantRulesOfSlot[Int(slot)].append(contentsOf: relevantRules)
        buffer.insert(Pending(ordinal: Ordinal(timestamp: time, tiebreaker: 0, arrival: arrival), slot: slot))
        return .buffered
    }

    /// Appends rule `rule` to `relevantRules` when some stage of it among `filters` matches `event`.
    /// A method, not a closure over the event: a capturing local function copied the event (three
    /// retains) each call.
    @inline(__always)
    private func test(_ rule: Int, _ event: Event, memo: LeafMemo, among filters: UInt64,
                      into relevantRules: inout [RelevantRule]) {
        let query = unretainedQueries[rule]
        if let hits = query._withUnsafeGuaranteedRef({ $0.filterHits(event, memo: memo, among: filters) }) {
            if hits != 0 { relevantRules.append(RelevantRule(rule: rule, filterHits: hits)) }
        } else if query._withUnsafeGuaranteedRef({ $0.matches(event, memo: memo) }) {
            relevantRules.append(RelevantRule(rule: rule, filterHits: nil))
        }
    }

    mutating func release(upTo watermark: Int64, into matches: inout [(DetectionRule, SequenceMatch)]) {
        // At the released time itself, only events that arrived exactly at it are left to release.
        guard watermark > releasedTime || (buffer.min.map { $0.ordinal.timestamp <= watermark } ?? false) else { return }
        var found: [SequenceMatch] = []
        while let next = buffer.min, next.ordinal.timestamp <= watermark {
            let pending = buffer.removeMin()
            let slot = Int(pending.slot)
            let released = held[slot].take()!
            bufferedBytes -= released.heapBytes
            for relevant in relevantRulesOfSlot[slot] {
                found.removeAll(keepingCapacity: true)
                matchers[relevant.rule].process(released, ordinal: pending.ordinal, filterHits: relevant.filterHits, into: &found)
                for match in found { matches.append((rules[relevant.rule], match)) }
            }
            relevantRulesOfSlot[slot].removeAll(keepingCapacity: true)
            freeSlots.append(pending.slot)
        }
        releasedTime = watermark
        for index in matchers.indices {
            found.removeAll(keepingCapacity: true)
            matchers[index].advance(to: watermark, into: &found)
            for match in found { matches.append((rules[index], match)) }
        }
    }

    mutating func finish(into matches: inout [(DetectionRule, SequenceMatch)]) {
        release(upTo: Int64.max, into: &matches)
        var found: [SequenceMatch] = []
        for index in matchers.indices {
            found.removeAll(keepingCapacity: true)
            matchers[index].finish(into: &found)
            for match in found { matches.append((rules[index], match)) }
        }
    }
}
