import EQL

/// The ``SequenceStageLinks`` of a timeline's rules, flattened: per rule, where its filters start
/// in one list of predecessor and one of successor masks, read per event without copying (and
/// retaining) a rule's links, as reading a `[SequenceStageLinks?]` element did.
///
/// A rule's filters also number its entries in any table laid out by ``start(of:)`` and
/// ``filterCount(of:)``, such as ``Timeline``'s count of held events per filter.
struct StageLinkTable {
    /// Per rule, the position of its filter 0 in `predecessors` and `successors`, or -1 for a rule
    /// without links (it parks nothing).
    private var starts: [Int32] = []
    /// Per rule, how many filters it has (0 without links).
    private var filterCounts: [Int32] = []
    /// Per rule, ``SequenceStageLinks/extendingFilters`` (0 without links).
    private var extending: [UInt64] = []
    private var predecessors: [UInt64] = []
    private var successors: [UInt64] = []

    /// Entries the table lays out over all rules (the size of a table with one entry per filter).
    var entryCount: Int { predecessors.count }

    /// Adds the next rule's links (`nil`: it parks nothing).
    mutating func add(_ links: SequenceStageLinks?) {
        guard let links else {
            starts.append(-1)
            filterCounts.append(0)
            extending.append(0)
            return
        }
        starts.append(Int32(predecessors.count))
        filterCounts.append(Int32(links.predecessors.count))
        extending.append(links.extendingFilters)
        predecessors += links.predecessors
        successors += links.successors
    }

    /// Whether `rule` has links (and so may park events).
    @inline(__always) func parks(_ rule: Int) -> Bool { starts[rule] >= 0 }

    /// Where `rule`'s filter 0 is in a table laid out by this one.
    @inline(__always) func start(of rule: Int) -> Int { Int(starts[rule]) }

    /// The filters of `rule` as a mask (every filter of a rule without links: none).
    @inline(__always) func filters(of rule: Int) -> UInt64 {
        let count = filterCounts[rule]
        return count == 64 ? .max : (1 << UInt64(count)) &- 1
    }

    /// ``SequenceStageLinks/extendingFilters`` of `rule`.
    @inline(__always) func extendingFilters(of rule: Int) -> UInt64 { extending[rule] }

    /// The filters of the stages right before those of `filters`, for `rule` (which has links).
    @inline(__always) func predecessors(of rule: Int, over filters: UInt64) -> UInt64 {
        union(of: predecessors, from: start(of: rule), over: filters & self.filters(of: rule))
    }

    /// The filters of the stages right after those of `filters`, for `rule` (which has links).
    @inline(__always) func successors(of rule: Int, over filters: UInt64) -> UInt64 {
        union(of: successors, from: start(of: rule), over: filters & self.filters(of: rule))
    }

    @inline(__always)
    private func union(of table: [UInt64], from start: Int, over filters: UInt64) -> UInt64 {
        var remaining = filters
        var union: UInt64 = 0
        while remaining != 0 {
            union |= table[start &+ remaining.trailingZeroBitCount]
            remaining &= remaining &- 1
        }
        return union
    }
}
