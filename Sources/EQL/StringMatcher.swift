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
        if !regexes.isEmpty {
            let text = String(decoding: bytes, as: UTF8.self)
            for regex in regexes where regex.matches(text) { return true }
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
struct LuceneRegex: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as thread-safe.
    private let expression: NSRegularExpression
    /// Whether `expression` is the core of a `.*R.*` pattern, searched for anywhere.
    let searchesAnywhere: Bool

    /// Compiles `pattern`, or fails when it is not a valid expression.
    static func compile(_ pattern: String, caseInsensitive: Bool) -> Result<LuceneRegex, RegexSyntaxError> {
        var options: NSRegularExpression.Options = [.dotMatchesLineSeparators]
        if caseInsensitive { options.insert(.caseInsensitive) }
        let core = anywhereCore(of: pattern)
        do {
            let expression = try NSRegularExpression(pattern: core ?? #"\A(?:"# + pattern + #")\z"#, options: options)
            return .success(LuceneRegex(expression: expression, searchesAnywhere: core != nil))
        } catch {
            return .failure(RegexSyntaxError(pattern: pattern))
        }
    }

    /// `R` when `pattern` is `.*R.*` and R has no `|` outside groups and classes (whose alternatives
    /// the surrounding `.*` would not all enclose), else `nil`.
    static func anywhereCore(of pattern: String) -> String? {
        let bytes = Array(pattern.utf8)
        guard bytes.count >= 4, bytes.starts(with: Array(".*".utf8)), bytes.suffix(2).elementsEqual(".*".utf8) else { return nil }
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

    private init(expression: NSRegularExpression, searchesAnywhere: Bool) {
        self.expression = expression
        self.searchesAnywhere = searchesAnywhere
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
