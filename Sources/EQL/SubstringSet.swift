/// A set of literals (each at least ``minimumLength`` bytes) and, for a text, which of them occur in
/// it: one pass over the text for all literals, instead of one search per literal.
///
/// Each text position's next three bytes are hashed into a 65,536-bit filter of the literals' first
/// three bytes; only positions that pass look up the literals starting with those bytes and compare
/// the rest. This is the shape of Wu–Manber's multi-pattern search, with heads of three bytes.
/// Two-byte literals (`\x`, `-c`) are found by a second pass, each position's byte pair tested in a
/// 65,536-bit map of them: it costs every byte of the text, so a set without them skips it (and
/// ``RuleIndex`` scans a value only when its memo of recent values does not know it). Literals of
/// one byte (the `:` a regular expression requires) are each found with `memchr`.
/// Case-insensitive sets hold lowercased literals and fold ASCII text as they read it; the caller
/// handles non-ASCII text (``RuleIndex`` treats it as containing every literal).
///
/// ```swift
/// let set = SubstringSet([Array("curl".utf8), Array("wget".utf8)], folding: true)
/// set.forEachOccurring(in: text) { literal in … }   // 0 for "curl" in "/usr/bin/CURL -s"
/// ```
///
/// A class, as ``ByteStringSet`` is: a set read through a pointer to the struct holding it is then
/// not copied (and each of its arrays retained) before a look-up.
final class SubstringSet: Sendable {
    /// The shortest literal a set holds.
    static let minimumLength = 1
    /// The bytes of a head: literals this long or longer are found through ``filter``.
    private static let headLength = 3

    /// The literals, as given (lowercased when folding).
    let literals: [[UInt8]]
    /// Whether ASCII letters of the text are lowercased before comparing.
    let folding: Bool
    /// One bit per hash of a literal's first three bytes.
    private let filter: [UInt64]
    /// Open-addressed table of first-three-byte heads: the head (`0` for an empty slot; heads are
    /// stored with bit 24 set) and the range of ``headLiterals`` holding the literals with that head.
    private let headKeys: [UInt32]
    private let headRanges: [Range<Int32>]
    private let headLiterals: [Int32]
    /// One bit per two-byte literal (the first byte in the low half), empty when there is none;
    /// each literal's pair and position in ``literals``.
    private let pairFilter: [UInt64]
    private let pairs: [(pair: UInt16, literal: Int32)]
    /// Each one-byte literal's byte and position in ``literals``.
    private let singles: [(byte: UInt8, literal: Int32)]
    /// Whether some literal has three bytes or more (is found through ``filter``).
    private let hasHeads: Bool

    /// Builds the set; every literal must have at least ``minimumLength`` bytes.
    init(_ literals: [[UInt8]], folding: Bool) {
        precondition(literals.allSatisfy { $0.count >= Self.minimumLength }, "literals of at least one byte")
        self.literals = literals
        self.folding = folding
        var filter = [UInt64](repeating: 0, count: 1024)
        var byHead: [UInt32: [Int32]] = [:]
        var pairFilter: [UInt64] = []
        var pairs: [(pair: UInt16, literal: Int32)] = []
        var singles: [(byte: UInt8, literal: Int32)] = []
        for (index, literal) in literals.enumerated() {
            if literal.count == 1 {
                singles.append((literal[0], Int32(index)))
                continue
            }
            guard literal.count >= Self.headLength else {
                if pairFilter.isEmpty { pairFilter = [UInt64](repeating: 0, count: 1024) }
                let pair = UInt16(literal[0]) | UInt16(literal[1]) << 8
                pairFilter[Int(pair) >> 6] |= 1 << UInt64(pair & 63)
                pairs.append((pair, Int32(index)))
                continue
            }
            let head = Self.head(literal[0], literal[1], literal[2])
            let bit = Self.filterBit(head)
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
            byHead[head, default: []].append(Int32(index))
        }
        var size = 16
        while size < byHead.count * 2 { size <<= 1 }
        var keys = [UInt32](repeating: 0, count: size)
        var ranges = [Range<Int32>](repeating: 0 ..< 0, count: size)
        var flat: [Int32] = []
        for (head, members) in byHead.sorted(by: { $0.key < $1.key }) {
            var slot = Self.slot(head, size: size)
            while keys[slot] != 0 { slot = (slot + 1) & (size - 1) }
            keys[slot] = head
            ranges[slot] = Int32(flat.count) ..< Int32(flat.count + members.count)
            flat.append(contentsOf: members)
        }
        self.filter = filter
        self.pairFilter = pairFilter
        self.pairs = pairs
        self.singles = singles
        hasHeads = pairs.count + singles.count < literals.count
        headKeys = keys
        headRanges = ranges
        headLiterals = flat
    }

