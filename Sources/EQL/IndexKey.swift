import ECS

/// A necessary condition of a compiled query, usable to skip it: the query (for sequences and
/// samples: any of its stage and `until` filters) can only be true of an event when, for at least
/// one of the ``terms``, some value of the term's field is a string equal to one of its values (or,
/// for a ``Term/Match/prefix``, ``Term/Match/suffix`` or ``Term/Match/contains`` term, starting
/// with, ending with or containing one) — byte for byte, or after lowercasing when case-insensitive
/// — or a number or boolean (whose string form a term query compares).
///
/// Extracted from the compiled conditions, so it agrees with them by construction: the leaves it
/// understands are `field == "a"`, `field in ("a", "b")`, `field in~ (…)`, `field : "a"` /
/// `field : ("a", "b")`, `field like "a"` and `field regex "a"`, the category of `process
/// where`, and `field != null` (which every stage of `sequence by field` has for a join key that is
/// not optional: Elasticsearch leaves events without one out), a ``Term/Match/present`` term.
/// Without wildcards the string comparisons give an ``Term/Match/equals`` term. With wildcards or regular
/// expressions, the literals every match starts with (`/tmp/*` and `/tmp/[a-z]+` start with
/// `/tmp/`), ends with (`*.sh`) or contains (each pattern's longest literal run: `*curl*` contains
/// `curl`; a regular expression's ``RegexFacts/containedLiteral``, down to one character it
/// requires) give a ``Term/Match/prefix``, ``Term/Match/suffix`` or
/// ``Term/Match/contains`` term, whichever's shortest literal is longest; and when none serves, a
/// ``Term/Match/present`` term. Each leaf is false
/// when the field is missing or holds no matching value (term semantics, see ``Condition``). A
/// conjunction needs the key of any of its conjuncts (the most selective are chosen); a disjunction
/// has a key only when every operand has one (their best keys' terms together, then likewise their
/// second best, and so on, up to ``IndexRequirement/keysPerFilter``); `not` and every other leaf
/// have none.
public struct IndexKey: Sendable, Equatable {
    /// One field and the values that satisfy it.
    public struct Term: Sendable, Equatable {
        /// How a value of the field must relate to one of ``values``.
        public enum Match: Sendable, Equatable {
            /// Be equal to it.
            case equals
            /// Start with it (a literal every matching value begins with: `/tmp/*`).
            case prefix
            /// End with it (`*.sh`).
            case suffix
            /// Contain it (it is a literal every matching value holds).
            case contains
            /// Exist: any value but `null` satisfies the term, whose ``values`` are empty (what a
            /// string comparison without a usable literal still needs, `container.id : "?*"`, and
            /// what `field != null` and a sequence's mandatory join key say).
            case present
        }

        /// The field whose values decide.
        public let field: FieldID
        /// Whether values compare case-insensitively (`:`, `in~`); then `values` are lowercased.
        public let caseInsensitive: Bool
        /// How a value must relate to ``values``: equal one, contain one, or just be there.
        public let match: Match
        /// The distinct values (lowercased when case-insensitive), as UTF-8.
        public let values: [[UInt8]]

