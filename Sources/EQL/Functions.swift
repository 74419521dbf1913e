import ECS

/// The functions of Elasticsearch EQL, their signatures and their semantics.
///
/// Names are matched case-insensitively, as Elasticsearch's function registry does. The `~` form
/// (`startsWith~(…)`) exists for the string functions that compare text: ``supportsInsensitive``.
/// Every function returns null when a required argument is null.
enum EQLFunction: String, Sendable, CaseIterable {
    case add, between, cidrMatch, concat, divide, endsWith, indexOf, length, modulo, multiply, number
    case startsWith, string, stringContains, substring, subtract

    /// Looks a function up by name, ignoring case.
    static func named(_ name: String) -> EQLFunction? {
        let lowered = name.lowercased()
        return allCases.first { $0.rawValue.lowercased() == lowered }
    }

    /// How many arguments the function takes.
    var arity: ClosedRange<Int> {
        switch self {
        case .add, .subtract, .multiply, .divide, .modulo, .endsWith, .startsWith, .stringContains: 2 ... 2
        case .between: 3 ... 4
        case .cidrMatch: 2 ... Int.max
        case .concat: 1 ... Int.max
        case .indexOf, .substring: 2 ... 3
        case .length, .string: 1 ... 1
        case .number: 1 ... 2
        }
    }

    /// Whether a case-insensitive `name~(…)` form exists.
    var supportsInsensitive: Bool {
        switch self {
        case .between, .endsWith, .indexOf, .startsWith, .stringContains: true
        default: false
        }
    }

    /// The static type of argument `index` (``StaticType/unknown`` accepts anything).
    func parameterType(_ index: Int) -> StaticType {
        switch self {
        case .add, .subtract, .multiply, .divide, .modulo: .number
        case .between: index == 3 ? .boolean : .string
        case .cidrMatch, .endsWith, .startsWith, .stringContains, .length: .string
        case .concat, .string: .unknown
        case .indexOf: index == 2 ? .number : .string
        case .substring: index == 0 ? .string : .number
        case .number: index == 0 ? .string : .number
        }
    }

    /// The static type of the result.
    var resultType: StaticType {
        switch self {
        case .add, .subtract, .multiply, .divide, .modulo, .indexOf, .length, .number: .number
        case .between, .concat, .string, .substring: .string
        case .cidrMatch, .endsWith, .startsWith, .stringContains: .boolean
        }
    }

    /// Arguments that must be constants: `cidrMatch`'s CIDR blocks, `between`'s `greedy` flag,
    /// `number`'s base.
    func requiresConstant(_ index: Int) -> Bool {
        switch self {
        case .cidrMatch: index >= 1
        case .between: index == 3
        case .number: index == 1
        default: false
        }
    }
}

/// What the verifier knows about an expression's type without a mapping: literals and function
/// results have types, fields do not.
enum StaticType: String, Sendable {
    case unknown, null, boolean, number, string

    /// Whether a value of this type may be passed where `expected` is required.
    func fits(_ expected: StaticType) -> Bool {
        self == .unknown || self == .null || expected == .unknown || self == expected
    }
}

/// Evaluation of the functions over ``Value``s.
enum FunctionSemantics {
    /// Java's `String.length()`: UTF-16 code units.
    static func length(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        if ByteText.isASCII(bytes) { return Int64(bytes.count) }
        return Int64(String(decoding: bytes, as: UTF8.self).utf16.count)
    }

    /// `substring(source, start, end)` with Python-style negative indexes, over UTF-16 units as Java.
    static func substring(_ text: [UInt8], start: Int64, end: Int64?) -> [UInt8] {
        let units = Array(String(decoding: text, as: UTF8.self).utf16)
        let count = Int64(units.count)
        var from = start < 0 ? start + count : start
        var to = end.map { $0 < 0 ? $0 + count : $0 } ?? count
        from = max(0, min(from, count))
        to = max(0, min(to, count))
        guard from < to else { return [] }
        return Array(String(decoding: units[Int(from) ..< Int(to)], as: UTF16.self).utf8)
    }

    /// `between(source, left, right, greedy)`.
    static func between(_ source: [UInt8], _ left: [UInt8], _ right: [UInt8], greedy: Bool, caseInsensitive: Bool) -> [UInt8] {
        let haystack = caseInsensitive ? ByteText.lowercased(String(decoding: source, as: UTF8.self)) : source
        let leftNeedle = caseInsensitive ? ByteText.lowercased(String(decoding: left, as: UTF8.self)) : left
        let rightNeedle = caseInsensitive ? ByteText.lowercased(String(decoding: right, as: UTF8.self)) : right
        // Lowercasing may change byte lengths of non-ASCII text; search the original then.
        let sameLength = haystack.count == source.count
        let text = sameLength ? haystack : source
        let (l, r) = sameLength ? (leftNeedle, rightNeedle) : (left, right)
        return text.withUnsafeBufferPointer { hay in
            l.withUnsafeBufferPointer { leftBytes in
                r.withUnsafeBufferPointer { rightBytes in
                    guard let found = ByteText.firstIndex(of: leftBytes, in: hay) else { return [] }
                    let start = found + leftBytes.count
                    var end: Int?
                    if greedy {
                        var search = start
                        while let next = ByteText.firstIndex(of: rightBytes, in: hay, from: search) {
                            end = next
                            search = next + 1
                            if rightBytes.isEmpty { end = hay.count; break }
                        }
                    } else {
                        end = ByteText.firstIndex(of: rightBytes, in: hay, from: start)
                    }
                    guard let end, end >= start else { return [] }
                    return Array(source[start ..< end])
                }
            }
        }
    }

    /// `indexOf(source, substring, start)`: the UTF-16 offset of the first match at or after `start`.
    static func indexOf(_ source: [UInt8], _ needle: [UInt8], start: Int64, caseInsensitive: Bool) -> Int64? {
        var units = Array(String(decoding: source, as: UTF8.self).utf16)
        var search = Array(String(decoding: needle, as: UTF8.self).utf16)
        if caseInsensitive {
            units = Array(String(decoding: source, as: UTF8.self).lowercased().utf16)
            search = Array(String(decoding: needle, as: UTF8.self).lowercased().utf16)
        }
        let from = Int(max(0, start))
        guard from <= units.count else { return nil }
        if search.isEmpty { return Int64(from) }
        guard units.count >= search.count else { return nil }
        var i = from
        while i + search.count <= units.count {
            if units[i ..< i + search.count].elementsEqual(search) { return Int64(i) }
            i += 1
        }
        return nil
    }

    /// `number(text, base)`: integers in any base 2…36 (a `0x` prefix is allowed in base 16),
    /// decimals in base 10.
    static func number(_ text: [UInt8], base: Int64) -> Value {
        var string = String(decoding: text, as: UTF8.self).trimmingCharacters(in: " \t\n\r")
        guard (2 ... 36).contains(base) else { return .null }
        var negative = false
        if string.hasPrefix("-") { negative = true; string.removeFirst() } else if string.hasPrefix("+") { string.removeFirst() }
        if base == 16, string.lowercased().hasPrefix("0x") { string.removeFirst(2) }
        if let value = Int64(string, radix: Int(base)) { return .integer(negative ? -value : value) }
        if base == 10, let value = Double(string), !string.isEmpty, string.allSatisfy({ "0123456789.eE+-".contains($0) }) {
            return .double(negative ? -value : value)
        }
        return .null
    }
}

extension String {
    /// Trims the given characters from both ends.
    func trimmingCharacters(in set: String) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, set.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, set.contains(last) { scalars.removeLast() }
        return String(scalars)
    }
}
