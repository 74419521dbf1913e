import DequeModule
import ECS

/// One event of a partial sequence, and its ordinal.
struct SequenceStep {
    let event: RetainedEvent
    let ordinal: Ordinal
}

/// The events a partial sequence has matched, one per positive stage, in order. The first is kept
/// inline: starting a partial allocates no list, and most partials never get a second step.
struct SequenceSteps: RandomAccessCollection {
    private let head: SequenceStep
    private var tail: [SequenceStep] = []

    /// Steps holding `first` alone.
    init(_ first: SequenceStep) {
        head = first
    }

    var startIndex: Int { 0 }
    var endIndex: Int { tail.count &+ 1 }

    subscript(position: Int) -> SequenceStep {
        position == 0 ? head : tail[position &- 1]
    }

    mutating func append(_ step: SequenceStep) {
        tail.append(step)
    }
}

/// A partial (or complete) sequence: the events matched so far, one per positive stage.
struct PartialSequence {
    var steps: SequenceSteps
    /// Creation number, for evicting the oldest.
    let serial: UInt64
    /// The stage its last event matched.
    var stage: Int32

    var start: Ordinal { steps[0].ordinal }
    var last: Ordinal { steps[steps.count - 1].ordinal }
}

/// The state of one join key: its partial sequences and the latest `until` event.
struct KeyState {
    /// Live partials of every stage; those of one stage are in the order they reached it (oldest
    /// first). One array per key, however many stages: most keys hold one partial.
    var partials: [PartialSequence] = []
    var latestUntil: Ordinal?

    /// The position of the latest partial at `stage` whose last event is before `ordinal`.
    func latest(at stage: Int32, before ordinal: Ordinal) -> Int? {
        partials.lastIndex { $0.stage == stage && $0.last < ordinal }
    }

    /// Removes the partial at `position` (and, `withOlder`, every older partial of its stage), and
    /// returns how many were removed.
    mutating func remove(at position: Int, withOlder: Bool) -> Int {
        guard withOlder else { partials.remove(at: position); return 1 }
        let stage = partials[position].stage
        var kept = 0
        for index in partials.indices where index > position || partials[index].stage != stage {
            partials.swapAt(kept, index)
            kept &+= 1
        }
        let removed = partials.count &- kept
        partials.removeLast(removed)
        return removed
    }
}

/// The sequence state machine behind ``SequenceMatcher`` (see its documentation for semantics).
struct SequenceEngine {
    let plan: SequencePlan
    private let firstPositive: Int
    private let lastPositive: Int
    private let previousPositive: [Int]
    /// For each stage, the first stage reading the same key fields (keys are read once per event per group).
    private let keyGroup: [Int]
    private var keys: [SequenceKey: KeyState] = [:]
    /// Creation order of partials, for eviction and expiry (entries of partials already gone are
    /// skipped). Events arrive in event-time order, so this is also the order of the partials' starts.
    private var creationOrder: Deque<(key: SequenceKey, serial: UInt64, start: Int64)> = []
    /// Live partials by the stage their last event matched: a later stage whose previous one has
    /// none cannot match, so an event there needs no join key read (most events of broad later
    /// stages, `[process where event.action == "exec"]`, find nothing waiting).
    private var liveAtStage: [Int]
    /// Live partials, over every stage.
    var liveCount: Int { liveAtStage.reduce(0, +) }
    /// How the stages follow each other, by filter; `nil` with missing-event stages (whose events
    /// reject matches) or more than 64 filters.
    let stageLinks: SequenceStageLinks?
    private var nextSerial: UInt64 = 0
    private var missing: MissingEventChecker?
    private var output: ResultCollector
    /// Compresses the events partials hold (`nil`: they are kept whole).
    private let codec: RetainedEventCodec?
    private(set) var evictionCount = 0

    init(plan: SequencePlan, codec: RetainedEventCodec? = nil) {
        self.plan = plan
        self.codec = codec
        let positive = plan.stages.indices.filter { !plan.stages[$0].isMissing }
        firstPositive = positive.first!
        lastPositive = positive.last!
        var previous: [Int] = []
        var last = -1
        for index in plan.stages.indices {
            previous.append(last)
            if !plan.stages[index].isMissing { last = index }
        }
        previousPositive = previous
        keyGroup = plan.stages.indices.map { index in
            let keys = plan.stages[index].keys
            guard keys.fields.count == keys.parts.count else { return index } // expression keys: read on their own
            return plan.stages.indices.first { other in
                let otherKeys = plan.stages[other].keys
                return otherKeys.fields.count == otherKeys.parts.count && otherKeys.fields == keys.fields
            } ?? index
        }
        liveAtStage = [Int](repeating: 0, count: plan.stages.count)
        missing = plan.stages.contains(where: \.isMissing) ? MissingEventChecker(plan: plan) : nil
        stageLinks = missing == nil && plan.filters.count <= 64
            ? SequenceStageLinks(stageFilters: plan.stages.map(\.filter), untilFilter: plan.until?.filter, filterCount: plan.filters.count)
            : nil
        output = ResultCollector(limit: plan.limit)
    }