        /// The values as strings, for reports and tests.
        public var strings: [String] { values.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// The alternatives: the query needs at least one of them to hold.
    public let terms: [Term]

    /// Fields that hold one of a handful of values on most events, so a key on them selects little,
    /// from the least to the most selective: the data source and platform (constant on a stream),
    /// `event.type` and `event.category` (`start`, `process`), then `event.action`. A key whose
    /// broadest term is narrower is preferred, then one with fewer values.
    public static let broadFields: [Set<String>] = [
        ["host.os.type", "host.os.name", "host.os.family", "host.os.platform", "agent.type", "event.kind", "event.module",
         "event.dataset", "event.outcome", "data_stream.dataset", "data_stream.type", "data_stream.namespace"],
        ["event.type", "event.category"],
        ["event.action"],
    ]

    /// The disjunction of several keys, with the values of terms on one field and case merged.
    static func anyOf(_ keys: [IndexKey]) -> IndexKey {
        var terms: [Term] = []
        for term in keys.flatMap(\.terms) {
            if let index = terms.firstIndex(where: {
                $0.field == term.field && $0.caseInsensitive == term.caseInsensitive && $0.match == term.match
            }) {
                var values = terms[index].values
                for value in term.values where !values.contains(value) { values.append(value) }
                terms[index] = Term(field: term.field, caseInsensitive: term.caseInsensitive, match: term.match, values: values)
            } else {
                terms.append(term)
            }
        }
        return IndexKey(terms: terms)
    }

    /// How broad a field is: 0 for most, higher for ``broadFields`` (3 for the data source).
    typealias Breadth = (FieldID) -> Int

    /// The `limit` most selective distinct keys of several that are each necessary, best first: the
    /// narrowest broadest field, then equality before containment, then the fewest values (ties keep
    /// the given order). A key with a presence term comes last whatever its fields: most fields a
    /// rule compares are on every event of their kind. Past the first two, keys on ``broadFields``
    /// are left out: they select little, and each field indexed costs every event a look-up (the
    /// founding rules lost 1–5 % to `event.type` and `event.action` as third and fourth keys). For
    /// the same reason a contained literal of one byte is left out once a key on a field that is not
    /// broad is chosen.
    static func mostSelective(_ keys: [IndexKey], breadth: Breadth, limit: Int) -> [IndexKey] {
        func rank(_ key: IndexKey) -> (broadest: Int, looseness: Int, values: Int) {
            let looseness = key.terms.map { $0.match.looseness }.max() ?? 0
            // A contained literal of two bytes (`sh`, `-c`) selects about as little as presence:
            // it comes after the broad keys, never instead of them.
            let weak = looseness == Term.Match.present.looseness || key.containsLiteral(shorterThan: weakContainedLength)
            let broadest = weak ? broadFields.count + 1 : key.terms.map { breadth($0.field) }.max() ?? 0
            return (broadest, looseness, key.valueCount)
        }
        let ranked = keys.enumerated().map { (rank: rank($0.element), offset: $0.offset, key: $0.element) }
        var chosen: [IndexKey] = []
        var hasSelective = false
        for (rank, _, key) in ranked.sorted(by: { $0.rank != $1.rank ? $0.rank < $1.rank : $0.offset < $1.offset })
        where !chosen.contains(key) {
            if chosen.count >= 2, (1 ... broadFields.count).contains(rank.broadest) { continue }
            // A one-byte literal (`:`) serves a filter with nothing narrower than broad keys: beside
            // a selective key it prunes little, and its field would cost every event a look-up.
            if hasSelective, key.containsLiteral(shorterThan: 2) { continue }
            if rank.broadest == 0 { hasSelective = true }
            chosen.append(key)
            if chosen.count == limit { break }
        }
        return chosen
    }

    private var valueCount: Int { terms.reduce(0) { $0 + $1.values.count } }

    /// Whether a containment term of the key has a literal of fewer than `length` bytes.
    private func containsLiteral(shorterThan length: Int) -> Bool {
        terms.contains { term in term.match == .contains && term.values.contains { $0.count < length } }
    }

    /// Contained literals shorter than this rank with presence keys (see ``mostSelective(_:breadth:limit:)``).
    static let weakContainedLength = 3

    /// The keys that are each necessary for `condition` to be true.
    static func keys(of condition: Condition, breadth: Breadth) -> [IndexKey] {
        switch condition {
        case let leaf as FieldStringCondition:
            return stringKeys(of: leaf)
        case let leaf as FieldIsNullCondition where leaf.negated:
            // `field != null`, and a sequence's mandatory join key.
            return [presence(of: leaf.field)]
        case let leaf as CategoryCondition:
            return [IndexKey(terms: [Term(field: leaf.field, caseInsensitive: false, match: .equals, values: [leaf.category])])]
        case let and as AndCondition:
            return and.operands.flatMap { keys(of: $0, breadth: breadth) }
        case let or as OrCondition:
            // The disjunction of the operands' best keys is necessary, and so is that of their
            // second best (an operand with one key repeats it), and so on: an operand that holds
            // satisfies each of its keys.
            let limit = IndexRequirement.keysPerFilter
            var columns = [[IndexKey]](repeating: [], count: limit)
            for operand in or.operands {
                let best = mostSelective(keys(of: operand, breadth: breadth), breadth: breadth, limit: limit)
                guard !best.isEmpty else { return [] }
                for column in columns.indices { columns[column].append(best[min(column, best.count - 1)]) }
            }
            guard !columns[0].isEmpty else { return [] }
            var keys: [IndexKey] = []
            for column in columns {
                let key = anyOf(column)
                if !keys.contains(key) { keys.append(key) }
            }
            return keys
        default:
            return []
        }
    }

    /// The keys of a string comparison: equality for exact members only; otherwise the anchored or
    /// contained literals whose shortest is longest (anchored first on a tie: `python*` needs a value
    /// starting with `python`, a stronger key than containing it), and with an anchored key the other
    /// anchor's too when there is one (both are necessary: `/[a-z]+\s` starts with `/`, which selects
    /// nothing, and ends with a space); presence (any string comparison is false on a missing or null
    /// field) when no literal serves.
    private static func stringKeys(of leaf: FieldStringCondition) -> [IndexKey] {
        let matcher = leaf.matcher
        let exact = matcher.exact.normalizedMembers
        if matcher.wildcards.isEmpty, matcher.regexes.isEmpty, !exact.isEmpty {
            return [IndexKey(terms: [Term(field: leaf.field, caseInsensitive: matcher.exact.caseInsensitive,
                                          match: .equals, values: exact)])]
        }
        /// Each comparison's literals (an exact member is its own), or nil when one has none.
        func literals(_ wildcard: (WildcardPattern) -> [UInt8], _ regex: (RegexFacts) -> [[UInt8]]) -> [[UInt8]]? {
            var all = exact
            for pattern in matcher.wildcards {
                let literal = wildcard(pattern)
                if literal.isEmpty { return nil }
                all.append(literal)
            }
            for expression in matcher.regexes {
                let alternatives = regex(expression.facts)
                if alternatives.isEmpty { return nil }
                all += alternatives
            }
            return all
        }
        // (A literal's first or last bytes are as necessary as all of it.)
        let longest = AnchoredLiteralSet.longestLiteral
        let prefixes = literals(\.leadingLiteral, \.leadingLiterals)?.map { Array($0.prefix(longest)) }
        let suffixes = literals(\.trailingLiteral, \.trailingLiterals)?.map { Array($0.suffix(longest)) }
        let contained = literals(\.longestLiteral, { $0.containedLiteral.isEmpty ? [] : [$0.containedLiteral] })
        var choices: [(match: Term.Match, literals: [[UInt8]], shortest: Int)] = []
        if let prefixes { choices.append((.prefix, prefixes, prefixes.map(\.count).min() ?? 0)) }
        if let suffixes { choices.append((.suffix, suffixes, suffixes.map(\.count).min() ?? 0)) }
        if let contained, let shortest = contained.map(\.count).min(), shortest >= SubstringSet.minimumLength {
            choices.append((.contains, contained, shortest))
        }
        // A stable sort: anchored literals stay first among equals.
        let ranked = choices.enumerated().sorted { $0.element.shortest != $1.element.shortest
            ? $0.element.shortest > $1.element.shortest : $0.offset < $1.offset }.map(\.element)
        guard let best = ranked.first, best.shortest > 0 else { return [presence(of: leaf.field)] }
        var chosen = [best]
        if best.match != .contains, let other = ranked.first(where: { $0.match != best.match && $0.match != .contains }) {
            chosen.append(other)
        }
        return chosen.map { choice in
            var distinct: [[UInt8]] = []
            for literal in choice.literals where !distinct.contains(literal) { distinct.append(literal) }
            return IndexKey(terms: [Term(field: leaf.field, caseInsensitive: matcher.caseInsensitive, match: choice.match, values: distinct)])
        }
    }

    /// The key that `field` has a value (a comparison of it can only be true then).
    private static func presence(of field: FieldID) -> IndexKey {
        IndexKey(terms: [Term(field: field, caseInsensitive: false, match: .present, values: [])])
    }
}

/// What ``RuleIndex`` requires of an event before it tests a query: for at least one of the
/// query's filters (sequences and samples: stages and `until`), every key listed for that filter.
///
/// Each filter lists up to ``keysPerFilter`` of its most selective necessary keys (``IndexKey``),
/// from different conjuncts or the same: each is necessary, so requiring all loses nothing. More
/// keys cut the candidates where one key is common (`user.id == "0"`, `process.parent.name in
/// ("bash", "sh")`) and another rare; the last ones are often presence keys, which select on fields
/// many events lack (`container.id like "?*"` outside containers).
///
/// A filter that is a conjunction with a disjunction among its conjuncts (`process where … and
/// (branch or branch or …)`) is split into one *alternative* per operand of its largest disjunction
/// (up to ``alternativesPerFilter``), each with the other conjuncts: the event must then hold every
/// key of one branch together, where one filter would take the union of the branches' keys, column
/// by column, and let one branch's first key and another's second pass together.
public struct IndexRequirement: Sendable, Equatable {
    /// Per alternative, the keys that must all hold.
    public let filters: [[IndexKey]]
    /// For each of ``filters``, the number of the query's filter it is an alternative of
    /// (``CompiledQuery/filterHits(_:memo:among:)`` numbering).
    public let filterNumbers: [Int]

