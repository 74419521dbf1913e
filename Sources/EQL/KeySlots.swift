/// A set of key slots (`item << slotBits | slot`) that one indexed value satisfies, stored in the
/// index's ``KeySlotPool``: a list when short, the bit words themselves when long, so that a broad
/// value (`event.category == "process"`, the second key of many filters) is marked with a few word
/// ORs instead of hundreds of bit sets. A plain range, so reading one costs no reference counting.
struct KeySlots: Sendable {
    /// Where the slots are in the pool's list or words.
    fileprivate let start: Int32
    /// How many slots (a list) or words.
    fileprivate let count: Int32
    fileprivate let isWords: Bool
}

/// The storage of all of an index's ``KeySlots``.
struct KeySlotPool: Sendable {
    /// The slot numbers of the short sets, one after the other.
    private var list: [Int32] = []
    /// The bit words of the long sets, ``wordCount`` each.
    private var words: [UInt64] = []
    private let wordCount: Int

    /// An empty pool for sets of slots out of `slotCount`.
    init(slotCount: Int) { wordCount = (slotCount + 63) / 64 }

    /// Stores the slots of `list` (ascending) and returns where.
    mutating func add(_ slots: [Int32]) -> KeySlots {
        if slots.count > wordCount {
            let start = words.count
            words += repeatElement(0, count: wordCount)
            for slot in slots { words[start + Int(slot) >> 6] |= 1 << UInt64(slot & 63) }
            return KeySlots(start: Int32(start), count: Int32(wordCount), isWords: true)
        }
        let start = list.count
        list += slots
        return KeySlots(start: Int32(start), count: Int32(slots.count), isWords: false)
    }

    /// Calls `body` with a function that sets a set's slots in `bits`.
    @inline(__always)
    func withMarker<Result>(in bits: UnsafeMutableBufferPointer<UInt64>,
                            _ body: (_ mark: (KeySlots) -> Void) -> Result) -> Result {
        list.withUnsafeBufferPointer { list in
            words.withUnsafeBufferPointer { words in
                body { slots in
                    let start = Int(slots.start), end = start &+ Int(slots.count)
                    if slots.isWords {
                        for index in start ..< end { bits[index &- start] |= words[index] }
                    } else {
                        for position in start ..< end {
                            let slot = list[position]
                            bits[Int(slot) >> 6] |= 1 << UInt64(slot & 63)
                        }
                    }
                }
            }
        }
    }
}