    /// Feeds one event; `filterHits`, when given, are the plan's filters the event satisfies (bit
    /// `i`: `plan.filters[i]`), already tested by the caller.
    mutating func process(_ event: Event, ordinal: Ordinal, filterHits: UInt64? = nil, into matches: inout [SequenceMatch]) {
        guard !output.isDone else { return }
        // Evaluate each distinct filter once.
        var hits: UInt64 = 0
        var extraHits: [Bool] = []
        if let filterHits, plan.filters.count <= 64 {
            hits = filterHits
            if hits == 0 { return }
        } else if plan.filters.count <= 64 {
            for (index, filter) in plan.filters.enumerated() where filter.test(event, memo: nil) == true { hits |= 1 << UInt64(index) }
            if hits == 0 { return }
        } else {
            extraHits = plan.filters.map { $0.test(event, memo: nil) == true }
            if !extraHits.contains(true) { return }
        }
        func hit(_ filter: Int) -> Bool { extraHits.isEmpty ? hits & (1 << UInt64(filter)) != 0 : extraHits[filter] }

        // Highest stage first, so one event never feeds its own partial.
        var cachedKey: (group: Int, key: SequenceKey)?
        for stageIndex in plan.stages.indices.reversed() {
            let stage = plan.stages[stageIndex]
            guard !stage.isMissing, hit(stage.filter) else { continue }
            if stageIndex != firstPositive, liveAtStage[previousPositive[stageIndex]] == 0 { continue }
            let key: SequenceKey
            if let cachedKey, cachedKey.group == keyGroup[stageIndex] {
                key = cachedKey.key
            } else {
                key = stage.keys.key(of: event)
                cachedKey = (keyGroup[stageIndex], key)
            }
            if stageIndex == firstPositive {
                let serial = nextSerial
                nextSerial &+= 1
                if stageIndex == lastPositive {
                    complete(SequenceSteps(SequenceStep(event: RetainedEvent(event), ordinal: ordinal)), key: key, into: &matches)
                } else {
                    let step = SequenceStep(event: retain(event), ordinal: ordinal)
                    track(PartialSequence(steps: SequenceSteps(step), serial: serial, stage: Int32(stageIndex)), key: key)
                }
            } else {
                match(stageIndex, key: key, event: event, ordinal: ordinal, into: &matches)
            }
            if output.isDone { return }
        }
        if missing != nil {
            for stageIndex in plan.stages.indices where plan.stages[stageIndex].isMissing && hit(plan.stages[stageIndex].filter) {
                let key = plan.stages[stageIndex].keys.key(of: event)
                missing!.record(stage: stageIndex, key: key, timestamp: ordinal.timestamp, output: &output, into: &matches)
            }
        }
        if let until = plan.until, hit(until.filter) {
            let key = until.keys.key(of: event)
            if keys[key] != nil { keys[key]!.latestUntil = ordinal }
        }
    }

    private mutating func track(_ partial: PartialSequence, key: SequenceKey) {
        keys[key, default: KeyState()].partials.append(partial)
        countLive(stage: partial.stage, by: 1)
        creationOrder.append((key, partial.serial, partial.start.timestamp))
        while liveCount > plan.maxLivePartials { evictOldest() }
        if creationOrder.count > 2 * max(liveCount, 64) { compactCreationOrder() }
    }

    private mutating func match(_ stage: Int, key: SequenceKey, event: Event, ordinal: Ordinal, into matches: inout [SequenceMatch]) {
        // One hash per stage; the state is mutated in place (empty states are dropped by `advance`).
        guard let slot = keys.index(forKey: key) else { return }
        // trimBefore: the latest partial strictly before this event, removed with all older ones.
        guard let position = keys.values[slot].latest(at: Int32(previousPositive[stage]), before: ordinal) else { return }
        var partial = keys.values[slot].partials[position]
        countLive(stage: partial.stage, by: -keys.values[slot].remove(at: position, withOlder: true))
        let tooLong = plan.maxspan > 0 && ordinal.timestamp &- partial.start.timestamp > plan.maxspan
        let untilBetween = keys.values[slot].latestUntil.map { $0 >= partial.last && $0 < ordinal } ?? false
        let rejected = tooLong || untilBetween
        // A key without partials is dropped: its `until` can no longer separate anything.
        if rejected || stage == lastPositive, keys.values[slot].partials.isEmpty { keys.remove(at: slot) }
        if rejected { return }
        if stage == lastPositive {
            partial.steps.append(SequenceStep(event: RetainedEvent(event), ordinal: ordinal))
            complete(partial.steps, key: key, into: &matches)
        } else {
            partial.steps.append(SequenceStep(event: retain(event), ordinal: ordinal))
            partial.stage = Int32(stage)
            keys.values[slot].partials.append(partial)
            countLive(stage: partial.stage, by: 1)
        }
    }

