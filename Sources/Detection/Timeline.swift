import ECS
import EQL
import HeapModule

/// The sequence rules that share one timestamp field, and the reorder buffer feeding them.
///
/// The reorder buffer is a heap of held events by ordinal, and ``ParkedEvents`` beside it: events
/// that, released now, could only extend partial sequences that do not exist. The matchers see
/// exactly what they would see had every event gone through the heap, less events they would have
/// dropped on sight:
///
/// - A rule parks an event when the event matches only filters that extend partial sequences
///   (``SequenceStageLinks/extendingFilters``), no partial sequence waits at a stage right before
///   one of them, and the heap holds no event of such a stage for the rule.
/// - Released, the event could only extend a partial sequence (of its join key, before it) made or
///   moved by an event of a stage right before, released before it. Such an event was not released
///   (no partial waited), nor in the heap when this one was parked: it was parked itself, or had
///   not arrived. Putting it in the heap, with a lower ordinal, moves this one into the heap too
///   (*promotes* it, keeping its ordinal), and so on down the stages.
/// - A parked event never promoted is dropped once released time passes it, where the heap would
///   have released it to a matcher that had nothing for it. (One at or before released time is
///   never promoted: an event that could promote it would be late.)
struct Timeline {
    enum Outcome: Equatable {
        case buffered, parked, irrelevant, untimed
        /// Relevant, but its time was already released: `behindNewest` nanoseconds behind the
        /// newest event time the timeline had seen.
        case late(behindNewest: Int64)
    }

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
    /// The buffered events, in the heap (by ``Pending/slot``) or parked; `nil` slots are free
    /// (listed in `freeSlots`).
    private var held: [Event?] = []
    /// By slot, the rules that have a stage the slot's event matches, with the filters it
    /// matched: only their matchers need to see it. A slot's list keeps its capacity when its event is
    /// released, so that holding an event allocates nothing but the event's own copy.
    private var relevantRulesOfSlot: [[RelevantRule]] = []
    private var freeSlots: [Int32] = []
    /// By slot, the bytes charged for the slot's event.
    private var chargeOfSlot: [Int] = []
    /// Per rule, how its stages follow each other (a rule without links parks nothing).
    private var stageLinks = StageLinkTable()
    /// Per rule that parks, per filter (laid out by `stageLinks`), the events in the heap relevant
    /// to the rule that match it.
    private var heldHits: [Int32] = []
    /// Per rule, ``SequenceMatcher/filtersExtendingLivePartials`` as of the last release (partial
    /// sequences change only there): read per event, the matchers' own was a copy of the matcher.
    private var extendableFiltersOfRule: [UInt64] = []
    /// The order of the parked events (their slots hold them, out of the heap).
    private var parked = ParkedEvents()
    private let parksEvents: Bool
    /// Parked events moved into the heap so far.
    private(set) var promotedEvents = 0
    /// The rules an event being accepted is relevant to, reused across events (appending to a new
    /// array per event reallocated it as it grew); a held event's slot gets a copy.
    private var relevantRules: [RelevantRule] = []
    /// Bytes the buffered events hold (documents and value slots), in the heap or parked.
    private(set) var bufferedBytes = 0
    /// The newest event time accepted so far.
    var newestTime = Int64.min
    /// Events up to this time have been handed to the matchers.
    var releasedTime = Int64.min

    /// A timeline for rules ordered by `timeFields`; `parksEvents: false` puts every event in the heap.
    init(timeFields: [FieldID], readerTimeFields: [FieldID], parksEvents: Bool) {
        self.timeFields = timeFields
        usesEventTimestamp = timeFields == readerTimeFields
        self.parksEvents = parksEvents
    }

    mutating func add(_ rule: DetectionRule, codec: RetainedEventCodec?) {
        rules.append(rule)
        queries.append(rule.query)
        unretainedQueries.append(Unmanaged.passUnretained(rule.query))
        matchers.append(rule.query.makeMatcher(codec: codec))
        stageLinks.add(parksEvents ? matchers[matchers.count - 1].stageLinks : nil)
        heldHits += repeatElement(0, count: stageLinks.entryCount - heldHits.count)
        extendableFiltersOfRule.append(0)
        parked.addRule()
    }

