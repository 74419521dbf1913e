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
    /// Which of the three kinds the matcher has, kept beside them: each collection's own count is a
    /// dependent load or two away (a cache miss when a rule is first tested for an event).
    private let hasExact: Bool, hasWildcards: Bool, hasRegexes: Bool

    /// Builds the matcher for an operator and its constant strings (regular expressions that do not
    /// compile, which the verifier reports, are left out).
    init(exact: [String] = [], wildcards: [String] = [], regexes: [String] = [], caseInsensitive: Bool) {
        self.caseInsensitive = caseInsensitive
        self.exact = ByteStringSet(exact, caseInsensitive: caseInsensitive)
        self.wildcards = wildcards.map { WildcardPattern($0, caseInsensitive: caseInsensitive) }
        self.regexes = regexes.compactMap { try? LuceneRegex.compile($0, caseInsensitive: caseInsensitive).get() }
        hasExact = !self.exact.isEmpty
        hasWildcards = !self.wildcards.isEmpty
        hasRegexes = !self.regexes.isEmpty
    }

    /// Whether the UTF-8 `bytes` match.
    @inline(__always)
    func matches(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if hasExact, exact.contains(bytes) { return true }
        if hasWildcards {
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
        guard hasRegexes else { return false }
        // The text is made once, and only for a regex the bytes do not rule out.
        var text: String?
        for regex in regexes where regex.mayMatch(bytes) {
            if text == nil { text = String(decoding: bytes, as: UTF8.self) }
            if regex.matches(text!) { return true }
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
