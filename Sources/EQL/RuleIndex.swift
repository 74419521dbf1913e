import ECS

/// A pre-filter over many compiled queries: for an event, the queries that can possibly match it,
/// from one look-up per value of each indexed field instead of a test of every query.
///
/// Each query is indexed under its ``CompiledQuery/indexKey(in:)``: the event is a candidate for
/// it only when, for some term of the key, a value of the term's field is one of the term's values
/// (compared as the query compares: case-sensitively for `==`/`in`, lowercased for `:`/`in~`,
/// exactly as ``ByteStringSet`` probes) or, for a containment term, contains one (all of a field's
/// literals are found in one pass by a ``SubstringSet``; a non-ASCII value is taken to contain every
/// case-insensitive literal). Queries without a key are candidates for every event. A number or
/// boolean value of an indexed field makes every query with a term on that field a candidate (term
/// queries compare their string form). Candidates are a superset of the matching queries; the
/// caller still tests each.
///
/// ```swift
/// let index = RuleIndex(queries, catalog: catalog)
/// var candidates: [Int] = []
/// index.candidates(of: event, into: &candidates)   // ascending query positions
/// for i in candidates where queries[i].matches(event) { … }
/// ```
///
/// Immutable and shareable between threads.
public struct RuleIndex: Sendable {
    /// One indexed field: its values and the queries keyed on each.
    private struct FieldEntry: Sendable {
        let field: FieldID
        /// Case-sensitive values, and for each the queries keyed on it.
        let exact: ByteStringSet
        let exactQueries: [[Int32]]
        /// Lowercased values of case-insensitive keys, and for each the queries keyed on it.
        let folded: ByteStringSet
        let foldedQueries: [[Int32]]
        /// Literals that values must contain, case-sensitive and lowercased, and for each the queries.
        let containedExact: SubstringSet
        let containedExactQueries: [[Int32]]
        let containedFolded: SubstringSet
        let containedFoldedQueries: [[Int32]]
        /// The queries of every lowercased literal: those a non-ASCII value may satisfy.
        let containedFoldedAll: [Int32]
        /// Every query with a term on the field (for values that are not strings).
        let allQueries: [Int32]
    }

    /// The key of each query, `nil` for queries evaluated on every event.
    public let keys: [IndexKey?]
    private let entries: [FieldEntry]
    /// Bit set of the queries without a key, one bit per query.
    private let unkeyed: [UInt64]

    /// Indexes `queries` (positions in this array are what ``candidates(of:into:)`` returns);
    /// `catalog` is the one they were compiled against.
    public init(_ queries: [CompiledQuery], catalog: FieldCatalog) {
        keys = queries.map { $0.indexKey(in: catalog) }
        var unkeyed = [UInt64](repeating: 0, count: (queries.count + 63) / 64)
        var fields: [FieldID] = []
        // Each (query position, term) pair.
        var terms: [(query: Int32, term: IndexKey.Term)] = []
        for (position, key) in keys.enumerated() {
            guard let key else { unkeyed[position >> 6] |= 1 << UInt64(position & 63); continue }
            for term in key.terms {
                terms.append((Int32(position), term))
                if !fields.contains(term.field) { fields.append(term.field) }
            }
        }
        self.unkeyed = unkeyed
        entries = fields.map { field in
            /// The distinct values of the field's terms of one kind, and for each the queries keyed on it.
            func valuesAndQueries(caseInsensitive: Bool, match: IndexKey.Term.Match) -> ([[UInt8]], [[Int32]]) {
                var values: [[UInt8]] = []
                var queries: [[Int32]] = []
                for (query, term) in terms
                where term.field == field && term.caseInsensitive == caseInsensitive && term.match == match {
                    for value in term.values {
                        let position = values.firstIndex(of: value) ?? { values.append(value); queries.append([]); return values.count - 1 }()
                        if queries[position].last != query { queries[position].append(query) }
                    }
                }
                return (values, queries)
            }
            let (exactValues, exactQueries) = valuesAndQueries(caseInsensitive: false, match: .equals)
            let (foldedValues, foldedQueries) = valuesAndQueries(caseInsensitive: true, match: .equals)
            let (exactLiterals, containedExactQueries) = valuesAndQueries(caseInsensitive: false, match: .contains)
            let (foldedLiterals, containedFoldedQueries) = valuesAndQueries(caseInsensitive: true, match: .contains)
            var all: [Int32] = []
            for (query, term) in terms where term.field == field && all.last != query { all.append(query) }
            var foldedAll: [Int32] = []
            for (query, term) in terms
            where term.field == field && term.caseInsensitive && term.match == .contains && foldedAll.last != query {
                foldedAll.append(query)
            }
            return FieldEntry(field: field,
                              exact: ByteStringSet(normalized: exactValues, caseInsensitive: false), exactQueries: exactQueries,
                              folded: ByteStringSet(normalized: foldedValues, caseInsensitive: true), foldedQueries: foldedQueries,
                              containedExact: SubstringSet(exactLiterals, folding: false),
                              containedExactQueries: containedExactQueries,
                              containedFolded: SubstringSet(foldedLiterals, folding: true),
                              containedFoldedQueries: containedFoldedQueries, containedFoldedAll: foldedAll,
                              allQueries: all)
        }
    }

    /// The fields the index looks up.
    public var fields: [FieldID] { entries.map(\.field) }

    /// Replaces `result` with the positions of the queries that may match `event`, ascending and
    /// distinct.
    public func candidates(of event: Event, into result: inout [Int]) {
        result.removeAll(keepingCapacity: true)
        let words = unkeyed.count
        guard words > 0 else { return }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: words) { bits in
            _ = bits.initialize(from: unkeyed)
            @inline(__always) func mark(_ queries: [Int32]) {
                for query in queries { bits[Int(query) >> 6] |= 1 << UInt64(query & 63) }
            }
            // Through the buffer: each entry is read in place, not copied (and retained).
            entries.withUnsafeBufferPointer { entries in
                for position in entries.indices {
                    for index in event.slotRange(of: entries[position].field) {
                        let slot = event.slots[index]
                        switch slot.kind {
                        case .string:
                            event.withBytes(of: slot.stringBytes) { bytes in
                                if !entries[position].exact.isEmpty, let member = entries[position].exact.index(of: bytes) {
                                    mark(entries[position].exactQueries[member])
                                }
                                if !entries[position].folded.isEmpty, let member = entries[position].folded.index(of: bytes) {
                                    mark(entries[position].foldedQueries[member])
                                }
                                if !entries[position].containedExact.isEmpty {
                                    entries[position].containedExact.forEachOccurring(in: bytes) {
                                        mark(entries[position].containedExactQueries[$0])
                                    }
                                }
                                if !entries[position].containedFolded.isEmpty {
                                    if ByteText.isASCII(bytes) {
                                        entries[position].containedFolded.forEachOccurring(in: bytes) {
                                            mark(entries[position].containedFoldedQueries[$0])
                                        }
                                    } else {
                                        mark(entries[position].containedFoldedAll)
                                    }
                                }
                            }
                        case .null: continue
                        default: mark(entries[position].allQueries)
                        }
                    }
                }
            }
            for word in 0 ..< words {
                var remaining = bits[word]
                while remaining != 0 {
                    result.append(word << 6 | remaining.trailingZeroBitCount)
                    remaining &= remaining &- 1
                }
            }
        }
    }
}
