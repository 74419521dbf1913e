/// Remembers, per object position, the member name the last document had there, so the JSON reader
/// resolves a repeated name with two word compares instead of a scan, a hash and a table probe.
///
/// Events from one producer share their layout: the third member of `process` is `name` in every
/// Elastic Defend document. An entry is keyed by the object's ``FieldPathTree`` node and the
/// member's ordinal in it, and holds the name's bytes (up to 16), its length and what the tree
/// resolved it to. A prediction is taken only when the document's bytes equal the remembered name
/// and a closing quote follows it, so the result is exactly what resolving the name would give: a
/// remembered name never contains a quote, a backslash or a control character (names read through
/// the slow path with any of those are not remembered), and the tree is fixed for the reader's life.
///
/// The table is direct-mapped (a collision replaces the older entry) and belongs to one reader.
struct MemberNamePredictor {
    /// One remembered name.
    struct Entry {
        /// The name's first 8 bytes, little-endian, zero past its end.
        var low: UInt64 = 0
        /// Bytes 8 to 15 of the name, zero past its end.
        var high: UInt64 = 0
        /// `node << 8 | ordinal + 1`; 0 for an empty entry.
        var tag: UInt32 = 0
        /// The name's length in bytes (1 to 16).
        var length: Int32 = 0
        /// What ``FieldPathTree/View/resolve(_:from:)`` gave for the name.
        var resolved: Int32 = 0
    }

    /// The longest name remembered, in bytes.
    static let maximumLength = 16
    /// Members past this ordinal of an object are not predicted.
    static let maximumOrdinal = 254
    private static let tableSize = 1024

    private var entries = [Entry](repeating: Entry(), count: tableSize)

    /// Calls `body` with a pointer-based view of the table, valid for the call.
    mutating func withView<R>(_ body: (View) throws(EventReadError) -> R) throws(EventReadError) -> R {
        try entries.withUnsafeMutableBufferPointer { (table) throws(EventReadError) in
            try body(View(entries: table.baseAddress!))
        }
    }

    /// Reads and writes the table through a plain pointer (no reference counting, no exclusivity
    /// checks) while a document is read.
    struct View {
        let entries: UnsafeMutablePointer<Entry>

        @inline(__always) static func tag(node: Int32, ordinal: Int) -> UInt32 {
            UInt32(truncatingIfNeeded: Int(node) << 8 | (ordinal &+ 1))
        }

        @inline(__always) static func slot(node: Int32, ordinal: Int) -> Int {
            (Int(node) &* 37 &+ ordinal) & (MemberNamePredictor.tableSize &- 1)
        }

        /// The resolved node and length of the name starting at `start` (just past its opening
        /// quote), when it is the name remembered for this position. `input` must hold at least 17
        /// bytes from `start`.
        @inline(__always)
        func predict(node: Int32, ordinal: Int, input: UnsafePointer<UInt8>, start: Int) -> Entry? {
            let entry = entries[Self.slot(node: node, ordinal: ordinal)]
            guard entry.tag == Self.tag(node: node, ordinal: ordinal) else { return nil }
            let raw = UnsafeRawPointer(input + start)
            let low = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            let high = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            let length = Int(entry.length)
            guard low & Self.mask(bytes: length) == entry.low,
                  high & Self.mask(bytes: length &- 8) == entry.high,
                  input[start &+ length] == UInt8(ascii: "\"") else { return nil }
            return entry
        }

        /// Remembers `name` (plain bytes: no quote, backslash or control character) for this position.
        @inline(__always)
        func remember(node: Int32, ordinal: Int, name: UnsafeBufferPointer<UInt8>, resolved: Int32) {
            guard name.count >= 1, name.count <= MemberNamePredictor.maximumLength,
                  ordinal <= MemberNamePredictor.maximumOrdinal else { return }
            var bytes: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &bytes) { $0.copyMemory(from: UnsafeRawBufferPointer(name)) }
            entries[Self.slot(node: node, ordinal: ordinal)] = Entry(
                low: UInt64(littleEndian: bytes.0), high: UInt64(littleEndian: bytes.1),
                tag: Self.tag(node: node, ordinal: ordinal), length: Int32(name.count), resolved: resolved)
        }

        /// A mask of the low `bytes` bytes of a word (all of it from 8 up, none below 1).
        @inline(__always) static func mask(bytes: Int) -> UInt64 {
            bytes >= 8 ? ~0 : bytes <= 0 ? 0 : (1 &<< UInt64(bytes &* 8)) &- 1
        }
    }
}
