import ECS

/// The state of a `sample` query, with Elasticsearch's semantics on a stream.
///
/// A sample is one event per stage, all with the same join key, and all different events, in no
/// particular time order. Elasticsearch finds them per key in ascending key order, taking the
/// first matching events of each stage and choosing distinct ones by backtracking; it returns up
/// to `max_samples_per_key` distinct combinations per key. On a stream the answer only exists at
/// the end of the input, so the engine keeps, per key and stage, the first few matching events
/// (enough for the requested number of samples) and produces the samples in ``finish(into:)``.
/// Memory is bounded by ``CompileOptions/maxLivePartialSequences`` keys.
struct SampleEngine {
    let plan: SamplePlan
    /// Matching events per key, per stage, in arrival order.
    private var candidates: [SequenceKey: [[(event: Event, ordinal: Ordinal)]]] = [:]
    private let perStage: Int
    private(set) var droppedKeys = 0

    init(plan: SamplePlan) {
        self.plan = plan
        perStage = plan.stages.count * plan.maxSamplesPerKey
    }

    var liveCount: Int { candidates.count }

    mutating func process(_ event: Event, ordinal: Ordinal) {
        // A sample has at most 5 stages (one filter each), so the hits fit in a bit mask.
        var hits: UInt64 = 0
        for (index, filter) in plan.filters.enumerated() where filter.test(event, memo: nil) == true { hits |= 1 << UInt64(index) }
        guard hits != 0 else { return }
        for (index, stage) in plan.stages.enumerated() {
            guard hits & (1 << UInt64(stage.filter)) != 0 else { continue }
            let key = stage.keys.key(of: event)
            if candidates[key] == nil {
                guard candidates.count < plan.maxKeys else { droppedKeys += 1; continue }
                candidates[key] = Array(repeating: [], count: plan.stages.count)
            }
            if candidates[key]![index].count < perStage { candidates[key]![index].append((event, ordinal)) }
        }
    }

    mutating func finish(into matches: inout [SequenceMatch]) {
        var samples: [SequenceMatch] = []
        for key in candidates.keys.sorted(by: SampleEngine.ascending) {
            let lists = candidates[key]!
            guard lists.allSatisfy({ !$0.isEmpty }) else { continue }
            var chosen: [Int] = []
            var found = 0
            enumerate(lists, stage: 0, chosen: &chosen) { picks in
                let events = picks.enumerated().map { lists[$0.offset][$0.element] }
                samples.append(SequenceMatch(events: events.map(\.event), ordinals: events.map(\.ordinal), joinValues: key.joinValues))
                found += 1
                return found < plan.maxSamplesPerKey
            }
        }
        candidates.removeAll()
        matches.append(contentsOf: plan.limit.map { $0.apply(samples) } ?? samples)
    }

    /// Backtracking over one candidate per stage, all distinct events; `found` returns whether to go on.
    @discardableResult
    private func enumerate(_ lists: [[(event: Event, ordinal: Ordinal)]], stage: Int, chosen: inout [Int],
                           found: ([Int]) -> Bool) -> Bool {
        if stage == lists.count { return found(chosen) }
        for (index, candidate) in lists[stage].enumerated() {
            let used = chosen.enumerated().contains { lists[$0.offset][$0.element].ordinal == candidate.ordinal }
            if used { continue }
            chosen.append(index)
            let proceed = enumerate(lists, stage: stage + 1, chosen: &chosen, found: found)
            chosen.removeLast()
            if !proceed { return false }
        }
        return true
    }

    /// Composite-aggregation order of keys: component by component, nulls first, then booleans,
    /// numbers and strings in their natural order.
    static func ascending(_ a: SequenceKey, _ b: SequenceKey) -> Bool {
        let x = a.joinValues, y = b.joinValues
        for (first, second) in zip(x, y) {
            let order = compare(first, second)
            if order != 0 { return order < 0 }
        }
        return x.count < y.count
    }

    private static func rank(_ value: FieldValue) -> Int {
        switch value {
        case .null: 0
        case .bool: 1
        case .integer, .double: 2
        case .string: 3
        }
    }

    private static func compare(_ a: FieldValue, _ b: FieldValue) -> Int {
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
        case (.string(let x), .string(let y)): return x == y ? 0 : (Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8)) ? -1 : 1)
        case (.integer(let x), .integer(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        default:
            let x = number(a), y = number(b)
            if let x, let y { return x == y ? 0 : (x < y ? -1 : 1) }
            return rank(a) - rank(b)
        }
    }

    private static func number(_ value: FieldValue) -> Double? {
        switch value {
        case .integer(let x): Double(x)
        case .double(let x): x
        default: nil
        }
    }
}
