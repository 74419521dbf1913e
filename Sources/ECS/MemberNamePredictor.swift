/// Remembers, per object position, the member names the last documents had there, so the JSON
/// reader resolves a repeated name with three word compares instead of a scan, a hash and a table
/// probe.
///
/// Events from one producer share their layout: the third member of `process` is `name` in every
/// Elastic Defend document. An entry is keyed by the object's ``FieldPathTree`` node and the
/// member's ordinal in it, and holds the name's bytes and closing quote (names up to 23 bytes) with
/// a mask of them, its length and what the tree resolved it to. Each key has two entries, the name
/// seen there last and the one before it, so two layouts that take turns (an `end` event's
/// `process` has `end` and `exit_code` where an `exec` event's has `parent`, and every later member
/// one place further) are both predicted.
///
/// A prediction is taken only when the document's bytes equal the remembered name and its closing
/// quote (one compare of three masked words), so the result is exactly what resolving the name
/// would give: a remembered name never contains a quote, a backslash or a control character (names
/// read through the slow path with any of those are not remembered), and the tree is fixed for the
/// reader's life. The table is direct-mapped (a collision replaces the older entries) and belongs
/// to one reader.
struct MemberNamePredictor {
    /// One remembered name.
    struct Entry {
        /// The name's bytes and its closing quote, little-endian, in three words; zero past the quote.
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        /// Ones over the bytes of `words` that hold the name and its quote. Derivable from `length`,
        /// but stored: making them per probe took three branches where the compare now takes one.
        var masks: (UInt64, UInt64, UInt64) = (0, 0, 0)
        /// `node << 8 | ordinal + 1`; 0 for an empty entry.
        var tag: UInt32 = 0
        /// The name's length in bytes (1 to 23).
        var length: Int32 = 0
        /// What ``FieldPathTree/View/resolve(_:from:)`` gave for the name.
        var resolved: Int32 = 0
    }

    /// The longest name remembered, in bytes.
    static let maximumLength = 23
    /// Members past this ordinal of an object are not predicted.
    static let maximumOrdinal = 254
    /// Keys (each with two entries).
    private static let keyCount = 1024

    private var entries = [Entry](repeating: Entry(), count: 2 * keyCount)

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

        /// The first of the key's two entries: the name seen there last.
        @inline(__always) static func slot(node: Int32, ordinal: Int) -> Int {
            ((Int(node) &* 37 &+ ordinal) & (MemberNamePredictor.keyCount &- 1)) << 1
        }

        /// The resolved node and length of the name starting at `start` (just past its opening
        /// quote), when it is one remembered for this position. `input` must hold at least 24
        /// bytes from `start`.
        @inline(__always)
        func predict(node: Int32, ordinal: Int, input: UnsafePointer<UInt8>, start: Int) -> Entry? {
            let slot = Self.slot(node: node, ordinal: ordinal)
            let tag = Self.tag(node: node, ordinal: ordinal)
            let raw = UnsafeRawPointer(input + start)
            let bytes = (UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)),
                         UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                         UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            if let entry = Self.match(entries[slot], tag: tag, bytes: bytes) { return entry }
            return Self.match(entries[slot | 1], tag: tag, bytes: bytes)
        }

        /// `entry` when it is remembered for `tag` and its name and quote are the first bytes of
        /// `bytes` (the 24 bytes after the opening quote).
        @inline(__always)
        static func match(_ entry: Entry, tag: UInt32, bytes: (UInt64, UInt64, UInt64)) -> Entry? {
            let difference = (bytes.0 & entry.masks.0 ^ entry.words.0) | (bytes.1 & entry.masks.1 ^ entry.words.1)
                | (bytes.2 & entry.masks.2 ^ entry.words.2)
            return entry.tag == tag && difference == 0 ? entry : nil
        }

        /// Remembers `name` (plain bytes: no quote, backslash or control character) for this
        /// position, as the name seen there last; the one seen last before becomes the other entry.
        @inline(__always)
        func remember(node: Int32, ordinal: Int, name: UnsafeBufferPointer<UInt8>, resolved: Int32) {
            guard name.count >= 1, name.count <= MemberNamePredictor.maximumLength,
                  ordinal <= MemberNamePredictor.maximumOrdinal else { return }
            var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &words) { bytes in
                bytes.copyMemory(from: UnsafeRawBufferPointer(name))
                bytes[name.count] = UInt8(ascii: "\"")
            }
            let quoted = name.count &+ 1
            let slot = Self.slot(node: node, ordinal: ordinal)
            entries[slot | 1] = entries[slot]
            entries[slot] = Entry(
                words: (UInt64(littleEndian: words.0), UInt64(littleEndian: words.1), UInt64(littleEndian: words.2)),
                masks: (Self.mask(bytes: quoted), Self.mask(bytes: quoted &- 8), Self.mask(bytes: quoted &- 16)),
                tag: Self.tag(node: node, ordinal: ordinal), length: Int32(name.count), resolved: resolved)
        }

        /// A mask of the low `bytes` bytes of a word (all of it from 8 up, none below 1).
        @inline(__always) static func mask(bytes: Int) -> UInt64 {
            bytes >= 8 ? ~0 : bytes <= 0 ? 0 : (1 &<< UInt64(bytes &* 8)) &- 1
        }
    }
}
