import Foundation

/// Byte-level string comparison helpers shared by the matchers.
///
/// Case-insensitive comparison folds ASCII letters byte by byte, which covers nearly all security
/// data. Elasticsearch lowercases all of Unicode, so when either side holds non-ASCII bytes the
/// comparison falls back to Swift's Unicode lowercasing (which allocates, but only then).
enum ByteText {
    /// ASCII lowercase of one byte.
    @inline(__always)
    static func fold(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }

    /// Whether every byte is ASCII.
    @inline(__always)
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes where byte >= 0x80 { return false }
        return true
    }

    /// Unicode lowercase of UTF-8 bytes (allocating).
    static func lowercased(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        Array(String(decoding: bytes, as: UTF8.self).lowercased().utf8)
    }

    /// Unicode lowercase of a string as UTF-8 bytes.
    static func lowercased(_ text: String) -> [UInt8] { Array(text.lowercased().utf8) }

    /// Byte equality, optionally case-insensitive.
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, caseInsensitive: Bool) -> Bool {
        if !caseInsensitive {
            guard a.count == b.count else { return false }
            return a.elementsEqual(b)
        }
        if a.count == b.count {
            var i = 0
            var allASCII = true
            while i < a.count {
                let x = a[i], y = b[i]
                if x | y >= 0x80 { allASCII = false; break }
                if fold(x) != fold(y) { return false }
                i &+= 1
            }
            if allASCII { return true }
        } else if isASCII(a) && isASCII(b) {
            return false
        }
        return lowercased(a) == lowercased(b)
    }

    /// Lexicographic comparison of UTF-8 bytes (the order of Unicode code points).
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let count = min(a.count, b.count)
        var i = 0
        while i < count {
            if a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
            i &+= 1
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// FNV-1a over the (optionally ASCII-folded) bytes.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, folding: Bool) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(folding ? fold(byte) : byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }

    /// A hash of `bytes` read eight at a time (each word multiplied out to 128 bits and folded, as
    /// wyhash does), for tables probed on every value: several times faster than ``hash(_:folding:)``
    /// on values of tens of bytes. `bytes` must not be empty.
    @inline(__always)
    static func fastHash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        @inline(__always) func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let product = a.multipliedFullWidth(by: b)
            return product.high ^ product.low
        }
        let count = bytes.count
        let raw = UnsafeRawPointer(bytes.baseAddress!)
        var hash = mix(seed ^ 0xa076_1d64_78bd_642f, UInt64(count) ^ 0xe703_7ed1_a0b4_28db)
        if count < 8 {
            // The first, middle and last bytes cover every byte of a value of up to three; the
            // first and last four bytes (overlapping) every byte of one of four to seven.
            let word: UInt64
            if count < 4 {
                word = UInt64(bytes[0]) << 16 | UInt64(bytes[count >> 1]) << 8 | UInt64(bytes[count &- 1])
            } else {
                word = UInt64(raw.loadUnaligned(as: UInt32.self)) << 32
                    | UInt64(raw.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self))
            }
            return mix(hash ^ word, 0x8ebc_6af0_9c88_c6e3)
        }
        var offset = 0
        while offset &+ 8 < count {
            hash = mix(hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self), 0x8ebc_6af0_9c88_c6e3)
            offset &+= 8
        }
        // The last eight bytes, overlapping the word before when the count is not a multiple of 8.
        return mix(hash ^ raw.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self), 0x5899_65cc_7537_4cc3)
    }

    /// Byte offset of the first occurrence of `needle` in `haystack` at or after `start` and ending
    /// by `end` (the haystack's end by default). When `folding`, ASCII letters of the haystack are
    /// lowercased as they are compared, and `needle` must be lowercased. A first byte without case is
    /// found with `memchr`.
    static func firstIndex(of needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>, from start: Int = 0,
                           to end: Int? = nil, folding: Bool = false) -> Int? {
        let end = end ?? haystack.count
        if needle.isEmpty { return start <= end ? start : nil }
        let start = max(0, start)
        guard end &- start >= needle.count else { return nil }
        let last = end &- needle.count
        let first = needle[0]
        /// Whether the needle's bytes after the first are at `position`.
        @inline(__always) func restMatches(at position: Int) -> Bool {
            var index = 1
            while index < needle.count {
                let byte = haystack[position &+ index]
                if (folding ? fold(byte) : byte) != needle[index] { return false }
                index &+= 1
            }
            return true
        }
        if !folding || first &- UInt8(ascii: "a") >= 26 {
            let base = haystack.baseAddress!
            var position = start
            while position <= last {
                guard let found = memchr(base + position, Int32(first), last &- position &+ 1) else { return nil }
                position = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if restMatches(at: position) { return position }
                position &+= 1
            }
            return nil
        }
        for position in start ... last where fold(haystack[position]) == first && restMatches(at: position) { return position }
        return nil
    }
}

