import CByteScan

/// Why a record could not be read as an event.
public struct EventReadError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Byte offset in the record where reading stopped.
    public let offset: Int
    /// What was wrong, phrased for the person who produced the record.
    public let reason: String

    /// Creates an error at `offset`.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// The 1-based column of the error (counting bytes, as JSON lines are mostly ASCII).
    public var column: Int { offset + 1 }

    public var description: String { "column \(column): \(reason)" }
}

/// Decodes JSON documents straight from bytes into compact ``Event``s.
///
/// One pass over the bytes validates the whole document strictly (RFC 8259: a malformed record is
/// rejected with the offset of the first error, never misread) and keeps the values of the paths in
/// its ``FieldCatalog`` only. Nested objects (`{"process": {"name": …}}`), dotted keys
/// (`{"process.name": …}`) and mixes of both give the same paths; arrays become multi-valued fields,
/// and arrays of objects are flattened as Elasticsearch does. Strings without escapes are not
/// copied: the event refers to them inside its original bytes.
///
/// A reader owns scratch buffers, so each thread uses its own (it is a cheap value to copy).
public struct EventReader: Sendable {
    /// The paths whose values events keep.
    public let catalog: FieldCatalog
    /// Fields consulted in order for the event time; the first one present wins.
    public let timestampFields: [FieldID]
    private var slots: [FieldSlot] = []
    private var unescaped: [UInt8] = []
    private var memberNames = MemberNamePredictor()

    /// The deepest nesting accepted, so hostile input cannot exhaust the stack.
    public static let maximumDepth = 64

    /// Creates a reader keeping the fields of `catalog`, taking event time from the first of
    /// `timestampPaths` present in a document (paths must be registered in the catalog).
    public init(catalog: FieldCatalog, timestampPaths: [String] = ["@timestamp"]) {
        self.catalog = catalog
        self.timestampFields = timestampPaths.compactMap { catalog.id(of: $0) }
        slots.reserveCapacity(64)
    }

    /// Reads one record.
    public mutating func read(_ record: RawRecord) throws(EventReadError) -> Event {
        try read(bytes: record.bytes, origin: record.origin)
    }

    /// Reads one JSON document given as bytes.
    public mutating func read(bytes: [UInt8], origin: RecordOrigin) throws(EventReadError) -> Event {
        try read(bytes: bytes[...], origin: origin)
    }

    /// Reads one JSON document given as a slice of a buffer; the event refers to the buffer (see
    /// ``Event/compacted()``), unless the document has escaped strings, which makes it a copy.
    public mutating func read(bytes: ArraySlice<UInt8>, origin: RecordOrigin) throws(EventReadError) -> Event {
        slots.removeAll(keepingCapacity: true)
        unescaped.removeAll(keepingCapacity: true)
        let documentLength = bytes.count
        let tree = catalog.tree.view
        try memberNames.withView { (predictor) throws(EventReadError) in
            try bytes.withUnsafeBufferPointer { (input) throws(EventReadError) in
                var scanner = Scanner(input: input, tree: tree, memberNames: predictor, documentLength: documentLength)
                try scanner.readDocument(slots: &slots, unescaped: &unescaped)
            }
        }
        Self.sortByField(&slots)
        var storage = bytes
        if !unescaped.isEmpty { storage = ArraySlice(Array(bytes) + unescaped) }
        // An exactly sized copy: the event keeps no spare capacity, and `slots` stays this reader's.
        // (Not `init(unsafeUninitializedCapacity:)`, which looked the array type up at run time each call.)
        let eventSlots = slots.withUnsafeBufferPointer { [FieldSlot]($0) }
        let untimed = Event(storage: storage, documentLength: documentLength, slots: eventSlots,
                            timestamp: Int64.min, origin: origin)
        // Read the time from a `let`, then move it: reading a `var` while setting its timestamp copied it.
        let timestamp = Self.eventTime(of: untimed, fields: timestampFields)
        var event = consume untimed
        event.timestamp = timestamp
        return event
    }