    /// Whether no event waits in the reorder buffer, in the heap or parked.
    var holdsNothing: Bool { buffer.isEmpty && parked.count == 0 }

    var liveSequences: Int { matchers.reduce(0) { $0 + $1.liveSequences } }
    var evictions: Int { matchers.reduce(0) { $0 + $1.evictions } }
    /// The rule whose matcher has evicted the most partial sequences, and how many; `nil` before any.
    var mostEvicting: (rule: DetectionRule, evictions: Int)? {
        guard let most = matchers.indices.max(by: { matchers[$0].evictions < matchers[$1].evictions }),
              matchers[most].evictions > 0 else { return nil }
        return (rules[most], matchers[most].evictions)
    }

    /// Takes `event` into the reorder buffer when some stage of one of the rules matches it.
    /// `candidates` are the rules the index offers (positions among all indexed rules, this
    /// timeline's starting at `offset`), with `filters` the filters of each that may match (by
    /// position, see ``RuleIndex/Candidates/filters``); `nil` tests every rule and filter.
    mutating func accept(_ event: Event, arrival: UInt64, memo: LeafMemo, candidates: UnsafeBufferPointer<Int>?,
                         filters: UnsafeBufferPointer<UInt64>, offset: Int) -> Outcome {
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
        guard time >= releasedTime else { return .late(behindNewest: newestTime &- time) }
        let ordinal = Ordinal(timestamp: time, tiebreaker: 0, arrival: arrival)
        // Held past the batch (and then by sequences and alerts): its own bytes, not its batch's buffer.
        let kept = event.compacted()
        let charge = kept.heapBytes
        bufferedBytes += charge
        // A loop, not `allSatisfy(canPark)`: the method as a closure captured (copied) the timeline.
        var parks = true
        for relevant in relevantRules where !canPark(relevant) {
            parks = false
            break
        }
        let slot = occupySlot(consume kept, charge: charge, for: relevantRules)
        if parks {
            parked.park(ordinal: ordinal, slot: slot, for: relevantRules)
            return .parked
        }
        hold(slot, ordinal: ordinal, for: relevantRules)
        return .buffered
    }

    /// Puts the event in `slot` in the heap, and promotes the events parked for its rules that it
    /// could lead to; `relevantRules` are the slot's (passed in: iterating the slot's own list
    /// retained it).
    private mutating func hold(_ slot: Int32, ordinal: Ordinal, for relevantRules: [RelevantRule]) {
        buffer.insert(Pending(ordinal: ordinal, slot: slot))
        for relevant in relevantRules where stageLinks.parks(relevant.rule) {
            let hits = relevant.filterHits ?? .max
            countHeldHits(hits, of: relevant.rule, by: 1)
            let successors = stageLinks.successors(of: relevant.rule, over: hits)
            if successors != 0, parked.mayHold(for: relevant.rule, after: ordinal, hitting: successors) {
                promoteParked(of: relevant.rule, after: ordinal, hitting: successors)
            }
        }
    }

