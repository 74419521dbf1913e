import DequeModule
import ECS
import HeapModule

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
    /// Every time in `history`, in arrival (event-time) order: expiry pops the oldest first.
    private var historyOrder: Deque<(stage: Int, key: SequenceKey, time: Int64)> = []
    /// Completed sequences waiting for the trailing check: the time the trailing event is measured from.
    private var pending: [SequenceKey: [(match: SequenceMatch, end: Int64, reference: Int64, serial: UInt64)]] = [:]
    /// Pending matches by the time from which no trailing event can reject them.
    private var pendingDeadlines = Heap<PendingDeadline>()
    private var nextSerial: UInt64 = 0

    /// A pending match of `key`, decided once event time passes `reference + maxspan`.
    private struct PendingDeadline: Comparable {
        let reference: Int64
        let serial: UInt64
        let key: SequenceKey
        static func < (lhs: Self, rhs: Self) -> Bool { (lhs.reference, lhs.serial) < (rhs.reference, rhs.serial) }
        static func == (lhs: Self, rhs: Self) -> Bool { lhs.serial == rhs.serial }
    }
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
            if maxspan > 0 { historyOrder.append((stage, key, timestamp)) }
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
    mutating func check(_ match: SequenceMatch, key: SequenceKey, output: inout ResultCollector, into matches: inout [SequenceMatch]) {
        var lastLeading: Int64?
        let start = match.ordinals[0].timestamp
        let end = match.ordinals[match.ordinals.count - 1].timestamp
        for (stage, role) in roles {
            switch role {
            case .middle(let previous):
                let after = match.ordinals[previous].timestamp
                let before = match.ordinals[previous + 1].timestamp
                if let times = history[stage]?[key], times.contains(where: { $0 > after && $0 < before }) { return }
            case .leading:
                if let times = history[stage]?[key], let latest = times.last(where: { $0 < start }) {
                    lastLeading = max(lastLeading ?? latest, latest)
                }
            case .trailing:
                continue
            }
        }
        if !hasTrailing {
            if let lastLeading, !farther(lastLeading, end) { return }
            output.add(match, into: &matches)
            return
        }
        if hasLeading, lastLeading == nil {
            output.add(match, into: &matches)
            return
        }
        let reference = lastLeading ?? start
        pending[key, default: []].append((match, end, reference, nextSerial))
        if maxspan > 0 { pendingDeadlines.insert(PendingDeadline(reference: reference, serial: nextSerial, key: key)) }
        nextSerial &+= 1
    }

    /// Event time reached `watermark`: releases pending matches no later event can reject, and
    /// forgets history too old to matter. Work is proportional to what is released and forgotten:
    /// deadlines come from a heap, and history times leave in the order they arrived.
    mutating func advance(to watermark: Int64, output: inout ResultCollector, into matches: inout [SequenceMatch]) {
        guard maxspan > 0 else { return }
        while let next = pendingDeadlines.min, farther(next.reference, watermark) {
            pendingDeadlines.removeMin()
            // Gone already when a trailing event decided it.
            guard var waiting = pending.removeValue(forKey: next.key) else { continue }
            if let index = waiting.firstIndex(where: { $0.serial == next.serial }) {
                output.add(waiting.remove(at: index).match, into: &matches)
            }
            if !waiting.isEmpty { pending[next.key] = waiting }
        }
        // Times older than two maxspans can neither fall inside a sequence that may still complete
        // nor be its latest leading event within maxspan.
        let horizon = watermark &- 2 &* maxspan
        while let first = historyOrder.first, first.time < horizon {
            historyOrder.removeFirst()
            guard var times = history[first.stage]?.removeValue(forKey: first.key) else { continue }
            times.removeFirst()
            if !times.isEmpty { history[first.stage]![first.key] = times }
        }
    }

    /// End of input: no trailing event will come, so every pending match is kept.
    mutating func finish(output: inout ResultCollector, into matches: inout [SequenceMatch]) {
        let waiting = pending.values.flatMap { $0 }.sorted { $0.match.ordinals.last! < $1.match.ordinals.last! }
        for entry in waiting { output.add(entry.match, into: &matches) }
        pending.removeAll()
        pendingDeadlines = Heap()
    }
}