    /// The time of `event` from the first present of `fields`: an ISO 8601 string or epoch milliseconds.
    public static func eventTime(of event: Event, fields: [FieldID]) -> Int64 {
        for field in fields {
            let range = event.slotRange(of: field)
            guard let index = range.first else { continue }
            let slot = event.slots[index]
            switch slot.kind {
            case .string:
                if let nanos = event.withBytes(of: slot.stringBytes, Timestamp.parseISO8601) { return nanos }
            case .integer:
                return slot.integerValue &* 1_000_000
            case .double:
                return Int64(slot.doubleValue * 1_000_000)
            default:
                continue
            }
        }
        return Int64.min
    }

    /// Stable insertion sort: slots arrive nearly grouped, and array elements must keep their order.
    private static func sortByField(_ slots: inout [FieldSlot]) {
        guard slots.count > 1 else { return }
        slots.withUnsafeMutableBufferPointer { buffer in
            for i in 1 ..< buffer.count {
                let current = buffer[i]
                var j = i
                while j > 0, buffer[j &- 1].field.index > current.field.index {
                    buffer[j] = buffer[j &- 1]
                    j &-= 1
                }
                buffer[j] = current
            }
        }
    }
}

/// The byte-level JSON walker behind ``EventReader``.
///
/// Objects are read relative to their node in the catalog's ``FieldPathTree`` (-1: nobody reads
/// below here), so a member name is resolved from the object it is in, never as a whole path.
private struct Scanner {
    let input: UnsafeBufferPointer<UInt8>
    let tree: FieldPathTree.View
    let memberNames: MemberNamePredictor.View
    let documentLength: Int
    var position = 0

    init(input: UnsafeBufferPointer<UInt8>, tree: FieldPathTree.View, memberNames: MemberNamePredictor.View,
         documentLength: Int) {
        self.input = input
        self.tree = tree
        self.memberNames = memberNames
        self.documentLength = documentLength
    }

    mutating func readDocument(slots: inout [FieldSlot], unescaped: inout [UInt8]) throws(EventReadError) {
        skipWhitespace()
        guard position < input.count else { throw fail("empty record: expected a JSON object") }
        guard input[position] == UInt8(ascii: "{") else { throw fail("expected a JSON object ('{')") }
        try readObject(node: FieldPathTree.root, slots: &slots, unescaped: &unescaped, depth: 1)
        skipWhitespace()
        guard position == input.count else { throw fail("unexpected data after the JSON object") }
    }

    func fail(_ reason: String) -> EventReadError { EventReadError(offset: position, reason: reason) }

