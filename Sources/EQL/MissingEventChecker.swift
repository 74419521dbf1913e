import DequeModule
import ECS

/// Decides whether a completed sequence survives its missing-event stages (`![…]`), with the
/// rules of Elasticsearch's `TumblingWindow.checkMissingEvents`, on a stream.
///
/// For a sequence with key K, first event at time S and last at time E:
/// - a **middle** missing stage (between two positive stages at times P < N) discards the
///   sequence when it has an event for K with P < t < N;
/// - the **leading** missing stages give `lastLeading`, the latest time t < S of their events for K;
/// - the **trailing** missing stages give `firstTrailing`, the first time t > E of their events for K.
///
/// The sequence is kept when no leading or trailing event exists, or when the one that exists is
/// farther than `maxspan` (with both kinds of stages: when there is no leading event, or the two are
/// farther apart than `maxspan`). Middle and leading stages are decided at completion from a short
/// history per key; trailing stages hold the match until an event decides it, event time passes
/// the point where none can, or the input ends.
struct MissingEventChecker {
    private enum Role { case leading, middle(previous: Int), trailing }

    private let maxspan: Int64
    private let roles: [Int: Role]
    private let hasLeading: Bool
    private let hasTrailing: Bool
    /// Times of leading and middle missing-stage events, per stage and key, ascending.
    private var history: [Int: [SequenceKey: Deque<Int64>]] = [:]
    /// Completed sequences waiting for the trailing check: the time the trailing event is measured from.
    private var pending: [SequenceKey: [(match: SequenceMatch, end: Int64, reference: Int64)]] = [:]
    /// The most times kept per stage and key when the query has no `maxspan` to expire them.
    static let historyLimit = 4096

    init(plan: SequencePlan) {
        maxspan = plan.maxspan
        let positive = plan.stages.indices.filter { !plan.stages[$0].isMissing }
        var roles: [Int: Role] = [:]
        for index in plan.stages.indices where plan.stages[index].isMissing {
            if index < positive.first! {
                roles[index] = .leading
            } else if index > positive.last! {
                roles[index] = .trailing
            } else {
                roles[index] = .middle(previous: positive.filter { $0 < index }.count - 1)
            }
        }
        self.roles = roles
        hasLeading = plan.stages.first!.isMissing
        hasTrailing = plan.stages.last!.isMissing
    }

    private func farther(_ from: Int64, _ to: Int64) -> Bool {
        maxspan > 0 && to &- from > maxspan
    }

    /// Records an event of missing stage `stage`, deciding pending matches it concerns.
    mutating func record(stage: Int, key: SequenceKey, timestamp: Int64, output: inout ResultCollector, into matches: inout [SequenceMatch]) {
        guard let role = roles[stage] else { return }
        switch role {
        case .leading, .middle:
            history[stage, default: [:]][key, default: []].append(timestamp)
            if maxspan == 0, history[stage]![key]!.count > Self.historyLimit {
                // Keep the earliest time (existence is what matters without maxspan) and the latest ones.
                let first = history[stage]![key]!.removeFirst()
                history[stage]![key]![0] = first
            }
        case .trailing:
            guard var waiting = pending.removeValue(forKey: key) else { return }
            waiting.removeAll { entry in
                guard timestamp > entry.end else { return false }
                if farther(entry.reference, timestamp) { output.add(entry.match, into: &matches) }
                return true
            }
            if !waiting.isEmpty { pending[key] = waiting }
        }
    }

    /// Checks a sequence whose positive stages are complete.
    mutating func check(_ partial: PartialSequence, key: SequenceKey, output: inout ResultCollector, into matches: inout [SequenceMatch]) {
        var lastLeading: Int64?
        let start = partial.start.timestamp
        let end = partial.last.timestamp
        for (stage, role) in roles {
            switch role {
            case .middle(let previous):
                let after = partial.ordinals[previous].timestamp
                let before = partial.ordinals[previous + 1].timestamp
                if let times = history[stage]?[key], times.contains(where: { $0 > after && $0 < before }) { return }
            case .leading:
                if let times = history[stage]?[key], let latest = times.last(where: { $0 < start }) {
                    lastLeading = max(lastLeading ?? latest, latest)
                }
            case .trailing:
                continue
            }
        }
        let match = SequenceMatch(events: partial.events, ordinals: partial.ordinals, joinValues: key.joinValues)
        if !hasTrailing {
            if let lastLeading, !farther(lastLeading, end) { return }
            output.add(match, into: &matches)
            return
        }
        if hasLeading, lastLeading == nil {
            output.add(match, into: &matches)
            return
        }
        pending[key, default: []].append((match, end, lastLeading ?? start))
    }

    /// Event time reached `watermark`: releases pending matches no later event can reject, and
    /// forgets history too old to matter.
    mutating func advance(to watermark: Int64, output: inout ResultCollector, into matches: inout [SequenceMatch]) {
        guard maxspan > 0 else { return }
        for key in Array(pending.keys) {
            var waiting = pending.removeValue(forKey: key)!
            waiting.removeAll { entry in
                guard farther(entry.reference, watermark) else { return false }
                output.add(entry.match, into: &matches)
                return true
            }
            if !waiting.isEmpty { pending[key] = waiting }
        }
        let horizon = watermark &- 2 &* maxspan
        for stage in Array(history.keys) {
            for key in Array(history[stage]!.keys) {
                var times = history[stage]!.removeValue(forKey: key)!
                while let first = times.first, first < horizon { times.removeFirst() }
                if !times.isEmpty { history[stage]![key] = times }
            }
        }
    }

    /// End of input: no trailing event will come, so every pending match is kept.
    mutating func finish(output: inout ResultCollector, into matches: inout [SequenceMatch]) {
        let waiting = pending.values.flatMap { $0 }.sorted { $0.match.ordinals.last! < $1.match.ordinals.last! }
        for entry in waiting { output.add(entry.match, into: &matches) }
        pending.removeAll()
    }
}
