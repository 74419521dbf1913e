import ECS

/// A pre-filter over many compiled queries: for an event, the queries that can possibly match it,
/// from one look-up per value of each indexed field instead of a test of every query.
///
/// Each query is indexed under its ``CompiledQuery/indexRequirement(in:)``: the event is a
/// candidate for it only when, for some filter of the query, every key listed for the filter holds.
/// A key holds when, for some term of the key, a value of the term's field is one of the term's
/// values (compared as the query compares: case-sensitively for `==`/`in`, lowercased for
/// `:`/`in~`, exactly as ``ByteStringSet`` probes) or, for a containment term, contains one (all of
/// a field's literals are found in one pass by a ``SubstringSet``), or for a prefix or suffix term
/// starts or ends with one (an ``AnchoredLiteralSet``'s trie, walked from that end); a non-ASCII value
/// is taken to satisfy every case-insensitive literal; for a presence term, it is not `null`. A number or
/// boolean value of an indexed field satisfies every key with a term on that field (term queries
/// compare their string form). Queries without a requirement are candidates for every event.
/// Candidates are a superset of the matching queries; the caller still tests each.
///
/// With each candidate come the filters whose keys all held (``Candidates/filters``): the only ones
/// of the query that can match, so a sequence need not test its other stages.
///
/// Internally each (query, filter) pair is an *item* with ``IndexRequirement/keysPerFilter`` key
/// slots; a look-up sets the slot bits of the keys it satisfies, and an item whose slots are all set
/// (those beyond its filter's keys are set from the start) makes its query a candidate.
///
/// ```swift
/// let index = RuleIndex(queries, catalog: catalog)
/// var candidates = RuleIndex.Candidates(queryCount: queries.count)
/// index.candidates(of: event, into: &candidates)
/// for i in candidates.queries where queries[i].matches(event) { … }   // ascending positions
/// ```
///
/// Immutable and shareable between threads.
public struct RuleIndex: Sendable {
    /// One indexed field: its values and literals, and for each the key slots they satisfy
    /// (`item << slotBits | slot`).
    private struct FieldEntry: Sendable {
        let field: FieldID
        /// Case-sensitive values, and lowercased values of case-insensitive keys.
        let exact: Keyed<ByteStringSet>
        let folded: Keyed<ByteStringSet>
        /// Literals that values must contain, case-sensitive and lowercased.
        let containedExact: Keyed<SubstringSet>
        let containedFolded: Keyed<SubstringSet>
        /// Literals that values must start or end with, case-sensitive and lowercased.
        let prefixExact: Keyed<AnchoredLiteralSet>
        let prefixFolded: Keyed<AnchoredLiteralSet>
        let suffixExact: Keyed<AnchoredLiteralSet>
        let suffixFolded: Keyed<AnchoredLiteralSet>
        /// Which of the sets above have members: tested from the entry itself, as each set's own
        /// count is two loads away.
        let kinds: Kinds
        /// The key slots of every lowercased literal: those a non-ASCII value may satisfy.
        let foldedLiteralsAll: KeySlots
        /// The key slots that any value but `null` satisfies.
        let presentSlots: KeySlots
        /// Every key slot with a term on the field (for values that are not strings).
        let allSlots: KeySlots
    }

    /// The kinds of member set a ``FieldEntry`` has.
    private struct Kinds: OptionSet, Sendable {
        let rawValue: UInt8
        static let exact = Kinds(rawValue: 1 << 0)
        static let folded = Kinds(rawValue: 1 << 1)
        static let containedExact = Kinds(rawValue: 1 << 2)
        static let containedFolded = Kinds(rawValue: 1 << 3)
        static let prefixExact = Kinds(rawValue: 1 << 4)
        static let prefixFolded = Kinds(rawValue: 1 << 5)
        static let suffixExact = Kinds(rawValue: 1 << 6)
        static let suffixFolded = Kinds(rawValue: 1 << 7)
        /// The lowercased literals (contained, leading or trailing): those a non-ASCII value is
        /// taken to satisfy.
        static let foldedLiterals: Kinds = [.containedFolded, .prefixFolded, .suffixFolded]
    }

    /// A set of one field's values or literals, and for each member (by its position in the set) the
    /// key slots keyed on it.
    private struct Keyed<Members: Sendable>: Sendable {
        let members: Members
        let slots: [KeySlots]
    }