    @inline(__always) mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position &+= 1
            default: return
            }
        }
    }

    /// The byte at `position` once whitespace is skipped, or nil at the end of the input. Documents
    /// are mostly compact: a byte above 0x20 is returned after one compare, and only a lower one (a
    /// space, a tab, a line break or a control character, which then fails the caller's check) takes
    /// the loop.
    @inline(__always) mutating func nextByte() -> UInt8? {
        guard position < input.count else { return nil }
        let byte = input[position]
        if byte > 0x20 { return byte }
        skipWhitespace()
        return position < input.count ? input[position] : nil
    }

    /// The offset of the first byte at or after `start` that ends a run of plain string bytes (`"`,
    /// `\` or a control character below 0x20), or `input.count`. Sixteen bytes at a time
    /// with SSE2 on x86-64 (`CByteScan`), eight in a word elsewhere.
    @inline(__always) func plainRunEnd(from start: Int) -> Int {
        runEnd(from: start, orDot: false)
    }

    /// Like ``plainRunEnd(from:)``, stopping at a `.` too (member names: is it a dotted path?).
    @inline(__always) func runEnd(from start: Int, orDot stopAtDot: Bool) -> Int {
        guard let base = input.baseAddress else { return input.count }
        #if arch(x86_64)
        return tripline_string_run_end(base, start, input.count, stopAtDot ? 1 : 0)
        #else
        return wordRunEnd(base: base, from: start, orDot: stopAtDot)
        #endif
    }

    #if !arch(x86_64)
    /// ``runEnd(from:orDot:)`` eight bytes at a time in a 64-bit word, where SSE2 is not there.
    @inline(__always) func wordRunEnd(base: UnsafePointer<UInt8>, from start: Int, orDot stopAtDot: Bool) -> Int {
        var index = start
        let count = input.count
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        while index &+ 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            // A zero byte of `quote`/`backslash`/`dot`, or a byte of `word` below 0x20, sets that byte's
            // high bit; bits above the lowest hit may be false positives, the lowest never is.
            var hits = ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (word &- ones &* 0x20) & ~word) & highBits
            if stopAtDot {
                let dot = word ^ (ones &* 0x2E)
                hits |= (dot &- ones) & ~dot & highBits
            }
            if hits != 0 { return index &+ hits.trailingZeroBitCount >> 3 }
            index &+= 8
        }
        while index < count {
            let byte = base[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || stopAtDot && byte == UInt8(ascii: ".") {
                return index
            }
            index &+= 1
        }
        return count
    }
    #endif

    /// Reads `{...}` at `position`: the object at tree node `node`.
    mutating func readObject(node: Int32, slots: inout [FieldSlot], unescaped: inout [UInt8], depth: Int) throws(EventReadError) {
        guard depth <= EventReader.maximumDepth else { throw fail("nesting deeper than \(EventReader.maximumDepth) levels") }
        position &+= 1 // '{'
        if nextByte() == UInt8(ascii: "}") { position &+= 1; return }
        var ordinal = 0
        while true {
            guard nextByte() == UInt8(ascii: "\"") else { throw fail("expected a member name in double quotes") }
            let member = try readMemberName(in: node, ordinal: ordinal)
            ordinal &+= 1
            guard nextByte() == UInt8(ascii: ":") else { throw fail("expected ':' after member name") }
            position &+= 1
            guard let first = nextByte() else { throw fail("expected a value") }
            // Most values are strings: read here rather than through readValue's call and jump.
            if first == UInt8(ascii: "\"") {
                try readStringValue(field: member >= 0 ? tree.field(of: member) : -1, slots: &slots, unescaped: &unescaped)
            } else {
                try readValue(first, node: member, slots: &slots, unescaped: &unescaped, depth: depth)
            }
            guard let byte = nextByte() else { throw fail("unterminated object: expected ',' or '}'") }
            position &+= 1
            if byte == UInt8(ascii: "}") { return }
            guard byte == UInt8(ascii: ",") else { position &-= 1; throw fail("expected ',' or '}' in object") }
        }
    }

    /// Reads the value at `position`, whose first byte is `first`, recording scalars when tree node
    /// `node` names a field.
    mutating func readValue(_ first: UInt8, node: Int32, slots: inout [FieldSlot], unescaped: inout [UInt8],
                            depth: Int) throws(EventReadError) {
        let field = node >= 0 ? tree.field(of: node) : -1
        switch first {
        case UInt8(ascii: "{"):
            if node >= 0, tree.isPrefix(node) {
                try readObject(node: node, slots: &slots, unescaped: &unescaped, depth: depth &+ 1)
            } else {
                try skipObject(depth: depth &+ 1)
            }
        case UInt8(ascii: "["):
            guard node >= 0, field >= 0 || tree.isPrefix(node) else { try skipArray(depth: depth &+ 1); return }
            guard depth < EventReader.maximumDepth else { throw fail("nesting deeper than \(EventReader.maximumDepth) levels") }
            position &+= 1
            if nextByte() == UInt8(ascii: "]") { position &+= 1; return }
            while true {
                guard let element = nextByte() else { throw fail("expected a value") }
                if element == UInt8(ascii: "\"") {
                    try readStringValue(field: field, slots: &slots, unescaped: &unescaped)
                } else {
                    try readValue(element, node: node, slots: &slots, unescaped: &unescaped, depth: depth &+ 1)
                }
                guard let byte = nextByte() else { throw fail("unterminated array: expected ',' or ']'") }
                position &+= 1
                if byte == UInt8(ascii: "]") { return }
                guard byte == UInt8(ascii: ",") else { position &-= 1; throw fail("expected ',' or ']' in array") }
            }
        case UInt8(ascii: "\""):
            try readStringValue(field: field, slots: &slots, unescaped: &unescaped)
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            if field >= 0 { slots.append(.bool(FieldID(field), true)) }
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            if field >= 0 { slots.append(.bool(FieldID(field), false)) }
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            if field >= 0 { slots.append(.null(FieldID(field))) }
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"):
            let slot = try readNumber(field: FieldID(field))
            if field >= 0 { slots.append(slot) }
        default:
            throw fail("expected a value (object, array, string, number, true, false or null)")
        }
    }

    /// Reads the string value at `position` into a slot of `field`, or validates it when `field` is -1.
    @inline(__always)
    mutating func readStringValue(field: Int32, slots: inout [FieldSlot], unescaped: inout [UInt8]) throws(EventReadError) {
        if field >= 0 {
            let range = try readString(unescaped: &unescaped)
            slots.append(.string(FieldID(field), range))
        } else {
            try skipString()
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(EventReadError) {
        let count = literal.utf8CodeUnitCount
        guard position &+ count <= input.count else { throw fail("invalid literal: expected '\(literal)'") }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for i in 0 ..< count where input[position &+ i] != expected[i] {
            throw fail("invalid literal: expected '\(literal)'")
        }
        position &+= count
    }

    /// ``skipValue(depth:)`` with a string (most skipped values are) validated here, without the call.
    @inline(__always)
    mutating func skipNextValue(depth: Int) throws(EventReadError) {
        if nextByte() == UInt8(ascii: "\"") { try skipString() } else { try skipValue(depth: depth) }
    }

    /// Validates any value at `position` without recording anything.
    mutating func skipValue(depth: Int) throws(EventReadError) {
        guard let first = nextByte() else { throw fail("expected a value") }
        switch first {
        case UInt8(ascii: "{"): try skipObject(depth: depth &+ 1)
        case UInt8(ascii: "["): try skipArray(depth: depth &+ 1)
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"): _ = try readNumber(field: FieldID(-1))
        default: throw fail("expected a value (object, array, string, number, true, false or null)")
        }
    }

    /// Validates an object whose members nobody reads.
    mutating func skipObject(depth: Int) throws(EventReadError) {
        guard depth <= EventReader.maximumDepth else { throw fail("nesting deeper than \(EventReader.maximumDepth) levels") }
        position &+= 1
        if nextByte() == UInt8(ascii: "}") { position &+= 1; return }
        while true {
            guard nextByte() == UInt8(ascii: "\"") else { throw fail("expected a member name in double quotes") }
            try skipString()
            guard nextByte() == UInt8(ascii: ":") else { throw fail("expected ':' after member name") }
            position &+= 1
            try skipNextValue(depth: depth)
            guard let byte = nextByte() else { throw fail("unterminated object: expected ',' or '}'") }
            position &+= 1
            if byte == UInt8(ascii: "}") { return }
            guard byte == UInt8(ascii: ",") else { position &-= 1; throw fail("expected ',' or '}' in object") }
        }
    }

    /// Validates an array whose elements nobody reads.
    mutating func skipArray(depth: Int) throws(EventReadError) {
        guard depth <= EventReader.maximumDepth else { throw fail("nesting deeper than \(EventReader.maximumDepth) levels") }
        position &+= 1
        if nextByte() == UInt8(ascii: "]") { position &+= 1; return }
        while true {
            try skipNextValue(depth: depth)
            guard let byte = nextByte() else { throw fail("unterminated array: expected ',' or ']'") }
            position &+= 1
            if byte == UInt8(ascii: "]") { return }
            guard byte == UInt8(ascii: ",") else { position &-= 1; throw fail("expected ',' or ']' in array") }
        }
    }

    /// Reads the name of the `ordinal`-th member of the object at tree node `node` and resolves it
    /// below that node (-1 when no registered path goes through it).
    @inline(__always)
    mutating func readMemberName(in node: Int32, ordinal: Int) throws(EventReadError) -> Int32 {
        let start = position &+ 1
        if start &+ MemberNamePredictor.maximumLength &+ 1 <= input.count,
           let known = memberNames.predict(node: node, ordinal: ordinal, input: input.baseAddress!, start: start) {
            position = start &+ Int(known.length) &+ 1
            return known.resolved
        }
        return try resolveMemberName(in: node, ordinal: ordinal)
    }

    /// ``readMemberName(in:ordinal:)`` for a name not predicted: scans, resolves and remembers it.
    @inline(never)
    mutating func resolveMemberName(in node: Int32, ordinal: Int) throws(EventReadError) -> Int32 {
        let start = position &+ 1
        position = runEnd(from: start, orDot: true)
        let dotted = position < input.count && input[position] == UInt8(ascii: ".")
        if dotted { position = plainRunEnd(from: position) }
        if position < input.count, input[position] == UInt8(ascii: "\"") {
            position &+= 1
            let name = UnsafeBufferPointer(rebasing: input[start ..< position &- 1])
            let resolved = dotted ? tree.resolve(name, from: node) : tree.child(of: node, named: name)
            memberNames.remember(node: node, ordinal: ordinal, name: name, resolved: resolved)
            return resolved
        }
        if position == input.count { throw fail("unterminated string") }
        position = start &- 1
        var decoded: [UInt8] = []
        try decodeEscapedString(into: &decoded)
        return decoded.withUnsafeBufferPointer { tree.resolve($0, from: node) }
    }

    /// Reads the string at `position`; escaped strings are decoded into `unescaped`.
    @inline(__always)
    mutating func readString(unescaped: inout [UInt8]) throws(EventReadError) -> ByteRange {
        let quote = position
        let start = position &+ 1
        position = plainRunEnd(from: start)
        if position < input.count, input[position] == UInt8(ascii: "\"") {
            position &+= 1
            return ByteRange(start: Int32(start), count: Int32(position &- 1 &- start))
        }
        position = quote
        let offset = documentLength &+ unescaped.count
        try decodeEscapedString(into: &unescaped)
        return ByteRange(start: Int32(offset), count: Int32(documentLength &+ unescaped.count &- offset))
    }

    /// Validates the string at `position` without keeping it.
    @inline(__always)
    mutating func skipString() throws(EventReadError) {
        let end = plainRunEnd(from: position &+ 1)
        if end < input.count, input[end] == UInt8(ascii: "\"") {
            position = end &+ 1
            return
        }
        try skipStringWithEscapes()
    }

    /// ``skipString()`` for a string with escapes (or an error): validates each escape.
    @inline(never)
    mutating func skipStringWithEscapes() throws(EventReadError) {
        position &+= 1
        while true {
            position = plainRunEnd(from: position)
            guard position < input.count else { break }
            let byte = input[position]
            if byte == UInt8(ascii: "\"") { position &+= 1; return }
            if byte < 0x20 { throw fail("control character in string (must be escaped)") }
            position &+= 1 // '\\'
            guard position < input.count else { break }
            switch input[position] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                 UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                position &+= 1
            case UInt8(ascii: "u"):
                _ = try readHex4(at: position &+ 1)
                position &+= 5
            default:
                throw fail("invalid escape sequence in string")
            }
        }
        throw fail("unterminated string")
    }

    /// Decodes the string starting at the quote at `position`, appending its UTF-8 bytes to `output`.
    @inline(never)
    mutating func decodeEscapedString(into output: inout [UInt8]) throws(EventReadError) {
        position &+= 1
        while position < input.count {
            let byte = input[position]
            if byte == UInt8(ascii: "\"") { position &+= 1; return }
            if byte < 0x20 { throw fail("control character in string (must be escaped)") }
            guard byte == UInt8(ascii: "\\") else { output.append(byte); position &+= 1; continue }
            position &+= 1
            guard position < input.count else { break }
            let escape = input[position]
            position &+= 1
            switch escape {
            case UInt8(ascii: "\""): output.append(0x22)
            case UInt8(ascii: "\\"): output.append(0x5C)
            case UInt8(ascii: "/"): output.append(0x2F)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4(at: position)
                position &+= 4
                if (0xD800 ..< 0xDC00).contains(scalar) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard position &+ 6 <= input.count, input[position] == UInt8(ascii: "\\"),
                          input[position &+ 1] == UInt8(ascii: "u") else { throw fail("unpaired UTF-16 surrogate in \\u escape") }
                    let low = try readHex4(at: position &+ 2)
                    guard (0xDC00 ..< 0xE000).contains(low) else { throw fail("unpaired UTF-16 surrogate in \\u escape") }
                    position &+= 6
                    scalar = 0x10000 &+ ((scalar &- 0xD800) << 10) &+ (low &- 0xDC00)
                } else if (0xDC00 ..< 0xE000).contains(scalar) {
                    throw fail("unpaired UTF-16 surrogate in \\u escape")
                }
                appendUTF8(scalar, to: &output)
            default:
                position &-= 1
                throw fail("invalid escape sequence in string")
            }
        }
        throw fail("unterminated string")
    }

    func readHex4(at offset: Int) throws(EventReadError) -> UInt32 {
        guard offset &+ 4 <= input.count else { throw EventReadError(offset: offset, reason: "truncated \\u escape") }
        var value: UInt32 = 0
        for i in 0 ..< 4 {
            let byte = input[offset &+ i]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = UInt32(byte &- UInt8(ascii: "0"))
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = UInt32(byte &- UInt8(ascii: "a") &+ 10)
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = UInt32(byte &- UInt8(ascii: "A") &+ 10)
            default: throw EventReadError(offset: offset &+ i, reason: "invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
        }
        return value
    }

    func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0 ..< 0x80:
            output.append(UInt8(scalar))
        case 0x80 ..< 0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800 ..< 0x10000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Reads a JSON number with RFC 8259's grammar.
    mutating func readNumber(field: FieldID) throws(EventReadError) -> FieldSlot {
        let start = position
        if input[position] == UInt8(ascii: "-") { position &+= 1 }
        guard position < input.count, isDigit(input[position]) else { throw fail("invalid number: expected a digit") }
        if input[position] == UInt8(ascii: "0") {
            position &+= 1
            if position < input.count, isDigit(input[position]) { throw fail("invalid number: leading zero") }
        } else {
            while position < input.count, isDigit(input[position]) { position &+= 1 }
        }
        var isInteger = true
        if position < input.count, input[position] == UInt8(ascii: ".") {
            isInteger = false
            position &+= 1
            guard position < input.count, isDigit(input[position]) else { throw fail("invalid number: expected a digit after '.'") }
            while position < input.count, isDigit(input[position]) { position &+= 1 }
        }
        if position < input.count, input[position] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            position &+= 1
            if position < input.count, input[position] == UInt8(ascii: "+") || input[position] == UInt8(ascii: "-") { position &+= 1 }
            guard position < input.count, isDigit(input[position]) else { throw fail("invalid number: expected a digit in exponent") }
            while position < input.count, isDigit(input[position]) { position &+= 1 }
        }
        guard field.index >= 0 else { return .null(field) }
        let text = UnsafeBufferPointer(rebasing: input[start ..< position])
        if isInteger, let value = Self.parseInteger(text) { return .integer(field, value) }
        let string = String(decoding: text, as: UTF8.self)
        return .double(field, Double(string) ?? .nan)
    }

    @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    static func parseInteger(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var negative = false
        var index = 0
        if text[0] == UInt8(ascii: "-") { negative = true; index = 1 }
        var value: Int64 = 0
        while index < text.count {
            let digit = Int64(text[index] &- UInt8(ascii: "0"))
            let (multiplied, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = negative ? multiplied.subtractingReportingOverflow(digit) : multiplied.addingReportingOverflow(digit)
            if overflow1 || overflow2 { return nil }
            value = added
            index &+= 1
        }
        return value
    }
}