    /// The filters (bits of `plan.filters`, the first 64) of the stages right after those where a
    /// live partial sequence waits.
    var filtersExtendingLivePartials: UInt64 {
        var filters: UInt64 = 0
        for stage in plan.stages.indices.dropFirst() where plan.stages[stage].filter < 64 && liveAtStage[previousPositive[stage]] > 0 {
            filters |= 1 << UInt64(plan.stages[stage].filter)
        }
        return filters
    }

    @inline(__always)
    private mutating func countLive(stage: Int32, by change: Int) {
        liveAtStage[Int(stage)] &+= change
    }

    private func retain(_ event: Event) -> RetainedEvent {
        codec?.retain(event) ?? RetainedEvent(event)
    }

    private mutating func complete(_ steps: SequenceSteps, key: SequenceKey, into matches: inout [SequenceMatch]) {
        let match = SequenceMatch(events: steps.map { $0.event.restored(by: codec) }, ordinals: steps.map(\.ordinal),
                                  joinValues: key.joinValues)
        if missing != nil {
            missing!.check(match, key: key, output: &output, into: &matches)
        } else {
            output.add(match, into: &matches)
        }
    }

    private mutating func evictOldest() {
        while let (key, serial, _) = creationOrder.popFirst() {
            if remove(serial, key: key, withOlder: false) {
                evictionCount += 1
                return
            }
        }
    }

    /// Removes the partial `serial` of `key` if it is still live (and, `withOlder`, every older
    /// partial of its stage), dropping the key once it has none left. Returns whether it was live.
    @discardableResult
    private mutating func remove(_ serial: UInt64, key: SequenceKey, withOlder: Bool) -> Bool {
        guard let slot = keys.index(forKey: key),
              let position = keys.values[slot].partials.firstIndex(where: { $0.serial == serial }) else { return false }
        let stage = keys.values[slot].partials[position].stage
        countLive(stage: stage, by: -keys.values[slot].remove(at: position, withOlder: withOlder))
        if keys.values[slot].partials.isEmpty { keys.remove(at: slot) }
        return true
    }

    private func isLive(_ serial: UInt64, key: SequenceKey) -> Bool {
        keys[key]?.partials.contains { $0.serial == serial } ?? false
    }

    private mutating func compactCreationOrder() {
        creationOrder = Deque(creationOrder.filter { isLive($0.serial, key: $0.key) })
    }

    /// Event time has reached `watermark`: partials that started more than `maxspan` before it can no
    /// longer complete and are dropped, each with every older partial of its stage group (the next
    /// match at the following stage would pick it, reject it and trim those). Work is proportional to
    /// the partials dropped: they lead the creation order.
    mutating func advance(to watermark: Int64, into matches: inout [SequenceMatch]) {
        if plan.maxspan > 0 {
            let limit = watermark &- plan.maxspan
            while let entry = creationOrder.first, entry.start < limit {
                creationOrder.removeFirst()
                remove(entry.serial, key: entry.key, withOlder: true)
            }
        }
        missing?.advance(to: watermark, output: &output, into: &matches)
    }

    mutating func finish(into matches: inout [SequenceMatch]) {
        missing?.finish(output: &output, into: &matches)
        output.finish(into: &matches)
    }
}

/// Applies `head`/`tail` to the stream of decided matches.
struct ResultCollector {
    let limit: ResultLimit?
    private var emitted = 0
    private var held: Deque<SequenceMatch> = []

    init(limit: ResultLimit?) {
        self.limit = limit
    }

    /// Whether no more results can be emitted (`head` reached).
    var isDone: Bool {
        guard let limit, !limit.fromEnd else { return false }
        return emitted >= limit.offset + limit.count
    }

    mutating func add(_ match: SequenceMatch, into matches: inout [SequenceMatch]) {
        guard let limit else { matches.append(match); return }
        if limit.fromEnd {
            held.append(match)
            if held.count > limit.offset + limit.count { held.removeFirst() }
            return
        }
        guard emitted < limit.offset + limit.count else { return }
        emitted += 1
        if emitted > limit.offset { matches.append(match) }
    }

    mutating func finish(into matches: inout [SequenceMatch]) {
        guard let limit, limit.fromEnd else { return }
        matches.append(contentsOf: Array(held).dropLast(limit.offset).suffix(limit.count))
        held.removeAll()
    }
}
