import Foundation

/// What ``RuleIndex`` found for recent string values of its literal-keyed fields: for a field and a
/// value, the positions of the key-slot sets the value satisfied. Endpoint telemetry repeats its
/// values (the same executables, command lines and arguments, event after event), and a repeated
/// value is then one hash and one compare instead of up to eight set look-ups and two scans of the
/// value for contained literals.
///
/// A fixed table of ``entryCount`` 16-byte entries, each overwritten by the next value that hashes
/// to it, with each value's bytes and results in one slab that is emptied (with the table) when full:
/// its memory is bounded whatever the input (768 KiB). A result is a pure function of the index and
/// the value, so the memo changes no candidate, only what finding them costs. One per evaluator (not
/// shared).
struct IndexValueMemo {
    /// One remembered value: where its bytes, and its results after them, are in the slab.
    private struct Entry {
        /// The low half of the value's hash with the lowest bit set (`0`: an empty entry); the high
        /// half chose the entry.
        var tag: UInt32 = 0
        var start: UInt32 = 0
        var field: UInt16 = 0
        var valueLength: UInt16 = 0
        var resultCount: UInt16 = 0
    }

    /// Table entries (a power of two).
    static let entryCount = 1 << 14
    /// Values longer than this are looked up every time (long values rarely repeat).
    static let longestValue = 256
    /// When the slab would grow past this, the memo starts over empty.
    static let slabCapacity = 1 << 19

    /// Empty until the first value is remembered (an evaluator without literal keys needs none).
    private var entries: [Entry] = []
    /// Each remembered value's bytes followed by its results (`Int32`s, unaligned).
    private var slab: [UInt8] = []
    /// The results of the value being looked up (see ``record(_:)``).
    private var pending: [Int32] = []

    /// Whether `value` of field number `field` can be remembered.
    @inline(__always)
    static func remembers(_ value: UnsafeBufferPointer<UInt8>, of field: Int) -> Bool {
        value.count > 0 && value.count <= longestValue && field <= Int(UInt16.max)
    }

    /// The hash of `value` of `field`, computed once for ``results(of:_:hash:_:)`` and
    /// ``remember(_:_:hash:)``.
    @inline(__always)
    static func hash(of field: Int, _ value: UnsafeBufferPointer<UInt8>) -> UInt64 {
        ByteText.fastHash(value, seed: UInt64(field)) | 1
    }

    @inline(__always)
    private static func entryPosition(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> 32) & (entryCount &- 1) }

    /// Calls `body` with each result remembered for `value` of `field` and returns true, or returns
    /// false when the value is not remembered.
    @inline(__always)
    func results(of field: Int, _ value: UnsafeBufferPointer<UInt8>, hash: UInt64, _ body: (Int) -> Void) -> Bool {
        entries.withUnsafeBufferPointer { entries in
            guard !entries.isEmpty else { return false }
            let entry = entries[Self.entryPosition(hash)]
            guard entry.tag == UInt32(truncatingIfNeeded: hash), Int(entry.field) == field,
                  Int(entry.valueLength) == value.count else { return false }
            return slab.withUnsafeBytes { slab in
                let start = slab.baseAddress! + Int(entry.start)
                guard memcmp(start, value.baseAddress!, value.count) == 0 else { return false }
                let results = start + value.count
                for result in 0 ..< Int(entry.resultCount) {
                    body(Int(Int32(littleEndian: results.loadUnaligned(fromByteOffset: result &* 4, as: Int32.self))))
                }
                return true
            }
        }
    }

    /// Notes one result of the value being looked up, for the ``remember(_:_:hash:)`` that follows.
    @inline(__always)
    mutating func record(_ result: Int) { pending.append(Int32(truncatingIfNeeded: result)) }

    /// Remembers the results recorded since the last call as those of `value` of `field`.
    mutating func remember(_ field: Int, _ value: UnsafeBufferPointer<UInt8>, hash: UInt64) {
        defer { pending.removeAll(keepingCapacity: true) }
        guard pending.count <= Int(UInt16.max) else { return }
        let size = value.count + 4 * pending.count
        if entries.isEmpty {
            entries = [Entry](repeating: Entry(), count: Self.entryCount)
            slab.reserveCapacity(Self.slabCapacity)
        } else if slab.count + size > Self.slabCapacity {
            slab.removeAll(keepingCapacity: true)
            entries.withUnsafeMutableBufferPointer { $0.update(repeating: Entry()) }
        }
        let entry = Entry(tag: UInt32(truncatingIfNeeded: hash), start: UInt32(slab.count), field: UInt16(field),
                          valueLength: UInt16(value.count), resultCount: UInt16(pending.count))
        slab.append(contentsOf: value)
        for result in pending { withUnsafeBytes(of: result.littleEndian) { slab.append(contentsOf: $0) } }
        entries[Self.entryPosition(hash)] = entry
    }
}
