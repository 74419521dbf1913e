import DequeModule
import ECS

/// A partial (or complete) sequence: the events matched so far, one per positive stage.
struct PartialSequence {
    var events: [Event]
    var ordinals: [Ordinal]
    /// Creation number, for evicting the oldest.
    let serial: UInt64

    var start: Ordinal { ordinals[0] }
    var last: Ordinal { ordinals[ordinals.count - 1] }
}

/// The state of one join key: partial sequences per stage, and the latest `until` event.
struct KeyState {
    /// Partials waiting for their next stage, indexed by the stage they reached, oldest first.
    var groups: [Deque<PartialSequence>]
    var latestUntil: Ordinal?
    var live = 0

    init(stageCount: Int) {
        groups = Array(repeating: Deque(), count: stageCount)
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
    /// Creation order of live partials, for eviction and expiry (entries of partials already gone are
    /// skipped). Events arrive in event-time order, so this is also the order of the partials' starts.
    private var creationOrder: Deque<(key: SequenceKey, serial: UInt64, start: Int64)> = []
    private var liveSerials: Set<UInt64> = []
    private var nextSerial: UInt64 = 0
    private var missing: MissingEventChecker?
    private var output: ResultCollector
    private(set) var evictionCount = 0

    init(plan: SequencePlan) {
        self.plan = plan
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
        missing = plan.stages.contains(where: \.isMissing) ? MissingEventChecker(plan: plan) : nil
        output = ResultCollector(limit: plan.limit)
    }

    var liveCount: Int { liveSerials.count }

    mutating func process(_ event: Event, ordinal: Ordinal, into matches: inout [SequenceMatch]) {
        guard !output.isDone else { return }
        // Evaluate each distinct filter once.
        var hits: UInt64 = 0
        var extraHits: [Bool] = []
        if plan.filters.count <= 64 {
            for (index, filter) in plan.filters.enumerated() where filter.test(event) == true { hits |= 1 << UInt64(index) }
            if hits == 0 { return }
        } else {
            extraHits = plan.filters.map { $0.test(event) == true }
            if !extraHits.contains(true) { return }
        }
        func hit(_ filter: Int) -> Bool { extraHits.isEmpty ? hits & (1 << UInt64(filter)) != 0 : extraHits[filter] }

        // Highest stage first, so one event never feeds its own partial.
        var cachedKey: (group: Int, key: SequenceKey)?
        for stageIndex in plan.stages.indices.reversed() {
            let stage = plan.stages[stageIndex]
            guard !stage.isMissing, hit(stage.filter) else { continue }
            let key: SequenceKey
            if let cachedKey, cachedKey.group == keyGroup[stageIndex] {
                key = cachedKey.key
            } else {
                key = stage.keys.key(of: event)
                cachedKey = (keyGroup[stageIndex], key)
            }
            if stageIndex == firstPositive {
                let partial = PartialSequence(events: [event], ordinals: [ordinal], serial: nextSerial)
                nextSerial &+= 1
                if stageIndex == lastPositive {
                    complete(partial, key: key, into: &matches)
                } else {
                    track(partial, key: key, stage: stageIndex)
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

    private mutating func track(_ partial: PartialSequence, key: SequenceKey, stage: Int) {
        keys[key, default: KeyState(stageCount: plan.stages.count)].groups[stage].append(partial)
        keys[key]!.live += 1
        liveSerials.insert(partial.serial)
        creationOrder.append((key, partial.serial, partial.start.timestamp))
        while liveSerials.count > plan.maxLivePartials { evictOldest() }
        if creationOrder.count > 2 * max(liveSerials.count, 64) { compactCreationOrder() }
    }

    private mutating func match(_ stage: Int, key: SequenceKey, event: Event, ordinal: Ordinal, into matches: inout [SequenceMatch]) {
        let previous = previousPositive[stage]
        // One hash per stage; the state is mutated in place (empty states are dropped by `advance`).
        guard let slot = keys.index(forKey: key) else { return }
        // trimBefore: the latest partial strictly before this event, removed with all older ones.
        guard let position = keys.values[slot].groups[previous].lastIndex(where: { $0.last < ordinal }) else { return }
        var partial = keys.values[slot].groups[previous][position]
        dropPartials(0 ... position, stage: previous, of: slot)
        let tooLong = plan.maxspan > 0 && ordinal.timestamp &- partial.start.timestamp > plan.maxspan
        let untilBetween = keys.values[slot].latestUntil.map { $0 >= partial.last && $0 < ordinal } ?? false
        let rejected = tooLong || untilBetween
        // A key without partials is dropped: its `until` can no longer separate anything.
        if rejected || stage == lastPositive, keys.values[slot].live == 0 { keys.remove(at: slot) }
        if rejected { return }
        partial.events.append(event)
        partial.ordinals.append(ordinal)
        if stage == lastPositive {
            complete(partial, key: key, into: &matches)
        } else {
            keys.values[slot].groups[stage].append(partial)
            keys.values[slot].live += 1
            liveSerials.insert(partial.serial)
        }
    }

    private mutating func complete(_ partial: PartialSequence, key: SequenceKey, into matches: inout [SequenceMatch]) {
        if missing != nil {
            missing!.check(partial, key: key, output: &output, into: &matches)
        } else {
            output.add(SequenceMatch(events: partial.events, ordinals: partial.ordinals, joinValues: key.joinValues), into: &matches)
        }
    }

    private mutating func evictOldest() {
        while let (key, serial, _) = creationOrder.popFirst() {
            guard liveSerials.contains(serial) else { continue }
            remove(serial, key: key, withOlder: false)
            evictionCount += 1
            return
        }
    }

    /// Removes the live partial `serial` of `key` (and, `withOlder`, every older partial of its
    /// stage group), dropping the key once it has none left.
    private mutating func remove(_ serial: UInt64, key: SequenceKey, withOlder: Bool) {
        guard let slot = keys.index(forKey: key) else { return }
        for stage in keys.values[slot].groups.indices {
            guard let index = keys.values[slot].groups[stage].firstIndex(where: { $0.serial == serial }) else { continue }
            dropPartials((withOlder ? 0 : index) ... index, stage: stage, of: slot)
            break
        }
        if keys.values[slot].live == 0 { keys.remove(at: slot) }
    }

    /// Forgets the partials at `positions` of the key at `slot`'s group for `stage`.
    private mutating func dropPartials(_ positions: ClosedRange<Int>, stage: Int, of slot: Dictionary<SequenceKey, KeyState>.Index) {
        for removed in keys.values[slot].groups[stage][positions] { liveSerials.remove(removed.serial) }
        keys.values[slot].groups[stage].removeSubrange(positions)
        keys.values[slot].live -= positions.count
    }

    private mutating func compactCreationOrder() {
        creationOrder = Deque(creationOrder.filter { liveSerials.contains($0.serial) })
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
                if liveSerials.contains(entry.serial) { remove(entry.serial, key: entry.key, withOlder: true) }
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