    /// Keeps `event` (charged `charge` bytes, already counted) in a slot, for `relevantRules`.
    private mutating func occupySlot(_ event: consuming Event, charge: Int, for relevantRules: [RelevantRule]) -> Int32 {
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            held[Int(slot)] = consume event
            chargeOfSlot[Int(slot)] = charge
        } else {
            slot = Int32(held.count)
            held.append(consume event)
            chargeOfSlot.append(charge)
            // Room for a few rules from the start: a slot's list that grew each time its next event
            // was relevant to one more rule would allocate as often as a list per event did.
            relevantRulesOfSlot.append([])
            relevantRulesOfSlot[Int(slot)].reserveCapacity(max(relevantRules.count, min(queries.count, 8)))
        }
        relevantRulesOfSlot[Int(slot)].append(contentsOf: relevantRules)
        return slot
    }

    /// Empties `slot` (its event released or dropped) for the next event.
    private mutating func vacate(_ slot: Int32) {
        held[Int(slot)] = nil
        bufferedBytes -= chargeOfSlot[Int(slot)]
        relevantRulesOfSlot[Int(slot)].removeAll(keepingCapacity: true)
        freeSlots.append(slot)
    }

    /// Whether an event relevant to `relevant.rule` with its filter hits may wait parked: it matches
    /// only filters that extend partial sequences, and nothing waits (live, or in the heap) at a
    /// stage right before theirs.
    private func canPark(_ relevant: RelevantRule) -> Bool {
        let rule = relevant.rule
        guard stageLinks.parks(rule), let hits = relevant.filterHits,
              hits & ~stageLinks.extendingFilters(of: rule) == 0 else { return false }
        var before = stageLinks.predecessors(of: rule, over: hits)
        let start = stageLinks.start(of: rule)
        while before != 0 {
            if heldHits[start &+ before.trailingZeroBitCount] > 0 { return false }
            before &= before &- 1
        }
        return hits & extendableFiltersOfRule[relevant.rule] == 0
    }

    /// Counts `change` more (or fewer) events in the heap matching each filter of `hits` for `rule`.
    private mutating func countHeldHits(_ hits: UInt64, of rule: Int, by change: Int32) {
        var remaining = hits & stageLinks.filters(of: rule)
        let start = stageLinks.start(of: rule)
        while remaining != 0 {
            heldHits[start &+ remaining.trailingZeroBitCount] &+= change
            remaining &= remaining &- 1
        }
    }

    /// Moves the events parked for `rule` (among others; for any rule when nil) with an ordinal above
    /// `ordinal` (any, when nil) that match a filter among `filters` into the heap (for all their
    /// rules, which drop them there as they would have), and so on for what those lead to. Rare:
    /// see ``ParkedEvents``.
    private mutating func promoteParked(of rule: Int?, after ordinal: Ordinal?, hitting filters: UInt64) {
        // Out of `self` while it is scanned, as the tests read the slots' rules.
        var parked = self.parked
        self.parked = ParkedEvents()
        let promoted = parked.take(where: { entry in
            guard ordinal.map({ entry.ordinal > $0 }) ?? true else { return false }
            guard let rule else { return true }
            return relevantRulesOfSlot[Int(entry.slot)].contains { $0.rule == rule && ($0.filterHits ?? .max) & filters != 0 }
        }, rulesOf: { relevantRulesOfSlot[Int($0.slot)] })
        self.parked = parked
        for entry in promoted {
            // At or before released time: the heap would have released it, to matchers that had
            // nothing for it (and no event that could have changed that would be on time now).
            if entry.ordinal.timestamp <= releasedTime {
                vacate(entry.slot)
            } else {
                promotedEvents += 1
                hold(entry.slot, ordinal: entry.ordinal, for: relevantRulesOfSlot[Int(entry.slot)])
            }
        }
    }

    /// Moves every parked event into the heap (before releasing early: the heap's order decides
    /// what is oldest).
    mutating func promoteAllParked() {
        guard parked.count > 0 else { return }
        promoteParked(of: nil, after: nil, hitting: .max)
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
            for relevant in relevantRulesOfSlot[slot] {
                // Out of the heap: no longer keeps the rule from parking events of the stage after.
                if stageLinks.parks(relevant.rule) { countHeldHits(relevant.filterHits ?? .max, of: relevant.rule, by: -1) }
                found.removeAll(keepingCapacity: true)
                matchers[relevant.rule].process(released, ordinal: pending.ordinal, filterHits: relevant.filterHits, into: &found)
                for match in found { matches.append((rules[relevant.rule], match)) }
            }
            vacate(pending.slot)
        }
        releasedTime = watermark
        // Out of `self` while it expires, as expiring empties the timeline's slots.
        var parked = self.parked
        self.parked = ParkedEvents()
        parked.expire(through: watermark) { vacate($0.slot) }
        self.parked = parked
        for index in matchers.indices {
            found.removeAll(keepingCapacity: true)
            matchers[index].advance(to: watermark, into: &found)
            for match in found { matches.append((rules[index], match)) }
            if stageLinks.parks(index) { extendableFiltersOfRule[index] = matchers[index].filtersExtendingLivePartials }
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
