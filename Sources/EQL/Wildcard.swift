/// A compiled wildcard pattern: `*` matches any run of characters (also none), `?` exactly one
/// character; everything else matches itself. This is the pattern language of `:` and `like`.
///
/// `abc*`, `*abc` and `*abc*` compare the literal at the start, at the end or at each position.
/// Other patterns walk the UTF-8 bytes once with the classic two-pointer algorithm (backtracking
/// only to the last `*`), in linear time for typical patterns. Nothing allocates, except
/// case-insensitive matching of non-ASCII text, which lowercases the text first.
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

    /// Patterns most rules write, matched without the general backtracking loop (which walks the
    /// whole text even for a trailing `*`).
    enum Shape: Sendable, Equatable {
        /// `abc*`
        case prefix([UInt8])
        /// `*abc`
        case suffix([UInt8])
        /// `*abc*`
        case contains([UInt8])
        /// Several literal runs between `*`s, no `?` (`*BEGIN {system(*)}*`, `/tmp/*.sh`): the runs in
        /// order, each found by a search from where the one before ended (for `*` alone, finding
        /// each run as early as possible can only leave more text to the rest). `leading` and
        /// `trailing` are empty when the pattern starts or ends with `*`.
        case segments(leading: [UInt8], middle: [[UInt8]], trailing: [UInt8])
        /// Anything else (`?`, `*` alone, no wildcard).
        case general
    }

    /// How a pattern is matched: ``Shape`` without its literals, which the pattern keeps in
    /// ``literal``, ``middleRuns`` and ``trailingRun``. Matching switches on this and reads the
    /// literals in place; a switch binding a `Shape`'s arrays copied (retained and released) them
    /// on every test, about 1.3 times per corpus event.
    private enum Kind: Sendable {
        case prefix, suffix, contains, segments, general
    }

    private let elements: [Element]
    private let kind: Kind
    /// The literal of `.prefix`, `.suffix` and `.contains`; the leading run of `.segments`.
    private let literal: [UInt8]
    /// The runs between the leading and trailing ones of `.segments`.
    private let middleRuns: [[UInt8]]
    /// The trailing run of `.segments`.
    private let trailingRun: [UInt8]
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
        switch Self.shape(of: elements) {
        case .prefix(let literal): (kind, self.literal, middleRuns, trailingRun) = (.prefix, literal, [], [])
        case .suffix(let literal): (kind, self.literal, middleRuns, trailingRun) = (.suffix, literal, [], [])
        case .contains(let literal): (kind, self.literal, middleRuns, trailingRun) = (.contains, literal, [], [])
        case .segments(let leading, let middle, let trailing): (kind, literal, middleRuns, trailingRun) = (.segments, leading, middle, trailing)
        case .general: (kind, literal, middleRuns, trailingRun) = (.general, [], [], [])
        }
    }

    /// How the pattern is matched.
    var shape: Shape {
        switch kind {
        case .prefix: .prefix(literal)
        case .suffix: .suffix(literal)
        case .contains: .contains(literal)
        case .segments: .segments(leading: literal, middle: middleRuns, trailing: trailingRun)
        case .general: .general
        }
    }

    private static func shape(of elements: [Element]) -> Shape {
        let startsWithRun = elements.first == .anyRun
        let endsWithRun = elements.count > 1 && elements.last == .anyRun
        let inner = elements.dropFirst(startsWithRun ? 1 : 0).dropLast(endsWithRun ? 1 : 0)
        var literal: [UInt8] = []
        for element in inner {
            guard case .byte(let byte) = element else { return segments(of: elements) }
            literal.append(byte)
        }
        guard !literal.isEmpty else { return .general }
        switch (startsWithRun, endsWithRun) {
        case (false, true): return .prefix(literal)
        case (true, false): return .suffix(literal)
        case (true, true): return .contains(literal)
        case (false, false): return .general // no wildcard at all: an exact string, matched generally
        }
    }

    /// The ``Shape/segments(leading:middle:trailing:)`` of a pattern with at least two literal runs
    /// and no `?`, or ``Shape/general``.
    private static func segments(of elements: [Element]) -> Shape {
        guard !elements.contains(.anyCharacter) else { return .general }
        var runs: [[UInt8]] = [[]]
        for element in elements {
            if case .byte(let byte) = element { runs[runs.count - 1].append(byte) } else { runs.append([]) }
        }
        // `runs` alternates literal runs and the `*`s between them: the first and last are the
        // leading and trailing runs (empty when the pattern starts or ends with `*`).
        guard runs.count >= 2, runs.count(where: { !$0.isEmpty }) >= 2 else { return .general }
        return .segments(leading: runs[0], middle: runs.dropFirst().dropLast().filter { !$0.isEmpty }, trailing: runs[runs.count - 1])
    }

    /// The longest run of literal bytes (lowercased when case-insensitive): every text the pattern
    /// matches contains it, since consecutive literal elements match consecutive bytes.
    var longestLiteral: [UInt8] {
        var longest: [UInt8] = []
        var current: [UInt8] = []
        for element in elements {
            if case .byte(let byte) = element {
                current.append(byte)
                if current.count > longest.count { longest = current }
            } else {
                current.removeAll(keepingCapacity: true)
            }
        }
        return longest
    }

    /// The literal bytes before the first wildcard (lowercased when case-insensitive): every text
    /// the pattern matches starts with them (`/tmp/*.sh` starts with `/tmp/`; empty for `*.sh`).
    var leadingLiteral: [UInt8] { Self.literalRun(elements) }

    /// The literal bytes after the last wildcard: every text the pattern matches ends with them.
    var trailingLiteral: [UInt8] { Self.literalRun(elements.reversed()).reversed() }

    private static func literalRun(_ elements: some Sequence<Element>) -> [UInt8] {
        var run: [UInt8] = []
        for element in elements {
            guard case .byte(let byte) = element else { break }
            run.append(byte)
        }
        return run
    }

    /// Whether a pattern string contains wildcard characters at all.
    static func hasWildcards(_ pattern: String) -> Bool {
        pattern.utf8.contains(UInt8(ascii: "*")) || pattern.utf8.contains(UInt8(ascii: "?"))
    }

    /// Whether `text` matches the whole pattern.
    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        if caseInsensitive, !ByteText.isASCII(text) {
            return ByteText.lowercased(text).withUnsafeBufferPointer { matches(prepared: $0, fold: false) }
        }
        return matches(prepared: text, fold: caseInsensitive)
    }

    /// Matches `text` already prepared by the caller: for a case-insensitive pattern, either ASCII
    /// (`fold`: compared ASCII-folded) or Unicode-lowercased (`fold` false). ``StringMatcher`` checks
    /// a value once for all its patterns this way.
    @inline(__always)
    func matches(prepared text: UnsafeBufferPointer<UInt8>, fold: Bool) -> Bool {
        switch kind {
        case .prefix:
            return literal.count <= text.count && Self.equal(literal, text, at: 0, fold: fold)
        case .suffix:
            return literal.count <= text.count && Self.equal(literal, text, at: text.count &- literal.count, fold: fold)
        case .contains:
            return literal.withUnsafeBufferPointer { ByteText.firstIndex(of: $0, in: text, folding: fold) } != nil
        case .segments:
            guard literal.count &+ trailingRun.count <= text.count,
                  Self.equal(literal, text, at: 0, fold: fold),
                  Self.equal(trailingRun, text, at: text.count &- trailingRun.count, fold: fold) else { return false }
            var start = literal.count
            let end = text.count &- trailingRun.count
            // By index: a `for`-`in` loop's iterator held (retained) the array.
            for index in middleRuns.indices {
                let found = middleRuns[index].withUnsafeBufferPointer { run in
                    ByteText.firstIndex(of: run, in: text, from: start, to: end, folding: fold).map { $0 &+ run.count }
                }
                guard let found else { return false }
                start = found
            }
            return true
        case .general:
            return match(text, fold: fold)
        }
    }

    @inline(__always)
    private static func equal(_ literal: [UInt8], _ text: UnsafeBufferPointer<UInt8>, at start: Int, fold: Bool) -> Bool {
        literal.withUnsafeBufferPointer { literal in
            for index in literal.indices {
                let byte = text[start &+ index]
                if (fold ? ByteText.fold(byte) : byte) != literal[index] { return false }
            }
            return true
        }
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
