import ECS

/// A pre-filter over many compiled queries: for an event, the queries that can possibly match it,
/// from one look-up per value of each indexed field instead of a test of every query.
///
/// Each query is indexed under its ``CompiledQuery/indexRequirement(in:)``: the event is a
/// candidate for it only when, for some filter of the query (or alternative of a filter, see
/// ``IndexRequirement``), every key listed for it holds.
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
/// With each candidate come the filters with an alternative whose keys all held
/// (``Candidates/filters``): the only ones of the query that can match, so a sequence need not test
/// its other stages.
///
/// Internally each (query, alternative) pair is an *item* with ``IndexRequirement/keysPerFilter``
/// key slots; a look-up sets the slot bits of the keys it satisfies, and an item whose slots are all
/// set (those beyond its alternative's keys are set from the start) makes its query a candidate, with
/// its filter.
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
        /// The position in ``RuleIndex/keySlots`` of the key slots of every lowercased literal:
        /// those a non-ASCII value may satisfy.
        let foldedLiteralsAll: Int
        /// The key slots that any value but `null` satisfies.
        let presentSlots: KeySlots
        /// Every key slot with a term on the field (for values that are not strings).
        let allSlots: KeySlots
        /// The eight sets above, kept alive here (each ``Keyed`` holds its set unretained).
        let sets: [any AnyObject & Sendable]
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
        /// The kinds whose look-ups cost more than an ``IndexValueMemo`` probe: the contained
        /// literals', found by a scan of the whole value. A set of values rejects most probes by
        /// their length alone, and a walk down a trie of prefixes or suffixes mostly stops at the
        /// value's first byte or second.
        static let memoized: Kinds = [.containedExact, .containedFolded]
    }

    /// A set of one field's values or literals, and where the key slots keyed on each member are.
    ///
    /// Plain data: the set is held unretained (its ``FieldEntry/sets`` keeps it alive), so that
    /// reading a `Keyed` through a pointer to its entry copies no reference. Holding the set
    /// strongly here, each look-up retained and released it (1.3 times per corpus event for the
    /// prefix tries alone).
    private struct Keyed<Members: AnyObject & Sendable>: Sendable {
        private let unretained: Unmanaged<Members>
        /// The position in ``RuleIndex/keySlots`` of member 0's key slots; member `i`'s follow at
        /// `firstSlots + i`.
        let firstSlots: Int

        /// `members`, which the caller keeps alive as long as this.
        init(unretained members: Members, firstSlots: Int) {
            unretained = Unmanaged.passUnretained(members)
            self.firstSlots = firstSlots
        }

        /// Calls `body` with the set, without retaining it.
        @inline(__always)
        func withMembers<Result>(_ body: (Members) -> Result) -> Result { unretained._withUnsafeGuaranteedRef(body) }
    }

    /// The requirement of each query, `nil` for queries evaluated on every event.
    public let requirements: [IndexRequirement?]
    private let entries: [FieldEntry]
    /// The key slots of every member of every entry's sets (each set's from its
    /// ``Keyed/firstSlots``) and of each entry's ``FieldEntry/foldedLiteralsAll``: one list, so
    /// that an ``IndexValueMemo`` result is a position in it.
    private let keySlots: [KeySlots]
    /// The storage of the key slots.
    private let keySlotPool: KeySlotPool
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
        /// The index's results for recent values, reused from event to event.
        fileprivate var valueMemo = IndexValueMemo()

        /// Values of fields with contained literals looked up in the memo of recent values so far,
        /// and of those, the values it knew (their literals not searched again).
        public var memoLookups: Int { valueMemo.lookups }
        public var memoHits: Int { valueMemo.lookups - valueMemo.remembered }
        /// Values of such fields looked up directly, as their field's values had rarely repeated lately.
        public var memoBypasses: Int { valueMemo.benched }

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
            for (keys, filter) in zip(requirement.filters, requirement.filterNumbers) {
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
        var pool = KeySlotPool(slotCount: slotCount)
        var keySlots: [KeySlots] = []
        entries = fields.map { field in
            var kinds: Kinds = []
            var sets: [any AnyObject & Sendable] = []
            /// The distinct values of the field's terms of one kind, made into a set by `make` (kept
            /// in `sets`), with the key slots keyed on each appended to `keySlots`, and `kind` noted
            /// in `kinds` when there is any.
            func keyed<Members: AnyObject & Sendable>(_ kind: Kinds, caseInsensitive: Bool, _ match: IndexKey.Term.Match,
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
                if !slots.isEmpty { kinds.insert(kind) }
                let first = keySlots.count
                keySlots += slots.map { pool.add($0) }
                let members = make(values, caseInsensitive)
                sets.append(members)
                return Keyed(unretained: members, firstSlots: first)
            }
            let values = { ByteStringSet(normalized: $0, caseInsensitive: $1) }
            let contained = { SubstringSet($0, folding: $1) }
            let prefixes = { AnchoredLiteralSet($0, anchor: .start, folding: $1) }
            let suffixes = { AnchoredLiteralSet($0, anchor: .end, folding: $1) }
            /// The key slots of the field's terms that `includes` accepts.
            func slots(where includes: (IndexKey.Term) -> Bool) -> KeySlots {
                var found: [Int32] = []
                for (slot, term) in terms where term.field == field && includes(term) && found.last != slot { found.append(slot) }
                return pool.add(found)
            }
            let exact = keyed(.exact, caseInsensitive: false, .equals, values)
            let folded = keyed(.folded, caseInsensitive: true, .equals, values)
            let containedExact = keyed(.containedExact, caseInsensitive: false, .contains, contained)
            let containedFolded = keyed(.containedFolded, caseInsensitive: true, .contains, contained)
            let prefixExact = keyed(.prefixExact, caseInsensitive: false, .prefix, prefixes)
            let prefixFolded = keyed(.prefixFolded, caseInsensitive: true, .prefix, prefixes)
            let suffixExact = keyed(.suffixExact, caseInsensitive: false, .suffix, suffixes)
            let suffixFolded = keyed(.suffixFolded, caseInsensitive: true, .suffix, suffixes)
            keySlots.append(slots { $0.caseInsensitive && [.contains, .prefix, .suffix].contains($0.match) })
            return FieldEntry(field: field, exact: exact, folded: folded, containedExact: containedExact,
                              containedFolded: containedFolded, prefixExact: prefixExact, prefixFolded: prefixFolded,
                              suffixExact: suffixExact, suffixFolded: suffixFolded, kinds: kinds,
                              foldedLiteralsAll: keySlots.count - 1,
                              presentSlots: slots { $0.match == .present }, allSlots: slots { _ in true }, sets: sets)
        }
        var entryOfField = [Int32](repeating: -1, count: Int(fields.map(\.index).max() ?? -1) + 1)
        for (position, field) in fields.enumerated() { entryOfField[Int(field.index)] = Int32(position) }
        self.entryOfField = entryOfField
        self.keySlots = keySlots
        keySlotPool = pool
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
            markSatisfiedKeys(of: event, in: slots, memo: &result.valueMemo)
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

    /// Sets in `bits` the key slots that `event`'s values satisfy, through `memo` for values it
    /// remembers and into it for the others.
    private func markSatisfiedKeys(of event: Event, in bits: UnsafeMutableBufferPointer<UInt64>, memo: inout IndexValueMemo) {
        // The event's values in one pass, each field's entry found by its number (a binary search
        // of the event per indexed field cost more than the look-ups themselves); entries and key
        // slots are read in place through buffers, not copied (and retained).
        keySlotPool.withMarker(in: bits) { mark in
            keySlots.withUnsafeBufferPointer { keySlots in
                entries.withUnsafeBufferPointer { entries in
                    entryOfField.withUnsafeBufferPointer { entryOfField in
                        for slot in event.slots {
                            let field = Int(slot.field.index)
                            guard field < entryOfField.count, entryOfField[field] >= 0 else { continue }
                            let entry = UnsafePointer(entries.baseAddress! + Int(entryOfField[field]))
                            switch slot.kind {
                            case .string:
                                mark(entry.pointee.presentSlots)
                                event.withBytes(of: slot.stringBytes) { bytes in
                                    markSatisfiedKeys(of: bytes, field: field, entry, memo: &memo) { mark(keySlots[$0]) }
                                }
                            case .null: continue
                            default: mark(entry.pointee.allSlots)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Calls `found` with the position in ``keySlots`` of each set of key slots that `value` of
    /// `entry`'s field (number `field`) satisfies: from `memo` when it remembers the value.
    @inline(__always)
    private func markSatisfiedKeys(of value: UnsafeBufferPointer<UInt8>, field: Int, _ entry: UnsafePointer<FieldEntry>,
                                   memo: inout IndexValueMemo, _ mark: (Int) -> Void) {
        let kinds = entry.pointee.kinds
        let memoized = !kinds.isDisjoint(with: .memoized) && memo.consults(about: value, of: field)
        var hash: UInt64 = 0
        if memoized {
            hash = IndexValueMemo.hash(of: field, value)
            if memo.results(of: field, value, hash: hash, mark) { return }
        }
        /// Marks the key slots at `position`, remembering it for the value.
        @inline(__always) func found(_ position: Int) {
            mark(position)
            if memoized { memo.record(position) }
        }
        if kinds.contains(.exact), let member = entry.pointee.exact.withMembers({ $0.index(of: value) }) {
            found(entry.pointee.exact.firstSlots &+ member)
        }
        if kinds.contains(.folded), let member = entry.pointee.folded.withMembers({ $0.index(of: value) }) {
            found(entry.pointee.folded.firstSlots &+ member)
        }
        if kinds.contains(.containedExact) {
            let first = entry.pointee.containedExact.firstSlots
            entry.pointee.containedExact.withMembers { $0.forEachOccurring(in: value) { found(first &+ $0) } }
        }
        if kinds.contains(.prefixExact) {
            let first = entry.pointee.prefixExact.firstSlots
            entry.pointee.prefixExact.withMembers { $0.forEachMatching(in: value) { found(first &+ $0) } }
        }
        if kinds.contains(.suffixExact) {
            let first = entry.pointee.suffixExact.firstSlots
            entry.pointee.suffixExact.withMembers { $0.forEachMatching(in: value) { found(first &+ $0) } }
        }
        if !kinds.isDisjoint(with: .foldedLiterals) {
            if ByteText.isASCII(value) {
                if kinds.contains(.containedFolded) {
                    let first = entry.pointee.containedFolded.firstSlots
                    entry.pointee.containedFolded.withMembers { $0.forEachOccurring(in: value) { found(first &+ $0) } }
                }
                if kinds.contains(.prefixFolded) {
                    let first = entry.pointee.prefixFolded.firstSlots
                    entry.pointee.prefixFolded.withMembers { $0.forEachMatching(in: value) { found(first &+ $0) } }
                }
                if kinds.contains(.suffixFolded) {
                    let first = entry.pointee.suffixFolded.firstSlots
                    entry.pointee.suffixFolded.withMembers { $0.forEachMatching(in: value) { found(first &+ $0) } }
                }
            } else {
                found(entry.pointee.foldedLiteralsAll)
            }
        }
        if memoized { memo.remember(field, value, hash: hash) }
    }
}