    /// How many keys a filter lists at most (a power of two: ``RuleIndex`` gives each its bit).
    public static let keysPerFilter = 4
    /// The most operands a disjunction may have to be split into alternatives.
    public static let alternativesPerFilter = 16
}

extension CompiledQuery {
    /// The most selective necessary condition of ``matches(_:)`` (see ``IndexKey``): the best key
    /// of each filter of its ``indexRequirement(in:)``, together; `nil` when some filter has none.
    /// `catalog` names fields for the choice (``IndexKey/broadFields`` are avoided).
    public func indexKey(in catalog: FieldCatalog) -> IndexKey? {
        indexRequirement(in: catalog).map { requirement in IndexKey.anyOf(requirement.filters.map { $0[0] }) }
    }

    /// What an event must satisfy for ``matches(_:)`` to be possible (see ``IndexRequirement``), or
    /// `nil` when some filter of the query has no key.
    public func indexRequirement(in catalog: FieldCatalog) -> IndexRequirement? {
        let breadths = Self.breadth(in: catalog)
        let breadth: IndexKey.Breadth = { breadths[$0] ?? 0 }
        var filters: [[IndexKey]] = []
        var numbers: [Int] = []
        for (number, filter) in relevanceFilters.enumerated() {
            for conjuncts in Self.alternatives(of: filter) {
                let keys = IndexKey.mostSelective(conjuncts.flatMap { IndexKey.keys(of: $0, breadth: breadth) },
                                                  breadth: breadth, limit: IndexRequirement.keysPerFilter)
                guard !keys.isEmpty else { return nil }
                filters.append(keys)
                numbers.append(number)
            }
        }
        return filters.isEmpty ? nil : IndexRequirement(filters: filters, filterNumbers: numbers)
    }