    /// Calls `body` with the position in ``literals`` of each literal that occurs in `text` (once
    /// per occurrence, so possibly more than once). A folding set folds ASCII letters of `text`.
    @inline(__always)
    func forEachOccurring(in text: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Void) {
        guard text.count >= Self.minimumLength else { return }
        // Two copies of each loop, each with the folding decided.
        if text.count >= Self.headLength, hasHeads {
            if folding { scan(text, fold: true, body) } else { scan(text, fold: false, body) }
        }
        if text.count >= 2, !pairs.isEmpty {
            if folding { scanPairs(text, fold: true, body) } else { scanPairs(text, fold: false, body) }
        }
        for single in singles {
            let found = withUnsafePointer(to: single.byte) { byte in
                ByteText.firstIndex(of: UnsafeBufferPointer(start: byte, count: 1), in: text, folding: folding)
            }
            if found != nil { body(Int(single.literal)) }
        }
    }

    @inline(__always)
    private func scanPairs(_ text: UnsafeBufferPointer<UInt8>, fold: Bool, _ body: (Int) -> Void) {
        @inline(__always) func byte(_ index: Int) -> UInt16 {
            let value = text[index]
            return UInt16(fold ? ByteText.fold(value) : value)
        }
        pairFilter.withUnsafeBufferPointer { filter in
            var previous = byte(0)
            for next in 1 ..< text.count {
                let current = byte(next)
                let pair = previous | current << 8
                previous = current
                guard filter[Int(pair) >> 6] & (1 << UInt64(pair & 63)) != 0 else { continue }
                for entry in pairs where entry.pair == pair { body(Int(entry.literal)) }
            }
        }
    }

    @inline(__always)
    private func scan(_ text: UnsafeBufferPointer<UInt8>, fold: Bool, _ body: (Int) -> Void) {
        let bytes = text.baseAddress!
        @inline(__always) func byte(_ index: Int) -> UInt32 {
            let value = bytes[index]
            return UInt32(fold ? ByteText.fold(value) : value)
        }
        filter.withUnsafeBufferPointer { filter in
            // The three bytes at `start`, the first in the low byte: the previous window shifted
            // down, with the byte at `start + 2` shifted in.
            var window = byte(0) << 8 | byte(1) << 16
            for start in 0 ... text.count &- Self.headLength {
                window = window >> 8 | byte(start &+ 2) << 16
                let head = window | 1 << 24
                let bit = Self.filterBit(head)
                guard filter[bit >> 6] & (1 << UInt64(bit & 63)) != 0 else { continue }
                forEachLiteral(withHead: head) { index in
                    if occurs(literals[index], in: text, at: start) { body(index) }
                }
            }
        }
    }

    /// The three bytes `a`, `b`, `c` as one key (bit 24 set, so no head is 0).
    @inline(__always)
    private static func head(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt32 {
        UInt32(a) | UInt32(b) << 8 | UInt32(c) << 16 | 1 << 24
    }

    @inline(__always)
    private static func filterBit(_ head: UInt32) -> Int { Int((head &* 0x9E37_79B1) >> 16) }

    @inline(__always)
    private static func slot(_ head: UInt32, size: Int) -> Int { Int((head &* 0x85EB_CA6B) >> 7) & (size &- 1) }

    @inline(__always)
    private func forEachLiteral(withHead head: UInt32, _ body: (Int) -> Void) {
        let size = headKeys.count
        var slot = Self.slot(head, size: size)
        while true {
            let key = headKeys[slot]
            if key == 0 { return }
            if key == head {
                for position in headRanges[slot] { body(Int(headLiterals[Int(position)])) }
                return
            }
            slot = (slot &+ 1) & (size &- 1)
        }
    }

    /// Whether `literal` (whose first three bytes are known to match) occurs in `text` at `start`.
    @inline(__always)
    private func occurs(_ literal: [UInt8], in text: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        guard start &+ literal.count <= text.count else { return false }
        var index = Self.headLength
        while index < literal.count {
            let byte = folding ? ByteText.fold(text[start &+ index]) : text[start &+ index]
            if byte != literal[index] { return false }
            index &+= 1
        }
        return true
    }
}