    /// The requirement of each query, `nil` for queries evaluated on every event.
    public let requirements: [IndexRequirement?]
    private let entries: [FieldEntry]
    /// For each field number, its position in ``entries`` or -1.
    private let entryOfField: [Int32]
    /// Bit set of the queries without a requirement, one bit per query.
    private let unkeyed: [UInt64]
    /// ``IndexRequirement/keysPerFilter`` bits per item (its key slots), with the slots beyond its
    /// filter's keys preset.
    private let presetSlots: [UInt64]
    /// log2 of the slots per item.
    private static let slotBits = IndexRequirement.keysPerFilter.trailingZeroBitCount
    /// The bit of each item's first slot in a word of slots (`0x1111…` for four slots an item).
    private static let itemLowestSlots = UInt64.max / (UInt64.max >> (64 - IndexRequirement.keysPerFilter))
    /// The query of each item.
    private let itemQueries: [Int32]
    /// The bit of each item's filter among its query's filters (every bit past the 64th filter).
    private let itemFilterBits: [UInt64]

    /// The queries an event may match, and for each the filters that may match it.
    public struct Candidates: Sendable {
        /// The positions of the queries, ascending and distinct.
        public fileprivate(set) var queries: [Int] = []
        /// By query position, valid for those in ``queries``: bit `i` is set when filter `i` of the
        /// query (``CompiledQuery/filterHits(_:memo:among:)`` numbering) has all its keys; every bit
        /// for a query without a requirement.
        public fileprivate(set) var filters: [UInt64]

        /// Room for an index of `queryCount` queries.
        public init(queryCount: Int) {
            filters = [UInt64](repeating: 0, count: queryCount)
        }
    }

    /// Indexes `queries` (positions in this array are what ``candidates(of:into:)`` gives);
    /// `catalog` is the one they were compiled against.
    public init(_ queries: [CompiledQuery], catalog: FieldCatalog) {
        requirements = queries.map { $0.indexRequirement(in: catalog) }
        var unkeyed = [UInt64](repeating: 0, count: (queries.count + 63) / 64)
        var itemQueries: [Int32] = []
        var itemFilterBits: [UInt64] = []
        var unusedSlots: [Int] = []
        var fields: [FieldID] = []
        // Each (key slot, term) pair.
        var terms: [(slot: Int32, term: IndexKey.Term)] = []
        for (position, requirement) in requirements.enumerated() {
            guard let requirement else { unkeyed[position >> 6] |= 1 << UInt64(position & 63); continue }
            for (filter, keys) in requirement.filters.enumerated() {
                let item = itemQueries.count
                itemQueries.append(Int32(position))
                itemFilterBits.append(filter < 64 ? 1 << UInt64(filter) : UInt64.max)
                for slot in keys.count ..< IndexRequirement.keysPerFilter { unusedSlots.append(item << Self.slotBits | slot) }
                for (slot, key) in keys.enumerated() {
                    for term in key.terms {
                        terms.append((Int32(item << Self.slotBits | slot), term))
                        if !fields.contains(term.field) { fields.append(term.field) }
                    }
                }
            }
        }
        let slotCount = itemQueries.count << Self.slotBits
        var preset = [UInt64](repeating: 0, count: (slotCount + 63) / 64)
        for slot in unusedSlots { preset[slot >> 6] |= 1 << UInt64(slot & 63) }
        self.unkeyed = unkeyed
        self.itemQueries = itemQueries
        self.itemFilterBits = itemFilterBits
        presetSlots = preset
        entries = fields.map { field in
            /// The distinct values of the field's terms of one kind, made into a set by `make`, and for
            /// each the key slots keyed on it.
            func keyed<Members>(caseInsensitive: Bool, _ match: IndexKey.Term.Match,
                                _ make: ([[UInt8]], Bool) -> Members) -> Keyed<Members> {
                var values: [[UInt8]] = []
                var slots: [[Int32]] = []
                for (slot, term) in terms
                where term.field == field && term.caseInsensitive == caseInsensitive && term.match == match {
                    for value in term.values {
                        let position = values.firstIndex(of: value) ?? { values.append(value); slots.append([]); return values.count - 1 }()
                        if slots[position].last != slot { slots[position].append(slot) }
                    }
                }
                return Keyed(members: make(values, caseInsensitive), slots: slots.map { KeySlots($0, slotCount: slotCount) })
            }
            let values = { ByteStringSet(normalized: $0, caseInsensitive: $1) }
            let contained = { SubstringSet($0, folding: $1) }
            let prefixes = { AnchoredLiteralSet($0, anchor: .start, folding: $1) }
            let suffixes = { AnchoredLiteralSet($0, anchor: .end, folding: $1) }
            /// The key slots of the field's terms that `includes` accepts.
            func slots(where includes: (IndexKey.Term) -> Bool) -> KeySlots {
                var found: [Int32] = []
                for (slot, term) in terms where term.field == field && includes(term) && found.last != slot { found.append(slot) }
                return KeySlots(found, slotCount: slotCount)
            }
            let exact = keyed(caseInsensitive: false, .equals, values)
            let folded = keyed(caseInsensitive: true, .equals, values)
            let containedExact = keyed(caseInsensitive: false, .contains, contained)
            let containedFolded = keyed(caseInsensitive: true, .contains, contained)
            let prefixExact = keyed(caseInsensitive: false, .prefix, prefixes)
            let prefixFolded = keyed(caseInsensitive: true, .prefix, prefixes)
            let suffixExact = keyed(caseInsensitive: false, .suffix, suffixes)
            let suffixFolded = keyed(caseInsensitive: true, .suffix, suffixes)
            var kinds: Kinds = []
            for (kind, slots) in [(Kinds.exact, exact.slots), (.folded, folded.slots), (.containedExact, containedExact.slots),
                                  (.containedFolded, containedFolded.slots), (.prefixExact, prefixExact.slots),
                                  (.prefixFolded, prefixFolded.slots), (.suffixExact, suffixExact.slots),
                                  (.suffixFolded, suffixFolded.slots)] where !slots.isEmpty {
                kinds.insert(kind)
            }
            return FieldEntry(field: field, exact: exact, folded: folded, containedExact: containedExact,
                              containedFolded: containedFolded, prefixExact: prefixExact, prefixFolded: prefixFolded,
                              suffixExact: suffixExact, suffixFolded: suffixFolded, kinds: kinds,
                              foldedLiteralsAll: slots { $0.caseInsensitive && [.contains, .prefix, .suffix].contains($0.match) },
                              presentSlots: slots { $0.match == .present }, allSlots: slots { _ in true })
        }
        var entryOfField = [Int32](repeating: -1, count: Int(fields.map(\.index).max() ?? -1) + 1)
        for (position, field) in fields.enumerated() { entryOfField[Int(field.index)] = Int32(position) }
        self.entryOfField = entryOfField
    }

