import Foundation

/// What ``RuleIndex`` found for recent string values of its fields with contained literals: for a
/// field and a value, the positions of the key-slot sets the value satisfied. Endpoint telemetry
/// repeats its values (the same executables, command lines and arguments, event after event), and a
/// repeated value is then one hash and one compare instead of up to eight set look-ups and two scans
/// of the value for contained literals.
///
/// A fixed table of ``entryCount`` 16-byte entries, each overwritten by the next value that hashes
/// to it, with each value's bytes and results in one slab that is emptied (with the table) when full:
/// its memory is bounded whatever the input (768 KiB). A result is a pure function of the index and
/// the value, so the memo changes no candidate, only what finding them costs. One per evaluator (not
/// shared).
///
/// Where values do not repeat (a command line with a fresh temporary name in each), remembering them
/// costs more than it saves and pushes the rest of the evaluator out of the cache. So each field is
/// put on trial: of every ``trialLookups`` look-ups, when fewer than a quarter found the value, the
/// memo leaves the field's next ``benchLookups`` values alone before trying again.
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

    /// How the memo has done lately for one field.
    private struct FieldRecord {
        /// Look-ups, and values not found (so remembered), since the trial began.
        var lookups: UInt32 = 0
        var remembered: UInt32 = 0
        /// Values still to leave alone before the next trial.
        var benched: UInt32 = 0
    }

    /// Table entries (a power of two).
    static let entryCount = 1 << 14
    /// Values longer than this are looked up every time (long values rarely repeat).
    static let longestValue = 256
    /// When the slab would grow past this, the memo starts over empty.
    static let slabCapacity = 1 << 19
    /// Look-ups of a field per trial, and the values of a field that failed its trial left alone.
    static let trialLookups: UInt32 = 1_024
    static let benchLookups: UInt32 = 15 * 1_024

    /// Empty until the first value is remembered (an evaluator without literal keys needs none).
    private var entries: [Entry] = []
    /// Each remembered value's bytes followed by its results (`Int32`s, unaligned); ``slabCapacity``
    /// bytes once allocated, of which `slabUsed` are.
    private var slab: [UInt8] = []
    private var slabUsed = 0
    /// The results of the value being looked up (see ``record(_:)``).
    private var pending: [Int32] = []
    /// By field number.
    private var fieldRecords: [FieldRecord] = []
    /// Values the memo was consulted about, values it did not know (and then remembered), and values
    /// of benched fields it left alone, since it was made.
    private(set) var lookups = 0
    private(set) var remembered = 0
    private(set) var benched = 0

    /// Whether to consult the memo about `value` of field number `field`: whether the value is short
    /// enough to be remembered and the field has not failed its last trial.
    @inline(__always)
    mutating func consults(about value: UnsafeBufferPointer<UInt8>, of field: Int) -> Bool {
        assert(pending.isEmpty, "the look-up before recorded results without remembering them")
        guard value.count > 0, value.count <= Self.longestValue, field <= Int(UInt16.max) else { return false }
        if field >= fieldRecords.count { fieldRecords += repeatElement(FieldRecord(), count: field + 1 - fieldRecords.count) }
        return fieldRecords.withUnsafeMutableBufferPointer { records in
            if records[field].lookups == Self.trialLookups {
                if records[field].lookups - records[field].remembered < Self.trialLookups / 4 {
                    records[field].benched = Self.benchLookups
                }
                records[field].lookups = 0
                records[field].remembered = 0
            }
            guard records[field].benched == 0 else {
                records[field].benched &-= 1
                benched &+= 1
                return false
            }
            records[field].lookups &+= 1
            lookups &+= 1
            return true
        }
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
        if field < fieldRecords.count { fieldRecords[field].remembered &+= 1 }
        remembered &+= 1
        guard pending.count <= Int(UInt16.max) else { return }
        let size = value.count + 4 * pending.count
        if entries.isEmpty {
            entries = [Entry](repeating: Entry(), count: Self.entryCount)
            slab = [UInt8](repeating: 0, count: Self.slabCapacity)
        } else if slabUsed + size > Self.slabCapacity {
            slabUsed = 0
            entries.withUnsafeMutableBufferPointer { $0.update(repeating: Entry()) }
        }
        let start = slabUsed
        slab.withUnsafeMutableBytes { slab in
            slab.baseAddress!.advanced(by: start).copyMemory(from: value.baseAddress!, byteCount: value.count)
            for (index, result) in pending.enumerated() {
                slab.storeBytes(of: result.littleEndian, toByteOffset: start + value.count + 4 * index, as: Int32.self)
            }
        }
        slabUsed += size
        entries[Self.entryPosition(hash)] = Entry(tag: UInt32(truncatingIfNeeded: hash), start: UInt32(start), field: UInt16(field),
                                                  valueLength: UInt16(value.count), resultCount: UInt16(pending.count))
    }
}
