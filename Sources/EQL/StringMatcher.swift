import ECS
import Foundation

/// The compiled right-hand side of `==`/`in` with string constants, `:`, `like` and `regex`:
/// a set of exact strings, wildcard patterns and regular expressions, any of which may match.
///
/// Exact strings are probed in a ``ByteStringSet`` and wildcards run over the bytes, both without
/// allocating. Regular expressions use Foundation's `NSRegularExpression`, anchored at both ends
/// as Lucene's are (that path converts the text to a `String`).
struct StringMatcher: Sendable {
    /// Exact members (case-sensitive or not, per the operator).
    let exact: ByteStringSet
    /// Wildcard patterns.
    let wildcards: [WildcardPattern]
    /// Regular expressions.
    let regexes: [LuceneRegex]
    /// Whether the operator ignores case (`:`, `in~`, `like~`).
    let caseInsensitive: Bool

    /// Builds the matcher for an operator and its constant strings (regular expressions that do not
    /// compile, which the verifier reports, are left out).
    init(exact: [String] = [], wildcards: [String] = [], regexes: [String] = [], caseInsensitive: Bool) {
        self.caseInsensitive = caseInsensitive
        self.exact = ByteStringSet(exact, caseInsensitive: caseInsensitive)
        self.wildcards = wildcards.map { WildcardPattern($0, caseInsensitive: caseInsensitive) }
        self.regexes = regexes.compactMap { try? LuceneRegex.compile($0, caseInsensitive: caseInsensitive).get() }
    }

    /// Whether the UTF-8 `bytes` match.
    @inline(__always)
    func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if !exact.isEmpty, exact.contains(bytes) { return true }
        if !wildcards.isEmpty {
            // Checked once for every pattern: ASCII text is folded as it is compared, other text
            // is lowercased first.
            if caseInsensitive, !ByteText.isASCII(bytes) {
                let lowered = ByteText.lowercased(bytes)
                let found = lowered.withUnsafeBufferPointer { text in wildcards.contains { $0.matches(prepared: text, fold: false) } }
                if found { return true }
            } else {
                for index in wildcards.indices where wildcards[index].matches(prepared: bytes, fold: caseInsensitive) { return true }
            }
        }
        if !regexes.isEmpty, regexes.contains(where: { $0.mayMatch(bytes) }) {
            let text = String(decoding: bytes, as: UTF8.self)
            for regex in regexes where regex.mayMatch(bytes) && regex.matches(text) { return true }
        }
        return false
    }

    /// Whether a value matches; numbers and booleans are matched by their string form, as a
    /// keyword query on a numeric field would parse the constant.
    func matches(_ value: Value, in event: Event) -> Bool {
        switch value {
        case .null: return false
        case .bytes, .text: return value.withStringBytes(in: event) { matches($0) }!
        default:
            guard let form = value.stringForm(in: event) else { return false }
            return form.withUnsafeBufferPointer { matches($0) }
        }
    }
}