    /// The fields the index looks up, in ``entries`` order.
    public var fields: [FieldID] { entries.map(\.field) }

    /// Replaces `result` with the queries that may match `event` and their filters that may.
    public func candidates(of event: Event, into result: inout Candidates) {
        precondition(result.filters.count == requirements.count, "Candidates made for another index")
        // Only the previous event's candidates have filter bits set.
        for query in result.queries { result.filters[query] = 0 }
        result.queries.removeAll(keepingCapacity: true)
        let words = unkeyed.count
        guard words > 0 else { return }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: presetSlots.count) { slots in
            _ = slots.initialize(from: presetSlots)
            markSatisfiedKeys(of: event, in: slots)
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: words) { queries in
                _ = queries.initialize(from: unkeyed)
                // An item is satisfied when all of its slots (an aligned group of bits) are set: the
                // group's lowest bit, ANDed with the bits above it by halving shifts, says so.
                itemQueries.withUnsafeBufferPointer { itemQueries in
                    for word in slots.indices {
                        var satisfied = slots[word]
                        var shift = 1
                        while shift < IndexRequirement.keysPerFilter {
                            satisfied &= satisfied >> UInt64(shift)
                            shift <<= 1
                        }
                        satisfied &= Self.itemLowestSlots
                        while satisfied != 0 {
                            let item = (word << 6 | satisfied.trailingZeroBitCount) >> Self.slotBits
                            let query = Int(itemQueries[item])
                            queries[query >> 6] |= 1 << UInt64(query & 63)
                            result.filters[query] |= itemFilterBits[item]
                            satisfied &= satisfied &- 1
                        }
                    }
                }
                for word in 0 ..< words {
                    var remaining = queries[word]
                    while remaining != 0 {
                        let query = word << 6 | remaining.trailingZeroBitCount
                        result.queries.append(query)
                        if unkeyed[word] & (1 << UInt64(query & 63)) != 0 { result.filters[query] = UInt64.max }
                        remaining &= remaining &- 1
                    }
                }
            }
        }
    }

    /// Sets in `bits` the key slots that `event`'s values satisfy.
    private func markSatisfiedKeys(of event: Event, in bits: UnsafeMutableBufferPointer<UInt64>) {
        @inline(__always) func mark(_ slots: KeySlots) { slots.mark(in: bits) }
        // The event's values in one pass, each field's entry found by its number (a binary search
        // of the event per indexed field cost more than the look-ups themselves); entries are read
        // in place through the buffer, not copied (and retained).
        entries.withUnsafeBufferPointer { entries in
            entryOfField.withUnsafeBufferPointer { entryOfField in
                for slot in event.slots {
                    let field = Int(slot.field.index)
                    guard field < entryOfField.count, entryOfField[field] >= 0 else { continue }
                    let entry = UnsafePointer(entries.baseAddress! + Int(entryOfField[field]))
                    switch slot.kind {
                    case .string:
                        mark(entry.pointee.presentSlots)
                        let kinds = entry.pointee.kinds
                        event.withBytes(of: slot.stringBytes) { bytes in
                            if kinds.contains(.exact), let member = entry.pointee.exact.members.index(of: bytes) {
                                mark(entry.pointee.exact.slots[member])
                            }
                            if kinds.contains(.folded), let member = entry.pointee.folded.members.index(of: bytes) {
                                mark(entry.pointee.folded.slots[member])
                            }
                            if kinds.contains(.containedExact) {
                                entry.pointee.containedExact.members.forEachOccurring(in: bytes) { mark(entry.pointee.containedExact.slots[$0]) }
                            }
                            if kinds.contains(.prefixExact) {
                                entry.pointee.prefixExact.members.forEachMatching(in: bytes) { mark(entry.pointee.prefixExact.slots[$0]) }
                            }
                            if kinds.contains(.suffixExact) {
                                entry.pointee.suffixExact.members.forEachMatching(in: bytes) { mark(entry.pointee.suffixExact.slots[$0]) }
                            }
                            if !kinds.isDisjoint(with: .foldedLiterals) {
                                if ByteText.isASCII(bytes) {
                                    if kinds.contains(.containedFolded) {
                                        entry.pointee.containedFolded.members.forEachOccurring(in: bytes) { mark(entry.pointee.containedFolded.slots[$0]) }
                                    }
                                    if kinds.contains(.prefixFolded) {
                                        entry.pointee.prefixFolded.members.forEachMatching(in: bytes) { mark(entry.pointee.prefixFolded.slots[$0]) }
                                    }
                                    if kinds.contains(.suffixFolded) {
                                        entry.pointee.suffixFolded.members.forEachMatching(in: bytes) { mark(entry.pointee.suffixFolded.slots[$0]) }
                                    }
                                } else {
                                    mark(entry.pointee.foldedLiteralsAll)
                                }
                            }
                        }
                    case .null: continue
                    default: mark(entry.pointee.allSlots)
                    }
                }
            }
        }
    }
}