/// A set of strings probed with bytes, without allocating: the compiled form of `in (…)`,
/// `== "…"` and `: (…)` without wildcards.
///
/// Case-insensitive sets store Unicode-lowercased members and hash ASCII-folded probes; a probe
/// with non-ASCII bytes is lowercased first (the only allocating path).
///
/// Probes are mostly misses (a process name tested against a rule's list), so a miss is made cheap:
/// a bit per member length rejects most probes before any hashing, and each table slot keeps its
/// member's hash, so a collision costs a compare only when the hashes agree. Members are stored
/// back to back in one buffer.
final class ByteStringSet: Sendable {
    // A class: the sets are immutable once built, and the rule index and the comparisons probe them
    // through stored references; as a struct of four arrays, a probe through a pointer copied it.

    /// The members' bytes, back to back; member `i` is `bytes[starts[i] ..< starts[i + 1]]`.
    private let bytes: [UInt8]
    private let starts: [Int32]
    /// Open addressing: member index (or -1) and that member's hash.
    private let table: [Int32]
    private let tableHashes: [UInt32]
    private let mask: Int
    /// Bit `min(length, 63)` is set for each member length.
    private let lengths: UInt64
    /// Whether members compare case-insensitively.
    let caseInsensitive: Bool

    /// Creates a set of `strings`.
    convenience init(_ strings: [String], caseInsensitive: Bool) {
        self.init(normalized: strings.map { caseInsensitive ? ByteText.lowercased($0) : Array($0.utf8) },
                  caseInsensitive: caseInsensitive)
    }

    /// Creates a set of members already normalized (Unicode-lowercased when `caseInsensitive`),
    /// such as another set's ``normalizedMembers``.
    init(normalized: [[UInt8]], caseInsensitive: Bool) {
        var size = 8
        while size < normalized.count * 2 { size <<= 1 }
        var bytes: [UInt8] = []
        var starts: [Int32] = [0]
        var table = [Int32](repeating: -1, count: size)
        var tableHashes = [UInt32](repeating: 0, count: size)
        var lengths: UInt64 = 0
        for member in normalized {
            let hash = member.withUnsafeBufferPointer { Self.hash($0, folding: caseInsensitive) }
            var slot = Int(hash) & (size - 1)
            var duplicate = false
            while table[slot] >= 0 {
                let entry = Int(table[slot])
                if tableHashes[slot] == hash, Array(bytes[Int(starts[entry]) ..< Int(starts[entry + 1])]) == member {
                    duplicate = true
                    break
                }
                slot = (slot + 1) & (size - 1)
            }
            if duplicate { continue }
            table[slot] = Int32(starts.count - 1)
            tableHashes[slot] = hash
            bytes.append(contentsOf: member)
            starts.append(Int32(bytes.count))
            lengths |= 1 << UInt64(min(member.count, 63))
        }
        self.bytes = bytes
        self.starts = starts
        self.table = table
        self.tableHashes = tableHashes
        self.mask = size - 1
        self.lengths = lengths
        self.caseInsensitive = caseInsensitive
    }

    /// The distinct members in insertion order (Unicode-lowercased when case-insensitive).
    var normalizedMembers: [[UInt8]] {
        (0 ..< starts.count - 1).map { Array(bytes[Int(starts[$0]) ..< Int(starts[$0 + 1])]) }
    }

    /// Whether the set is empty.
    var isEmpty: Bool { starts.count == 1 }

    /// Whether `bytes` is a member.
    func contains(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        index(of: bytes) != nil
    }

    /// The position of the member `bytes` equals in ``normalizedMembers``, or `nil`.
    func index(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if caseInsensitive, !ByteText.isASCII(bytes) {
            return ByteText.lowercased(bytes).withUnsafeBufferPointer { find($0) }
        }
        return find(bytes)
    }

    /// FNV-1a of the (optionally ASCII-folded) bytes, as 32 bits.
    @inline(__always)
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>, folding: Bool) -> UInt32 {
        UInt32(truncatingIfNeeded: ByteText.hash(bytes, folding: folding))
    }

    private func find(_ probe: UnsafeBufferPointer<UInt8>) -> Int? {
        guard lengths & (1 << UInt64(min(probe.count, 63))) != 0 else { return nil }
        let hash = Self.hash(probe, folding: caseInsensitive)
        return bytes.withUnsafeBufferPointer { members in
            var slot = Int(hash) & mask
            while true {
                let entry = Int(table[slot])
                if entry < 0 { return nil }
                if tableHashes[slot] == hash {
                    let start = Int(starts[entry]), end = Int(starts[entry + 1])
                    if end - start == probe.count, equal(UnsafeBufferPointer(rebasing: members[start ..< end]), probe) { return entry }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    @inline(__always)
    private func equal(_ member: UnsafeBufferPointer<UInt8>, _ probe: UnsafeBufferPointer<UInt8>) -> Bool {
        if !caseInsensitive { return member.isEmpty || memcmp(member.baseAddress!, probe.baseAddress!, member.count) == 0 }
        for i in 0 ..< member.count where member[i] != ByteText.fold(probe[i]) { return false }
        return true
    }
}