/// A Lucene-style regular expression (`regex`/`regex~`), always matching the whole string; `.`
/// matches any character, line terminators included, as in Lucene.
///
/// Rules often write `.*R.*` (R anywhere in the value). Anchored, that makes the engine try every
/// start and let `.*` run to the end and back, quadratic in the value's length; it is run instead as
/// an unanchored search for R, which matches the same values (when R has no top-level `|`).
///
/// Most values tested cannot match, and running the engine costs a `String`, its UTF-16 form and
/// ICU: a value that lacks one of the pattern's ``requiredBytes`` is rejected first, by `memchr`.
struct LuceneRegex: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as thread-safe.
    private let expression: NSRegularExpression
    /// Whether `expression` is the core of a `.*R.*` pattern, searched for anywhere.
    let searchesAnywhere: Bool
    /// Bytes every matching value contains (see ``requiredBytes(of:caseInsensitive:)``).
    let requiredBytes: [UInt8]

    /// Compiles `pattern`, or fails when it is not a valid expression.
    static func compile(_ pattern: String, caseInsensitive: Bool) -> Result<LuceneRegex, RegexSyntaxError> {
        var options: NSRegularExpression.Options = [.dotMatchesLineSeparators]
        if caseInsensitive { options.insert(.caseInsensitive) }
        let core = anywhereCore(of: pattern)
        do {
            let expression = try NSRegularExpression(pattern: core ?? #"\A(?:"# + pattern + #")\z"#, options: options)
            return .success(LuceneRegex(expression: expression, searchesAnywhere: core != nil,
                                        requiredBytes: requiredBytes(of: pattern, caseInsensitive: caseInsensitive)))
        } catch {
            return .failure(RegexSyntaxError(pattern: pattern))
        }
    }

    /// `R` when `pattern` is `.*R.*` and R has no `|` outside groups and classes (whose alternatives
    /// the surrounding `.*` would not all enclose), else `nil`.
    static func anywhereCore(of pattern: String) -> String? {
        let bytes = Array(pattern.utf8)
        // At least one byte between the two `.*` (an empty expression does not compile).
        guard bytes.count >= 5, bytes.starts(with: Array(".*".utf8)), bytes.suffix(2).elementsEqual(".*".utf8) else { return nil }
        let core = Array(bytes[2 ..< bytes.count - 2])
        // `.*?R.*`, `.*+R.*`, `.*{2}R.*`: the `.*` is quantified further; leave it whole.
        if let first = core.first, "?+*{".utf8.contains(first) { return nil }
        var depth = 0
        var inClass = false
        var index = 0
        while index < core.count {
            switch core[index] {
            case UInt8(ascii: "\\"):
                // An escape: the next byte is literal. A core ending in `\` escaped the final `.`.
                if index + 1 == core.count { return nil }
                index += 1
            case UInt8(ascii: "[") where !inClass: inClass = true
            case UInt8(ascii: "]") where inClass: inClass = false
            case UInt8(ascii: "(") where !inClass: depth += 1
            case UInt8(ascii: ")") where !inClass: depth -= 1
            case UInt8(ascii: "|") where !inClass && depth == 0: return nil
            default: break
            }
            index += 1
        }
        return String(decoding: core, as: UTF8.self)
    }

    /// The ASCII bytes a match of `pattern` must contain: characters written outside groups and
    /// classes, literally or escaped (`\.`, `\:`), that no quantifier makes optional (`?`, `*`,
    /// `{0…}`). None when the pattern has an alternative at its top level; letters are left out when
    /// case is ignored (Unicode case folding may match them with other bytes), and so are Lucene's
    /// operators (`~ & @ < > # "`).
    static func requiredBytes(of pattern: String, caseInsensitive: Bool) -> [UInt8] {
        let bytes = Array(pattern.utf8)
        var required: [UInt8] = []
        var depth = 0
        var inClass = false
        var index = 0
        func isLetter(_ byte: UInt8) -> Bool { ByteText.fold(byte) &- UInt8(ascii: "a") < 26 }
        func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
        while index < bytes.count {
            let byte = bytes[index]
            var literal: UInt8?
            var next = index + 1
            if inClass {
                if byte == UInt8(ascii: "\\") { next = index + 2 } else if byte == UInt8(ascii: "]") { inClass = false }
                index = next
                continue
            }
            switch byte {
            case UInt8(ascii: "\\"):
                next = index + 2
                // `\.` is a dot; `\d`, `\s`, `\w` (letters) and `\1` (digits) are classes and references.
                if index + 1 < bytes.count, bytes[index + 1] < 0x80, !isLetter(bytes[index + 1]), !isDigit(bytes[index + 1]) {
                    literal = bytes[index + 1]
                }
            case UInt8(ascii: "["): inClass = true
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"): depth -= 1
            case UInt8(ascii: "|"): if depth == 0 { return [] }
            case UInt8(ascii: "{"):
                // A quantifier's bounds are not characters of the value.
                while next < bytes.count, bytes[next - 1] != UInt8(ascii: "}") { next += 1 }
            case UInt8(ascii: "."), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "}"),
                 UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "~"), UInt8(ascii: "&"), UInt8(ascii: "@"), UInt8(ascii: "<"),
                 UInt8(ascii: ">"), UInt8(ascii: "#"), UInt8(ascii: "\""), UInt8(ascii: "]"):
                break
            default:
                if byte < 0x80 { literal = byte }
            }
            if let literal, depth == 0, !(caseInsensitive && isLetter(literal)) {
                let quantifier = next < bytes.count ? bytes[next] : 0
                let optional = quantifier == UInt8(ascii: "?") || quantifier == UInt8(ascii: "*")
                    || (quantifier == UInt8(ascii: "{") && next + 1 < bytes.count
                        && (bytes[next + 1] == UInt8(ascii: "0") || bytes[next + 1] == UInt8(ascii: ",")))
                if !optional, !required.contains(literal) { required.append(literal) }
            }
            index = next
        }
        return required
    }

    private init(expression: NSRegularExpression, searchesAnywhere: Bool, requiredBytes: [UInt8]) {
        self.expression = expression
        self.searchesAnywhere = searchesAnywhere
        self.requiredBytes = requiredBytes
    }

    /// Whether `bytes` contain every required byte, which a match needs.
    @inline(__always)
    func mayMatch(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !requiredBytes.isEmpty else { return true }
        guard let base = bytes.baseAddress else { return false }
        for byte in requiredBytes where memchr(base, Int32(byte), bytes.count) == nil { return false }
        return true
    }

    /// Whether the whole of `text` matches.
    func matches(_ text: String) -> Bool {
        let range = NSRange(text.startIndex ..< text.endIndex, in: text)
        return expression.firstMatch(in: text, options: searchesAnywhere ? [] : [.anchored], range: range) != nil
    }
}

/// An invalid regular expression in a `regex` predicate.
struct RegexSyntaxError: Error {
    let pattern: String
}