/// A set of key slots (`item << slotBits | slot`) that one indexed value satisfies: a list when
/// short, the bit words themselves when long, so that a broad value (`event.category == "process"`,
/// the second key of many filters) is marked with a few word ORs instead of hundreds of bit sets.
struct KeySlots: Sendable {
    /// The slots, when few.
    private let list: [Int32]
    /// The slots as bits over all slots, when many (empty otherwise).
    private let words: [UInt64]

    /// The slots of `list`, out of `slotCount`.
    init(_ list: [Int32], slotCount: Int) {
        let wordCount = (slotCount + 63) / 64
        if list.count > wordCount {
            var words = [UInt64](repeating: 0, count: wordCount)
            for slot in list { words[Int(slot) >> 6] |= 1 << UInt64(slot & 63) }
            self.list = []
            self.words = words
        } else {
            self.list = list
            words = []
        }
    }

    /// Sets these slots' bits in `bits`.
    @inline(__always)
    func mark(in bits: UnsafeMutableBufferPointer<UInt64>) {
        if words.isEmpty {
            for slot in list { bits[Int(slot) >> 6] |= 1 << UInt64(slot & 63) }
        } else {
            words.withUnsafeBufferPointer { words in
                for index in words.indices { bits[index] |= words[index] }
            }
        }
    }
}