    /// The conjuncts of each alternative of `filter` (see ``IndexRequirement``): its conjuncts
    /// with its largest disjunction replaced by each of that disjunction's operands in turn, or its
    /// conjuncts alone.
    private static func alternatives(of filter: Condition) -> [[Condition]] {
        var conjuncts: [Condition] = []
        /// Appends `condition`'s conjuncts, nested conjunctions flattened.
        func flatten(_ condition: Condition) {
            if let and = condition as? AndCondition { and.operands.forEach(flatten) } else { conjuncts.append(condition) }
        }
        flatten(filter)
        let disjunctions = conjuncts.enumerated().compactMap { position, conjunct in
            (conjunct as? OrCondition).map { (position: position, operands: $0.operands) }
        }.filter { $0.operands.count <= IndexRequirement.alternativesPerFilter }
        guard let split = disjunctions.max(by: { $0.operands.count < $1.operands.count }) else { return [conjuncts] }
        var others = conjuncts
        others.remove(at: split.position)
        return split.operands.map { others + [$0] }
    }

    /// How broad each of ``IndexKey/broadFields`` is in `catalog` (fields not listed are 0).
    private static func breadth(in catalog: FieldCatalog) -> [FieldID: Int] {
        var breadth: [FieldID: Int] = [:]
        for (level, paths) in IndexKey.broadFields.enumerated() {
            for path in paths { if let field = catalog.id(of: path) { breadth[field] = IndexKey.broadFields.count - level } }
        }
        return breadth
    }
}

extension IndexKey.Term.Match {
    /// How many events a term of this kind lets through, other things equal: equality the fewest,
    /// then containment, then presence.
    var looseness: Int {
        switch self {
        case .equals: 0
        case .prefix, .suffix: 1
        case .contains: 2
        case .present: 3
        }
    }
}
