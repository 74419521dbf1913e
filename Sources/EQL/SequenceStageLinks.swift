/// How the stages of a sequence follow each other, seen through their filters (bit `i`: filter `i`
/// of ``CompiledQuery/filterHits(_:memo:among:)``): which filters' events can only extend a partial
/// sequence, and which stages come right before and right after each filter's.
///
/// For `sequence [a] [b] [c] until [u]` (filters 0, 1, 2, 3), ``extendingFilters`` is `b` and `c`
/// (bits 1 and 2): their events never start a partial sequence or end one. Filter `c`'s
/// predecessors are `b` (a partial waiting at `b`'s stage is what a `c` event extends); `a`'s
/// successors are `b`. A stage written `with runs=N` is N stages sharing one filter, so a filter
/// can be its own predecessor and successor.
public struct SequenceStageLinks: Sendable, Equatable {
    /// Filters that only positive stages after the first have (not the first stage's, not `until`'s).
    public let extendingFilters: UInt64
    /// By filter: the filters of the stages right before a stage with that filter.
    public let predecessors: [UInt64]
    /// By filter: the filters of the stages right after a stage with that filter.
    public let successors: [UInt64]

    /// Links of a sequence whose stages (all positive) have `stageFilters`, in order, with
    /// `untilFilter` for `until`; `filterCount` (at most 64) filters in all.
    public init(stageFilters: [Int], untilFilter: Int?, filterCount: Int) {
        precondition(filterCount <= 64 && !stageFilters.isEmpty, "links need 1 to 64 filters and a stage")
        var extending: UInt64 = 0
        var predecessors = [UInt64](repeating: 0, count: filterCount)
        var successors = [UInt64](repeating: 0, count: filterCount)
        for stage in stageFilters.indices.dropFirst() {
            let filter = stageFilters[stage], previous = stageFilters[stage - 1]
            extending |= 1 << UInt64(filter)
            predecessors[filter] |= 1 << UInt64(previous)
            successors[previous] |= 1 << UInt64(filter)
        }
        extending &= ~(1 << UInt64(stageFilters[0]))
        if let untilFilter { extending &= ~(1 << UInt64(untilFilter)) }
        extendingFilters = extending
        self.predecessors = predecessors
        self.successors = successors
    }
}
