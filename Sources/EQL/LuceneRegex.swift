import Foundation

/// A Lucene-style regular expression (`regex`/`regex~`), always matching the whole string; `.`
/// matches any character, line terminators included, as in Lucene.
///
/// Rules often write `.*R.*` (R anywhere in the value). Anchored, that makes the engine try every
/// start and let `.*` run to the end and back, quadratic in the value's length; it is run instead as
/// an unanchored search for R, which matches the same values (when R has no top-level `|`).
///
/// Most values tested cannot match, and running the engine costs a `String`, its UTF-16 form and
/// ICU: ``mayMatch(_:)`` first rejects, from the bytes, values that lack what the pattern's
/// ``RegexFacts`` say every match has.
struct LuceneRegex: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as thread-safe.
    private let expression: NSRegularExpression
    /// Whether `expression` is the core of a `.*R.*` pattern, searched for anywhere.
    let searchesAnywhere: Bool
    /// What every match has.
    let facts: RegexFacts

    /// Compiles `pattern`, or fails when it is not a valid expression.
    static func compile(_ pattern: String, caseInsensitive: Bool) -> Result<LuceneRegex, RegexSyntaxError> {
        var options: NSRegularExpression.Options = [.dotMatchesLineSeparators]
        if caseInsensitive { options.insert(.caseInsensitive) }
        let core = anywhereCore(of: pattern)
        do {
            let expression = try NSRegularExpression(pattern: core ?? #"\A(?:"# + pattern + #")\z"#, options: options)
            return .success(LuceneRegex(expression: expression, searchesAnywhere: core != nil,
                                        facts: RegexFacts(pattern: pattern, caseInsensitive: caseInsensitive)))
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

    private init(expression: NSRegularExpression, searchesAnywhere: Bool, facts: RegexFacts) {
        self.expression = expression
        self.searchesAnywhere = searchesAnywhere
        self.facts = facts
    }

    /// Whether `bytes` have what every match has (if not, they do not match).
    @inline(__always)
    func mayMatch(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        facts.admits(bytes)
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

/// What every whole-value match of a pattern has, read from the pattern's top level (outside groups
/// and classes), conservatively: when in doubt, nothing.
///
/// - ``required``: ASCII characters written literally or escaped (`\.`, `\:`) that no quantifier
///   makes optional (`?`, `*`, `{0…}`), and ``repeated``: those written more than once, with how
///   many times (each such element matches a character of its own, so a match holds at least that
///   many: an IPv4 address and port, `\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d+`, has three dots).
/// - ``first`` and ``last``: the bytes the value's first and last characters can be, when the
///   pattern's first or last element is a character, `\s`, `\d` or `\w` that must occur.
///
/// Letters give nothing when case is ignored, except in `first`/`last`, as both cases. A non-ASCII
/// byte always passes the `first`/`last` test (Unicode case folding and Unicode classes reach beyond
/// ASCII). A pattern with an alternative at its top level, an inline flag or quoted text (`(?`,
/// `\Q`), or Lucene's operators (`~ & @ < > # "`), gives nothing for what they touch.
struct RegexFacts: Sendable {
    private(set) var required: [UInt8] = []
    private(set) var repeated: [(byte: UInt8, count: Int)] = []
    private(set) var first: ByteClass?
    private(set) var last: ByteClass?
    /// The strings every match starts with one of, from the top level's leading elements that occur
    /// exactly once: a character written literally or escaped (`/var/run/\w+` starts with
    /// `/var/run/`, `php?` with `ph`) and, when case is ignored, `\s` or `\d` as each of their ASCII
    /// characters (`\d/x` starts with `0/x`, `1/x`, …), while there are at most
    /// ``maximumAlternatives``; lowercased when case is ignored. (Only then: a non-ASCII value
    /// satisfies every case-insensitive key of the rule index, and `\s` and `\d` match non-ASCII
    /// characters too.) Empty when the first element is none of these.
    private(set) var leadingLiterals: [[UInt8]] = []
    /// Likewise, the strings every match ends with one of, from the trailing elements.
    private(set) var trailingLiterals: [[UInt8]] = []
    /// A string every match contains, for the rule index: the longest run of the top level's
    /// consecutive characters written literally or escaped that each occur exactly once (`curl -o`
    /// in `.*curl -o\s.*`), lowercased when case is ignored; when no run is longer than one
    /// character, the ``required`` character least common in command lines and paths (``rarity(_:)``:
    /// `:` of the `.`s and `:`s an address and port need). Empty when none is known.
    private(set) var containedLiteral: [UInt8] = []
    /// The most strings ``leadingLiterals`` and ``trailingLiterals`` list.
    static let maximumAlternatives = 16

    /// A set of ASCII bytes.
    struct ByteClass: Sendable, Equatable {
        private var bits: (UInt64, UInt64) = (0, 0)

        init(_ bytes: some Sequence<UInt8>) {
            for byte in bytes where byte < 0x80 {
                if byte < 64 { bits.0 |= 1 << UInt64(byte) } else { bits.1 |= 1 << UInt64(byte - 64) }
            }
        }

        /// The ASCII bytes in the set, ascending.
        var members: [UInt8] { (0 ..< 0x80).filter { admits(UInt8($0)) }.map { UInt8($0) } }

        /// Whether `byte` is in the set; any non-ASCII byte is.
        @inline(__always)
        func admits(_ byte: UInt8) -> Bool {
            if byte >= 0x80 { return true }
            return byte < 64 ? bits.0 & (1 << UInt64(byte)) != 0 : bits.1 & (1 << UInt64(byte - 64)) != 0
        }

        static func == (lhs: ByteClass, rhs: ByteClass) -> Bool { lhs.bits == rhs.bits }
    }

    /// One element of the pattern's top level: the characters it matches (`nil`: not known) and
    /// whether it must occur.
    private struct Element {
        var characters: ByteClass?
        var literal: UInt8?
        var mustOccur = true
        /// Whether no quantifier repeats it or makes it optional.
        var occursOnce = true
    }

    init(pattern: String, caseInsensitive: Bool) {
        let bytes = Array(pattern.utf8)
        if pattern.contains("(?") || pattern.contains(#"\Q"#) { return }
        guard let elements = Self.topLevelElements(bytes, caseInsensitive: caseInsensitive) else { return }
        var counts: [UInt8: Int] = [:]
        for element in elements where element.mustOccur {
            guard let literal = element.literal, !(caseInsensitive && Self.isLetter(literal)) else { continue }
            if !required.contains(literal) { required.append(literal) }
            counts[literal, default: 0] += 1
        }
        repeated = counts.filter { $0.value > 1 }.sorted { $0.key < $1.key }.map { (byte: $0.key, count: $0.value) }
        if let head = elements.first, head.mustOccur { first = head.characters }
        if let tail = elements.last, tail.mustOccur { last = tail.characters }
        containedLiteral = Self.longestRun(elements, caseInsensitive: caseInsensitive)
        if containedLiteral.count < 2, let rarest = required.min(by: { Self.rarity($0) < Self.rarity($1) }) {
            containedLiteral = [rarest]
        }
        leadingLiterals = Self.literalRuns(elements, caseInsensitive: caseInsensitive)
        trailingLiterals = Self.literalRuns(elements.reversed(), caseInsensitive: caseInsensitive).map { $0.reversed() }
    }

    /// The strings `elements` (read in the order given) begin with one of, up to the first element
    /// that is not a literal or (case ignored) a character class occurring exactly once, or that
    /// would make more than ``maximumAlternatives``; empty when that is the first.
    private static func literalRuns(_ elements: some Sequence<Element>, caseInsensitive: Bool) -> [[UInt8]] {
        var runs: [[UInt8]] = [[]]
        for element in elements {
            guard element.occursOnce else { break }
            let characters: [UInt8]
            if let literal = element.literal {
                characters = [caseInsensitive ? ByteText.fold(literal) : literal]
            } else if caseInsensitive, let members = element.characters?.members {
                characters = Array(Set(members.map(ByteText.fold))).sorted()
            } else {
                break
            }
            guard !characters.isEmpty, runs.count * characters.count <= maximumAlternatives else { break }
            runs = runs.flatMap { run in characters.map { run + [$0] } }
        }
        return runs[0].isEmpty ? [] : runs
    }

    /// The longest run of consecutive `elements` that are single characters occurring exactly once
    /// (a match has them side by side), lowercased when case is ignored.
    private static func longestRun(_ elements: [Element], caseInsensitive: Bool) -> [UInt8] {
        var longest: [UInt8] = []
        var run: [UInt8] = []
        for element in elements {
            guard element.mustOccur, element.occursOnce, let literal = element.literal else { run.removeAll(); continue }
            run.append(caseInsensitive ? ByteText.fold(literal) : literal)
            if run.count > longest.count { longest = run }
        }
        return longest
    }

    /// How common a character is in command lines and paths, rarest 0: shell and quoting characters,
    /// other punctuation, `_ . - /` (in ``punctuationByRarity``'s order), then digits, other bytes
    /// (control characters, non-ASCII), letters, and the space.
    private static func rarity(_ byte: UInt8) -> Int {
        if let rank = Self.punctuationByRarity.firstIndex(of: byte) { return rank }
        if isDigit(byte) { return 100 }
        if isLetter(byte) { return 200 }
        return byte == UInt8(ascii: " ") ? 300 : 150
    }

    private static let punctuationByRarity = Array("`^~|;&$<>!@%#{}[]()*?\"'\\+:,=_.-/".utf8)

    /// Whether `bytes` have every required character and fit `first` and `last`.
    @inline(__always)
    func admits(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if let first {
            guard let byte = bytes.first, first.admits(byte) else { return false }
        }
        if let last {
            guard let byte = bytes.last, last.admits(byte) else { return false }
        }
        guard !required.isEmpty else { return true }
        guard let base = bytes.baseAddress else { return false }
        for byte in required where memchr(base, Int32(byte), bytes.count) == nil { return false }
        for (byte, count) in repeated {
            var found = 0
            var position = 0
            while found < count {
                guard let hit = memchr(base + position, Int32(byte), bytes.count &- position) else { return false }
                position = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) &+ 1
                found &+= 1
            }
        }
        return true
    }

    private static func isLetter(_ byte: UInt8) -> Bool { ByteText.fold(byte) &- UInt8(ascii: "a") < 26 }
    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    /// The top-level elements in order (groups and classes are elements of unknown characters), or
    /// `nil` when the top level has an alternative.
    private static func topLevelElements(_ bytes: [UInt8], caseInsensitive: Bool) -> [Element]? {
        var elements: [Element] = []
        var depth = 0
        var index = 0
        func characters(of literal: UInt8) -> ByteClass {
            caseInsensitive && isLetter(literal) ? ByteClass([literal | 0x20, literal & ~0x20]) : ByteClass([literal])
        }
        while index < bytes.count {
            let byte = bytes[index]
            var element: Element? = Element()
            var next = index + 1
            switch byte {
            case UInt8(ascii: "\\"):
                next = index + 2
                let escaped = index + 1 < bytes.count ? bytes[index + 1] : 0
                switch escaped {
                case UInt8(ascii: "s"): element?.characters = ByteClass(" \t\n\r\u{0B}\u{0C}".utf8)
                case UInt8(ascii: "d"): element?.characters = ByteClass("0123456789".utf8)
                case UInt8(ascii: "w"): element?.characters = ByteClass("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_".utf8)
                case _ where escaped < 0x80 && !isLetter(escaped) && !isDigit(escaped) && escaped != 0:
                    element?.literal = escaped
                    element?.characters = characters(of: escaped)
                default:
                    // Other classes, references and assertions (`\b`, which matches no character).
                    element = Element(characters: nil, literal: nil, mustOccur: false)
                }
            case UInt8(ascii: "["):
                // A class: skip to its end.
                while next < bytes.count, bytes[next] != UInt8(ascii: "]") || next == index + 1 {
                    if bytes[next] == UInt8(ascii: "\\") { next += 1 }
                    next += 1
                }
                next += 1
            case UInt8(ascii: "("):
                // A group: skip to its end (an alternative inside is fine).
                depth = 1
                while next < bytes.count, depth > 0 {
                    switch bytes[next] {
                    case UInt8(ascii: "\\"): next += 1
                    case UInt8(ascii: "("): depth += 1
                    case UInt8(ascii: ")"): depth -= 1
                    case UInt8(ascii: "["):
                        next += 1
                        while next < bytes.count, bytes[next] != UInt8(ascii: "]") {
                            if bytes[next] == UInt8(ascii: "\\") { next += 1 }
                            next += 1
                        }
                    default: break
                    }
                    next += 1
                }
            case UInt8(ascii: "|"):
                return nil
            case UInt8(ascii: "."):
                break
            case UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "~"), UInt8(ascii: "&"), UInt8(ascii: "@"),
                 UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "#"), UInt8(ascii: "\""), UInt8(ascii: ")"),
                 UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
                // Anchors, Lucene operators and stray syntax: the pattern is not a plain sequence.
                return nil
            default:
                if byte < 0x80 {
                    element?.literal = byte
                    element?.characters = characters(of: byte)
                }
            }
            // The element's quantifier, if any.
            if next < bytes.count {
                switch bytes[next] {
                case UInt8(ascii: "?"), UInt8(ascii: "*"):
                    element?.mustOccur = false
                    element?.occursOnce = false
                    next += 1
                case UInt8(ascii: "+"):
                    element?.occursOnce = false
                    next += 1
                case UInt8(ascii: "{"):
                    if next + 1 < bytes.count, bytes[next + 1] == UInt8(ascii: "0") || bytes[next + 1] == UInt8(ascii: ",") {
                        element?.mustOccur = false
                    }
                    element?.occursOnce = false
                    while next < bytes.count, bytes[next] != UInt8(ascii: "}") { next += 1 }
                    next += 1
                default:
                    break
                }
                // A lazy or possessive mark after the quantifier.
                if next < bytes.count, bytes[next] == UInt8(ascii: "?") || bytes[next] == UInt8(ascii: "+") {
                    if next > 0, "?*+}".utf8.contains(bytes[next - 1]) { next += 1 }
                }
            }
            if let element { elements.append(element) }
            index = next
        }
        return elements
    }
}
