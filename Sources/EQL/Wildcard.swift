/// A compiled wildcard pattern: `*` matches any run of characters (also none), `?` exactly one
/// character; everything else matches itself. This is the pattern language of `:` and `like`.
///
/// Matching walks the UTF-8 bytes once with the classic two-pointer algorithm (backtracking only
/// to the last `*`), so it runs in linear time for typical patterns and never allocates, except
/// for case-insensitive matching of non-ASCII text, which lowercases the text first.
///
/// ```swift
/// let pattern = WildcardPattern("*:*", caseInsensitive: true)
/// pattern.matches("example.com:443")   // true
/// ```
struct WildcardPattern: Sendable {
    /// One element of the pattern.
    enum Element: Sendable, Equatable {
        case byte(UInt8)
        case anyCharacter
        case anyRun
    }

    private let elements: [Element]
    /// Whether letters match regardless of case.
    let caseInsensitive: Bool

    /// Compiles `pattern`.
    init(_ pattern: String, caseInsensitive: Bool) {
        self.caseInsensitive = caseInsensitive
        let bytes = caseInsensitive ? ByteText.lowercased(pattern) : Array(pattern.utf8)
        var elements: [Element] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "*"):
                if elements.last != .anyRun { elements.append(.anyRun) }
            case UInt8(ascii: "?"): elements.append(.anyCharacter)
            default: elements.append(.byte(byte))
            }
        }
        self.elements = elements
    }

    /// Whether a pattern string contains wildcard characters at all.
    static func hasWildcards(_ pattern: String) -> Bool {
        pattern.utf8.contains(UInt8(ascii: "*")) || pattern.utf8.contains(UInt8(ascii: "?"))
    }

    /// Whether `text` matches the whole pattern.
    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        if caseInsensitive, !ByteText.isASCII(text) {
            return ByteText.lowercased(text).withUnsafeBufferPointer { match($0, fold: false) }
        }
        return match(text, fold: caseInsensitive)
    }

    /// Convenience for tests.
    func matches(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBufferPointer { matches($0) }
    }

    /// Length of the UTF-8 sequence starting with `lead`.
    @inline(__always)
    private static func scalarLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0 ..< 0xC0: 1
        case 0xC0 ..< 0xE0: 2
        case 0xE0 ..< 0xF0: 3
        default: 4
        }
    }

    private func match(_ text: UnsafeBufferPointer<UInt8>, fold: Bool) -> Bool {
        var t = 0
        var p = 0
        var starP = -1
        var starT = 0
        let count = elements.count
        while t < text.count {
            if p < count {
                switch elements[p] {
                case .byte(let expected):
                    let actual = fold ? ByteText.fold(text[t]) : text[t]
                    if actual == expected {
                        t &+= 1
                        p &+= 1
                        continue
                    }
                case .anyCharacter:
                    t = min(text.count, t &+ Self.scalarLength(text[t]))
                    p &+= 1
                    continue
                case .anyRun:
                    starP = p
                    starT = t
                    p &+= 1
                    continue
                }
            }
            guard starP >= 0 else { return false }
            // Let the last `*` swallow one more character and retry.
            starT = min(text.count, starT &+ Self.scalarLength(text[starT]))
            t = starT
            p = starP &+ 1
        }
        while p < count, elements[p] == .anyRun { p &+= 1 }
        return p == count
    }
}
