import ECS

/// The join key of a sequence: the values of the `by` fields of one event, encoded in one byte
/// string (one allocation per key, compared and hashed as bytes, as Elasticsearch compares keyword
/// terms).
///
/// Each component is a tag, `0` for one value or `1` followed by a 32-bit count for a multi-valued
/// field (kept whole, so keys compare as Elasticsearch compares the extracted lists), then its values:
/// a kind byte and the value (1 byte for a boolean, 8 for a number, a 32-bit length and the UTF-8
/// bytes for a string, nothing for null).
struct SequenceKey: Hashable, Sendable {
    let encoded: [UInt8]

    static func == (lhs: SequenceKey, rhs: SequenceKey) -> Bool { lhs.encoded == rhs.encoded }

    /// Hashes the bytes in one call (the synthesized conformance fed the hasher a byte at a time).
    func hash(into hasher: inout Hasher) {
        encoded.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    private enum Kind: UInt8 {
        case null, bool, integer, double, string
    }

    /// The key as public join values: the first value of each component.
    var joinValues: [FieldValue] {
        encoded.withUnsafeBufferPointer { bytes in
            var values: [FieldValue] = []
            var position = 0
            while position < bytes.count {
                var count = 1
                if bytes[position] == 1 {
                    count = Int(Self.readUInt32(bytes, at: position &+ 1))
                    position &+= 5
                } else {
                    position &+= 1
                }
                if count == 0 { values.append(.null) }
                for index in 0 ..< count {
                    let value = Self.readValue(bytes, at: &position)
                    if index == 0 { values.append(value) }
                }
            }
            return values
        }
    }

    private static func readUInt32(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int) -> UInt32 {
        UInt32(littleEndian: UnsafeRawPointer(bytes.baseAddress! + position).loadUnaligned(as: UInt32.self))
    }

    private static func readValue(_ bytes: UnsafeBufferPointer<UInt8>, at position: inout Int) -> FieldValue {
        let kind = Kind(rawValue: bytes[position]) ?? .null
        position &+= 1
        switch kind {
        case .null:
            return .null
        case .bool:
            defer { position &+= 1 }
            return .bool(bytes[position] != 0)
        case .integer, .double:
            let bits = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + position).loadUnaligned(as: UInt64.self))
            position &+= 8
            return kind == .integer ? .integer(Int64(bitPattern: bits)) : .double(Double(bitPattern: bits))
        case .string:
            let length = Int(readUInt32(bytes, at: position))
            position &+= 4
            defer { position &+= length }
            return .string(String(decoding: bytes[position ..< position &+ length], as: UTF8.self))
        }
    }

    /// Builds a key component by component.
    struct Builder {
        private var encoded: [UInt8] = []

        /// Starts a key of `capacity` bytes: the size of the key, when known, makes it one allocation.
        init(capacity: Int) {
            encoded.reserveCapacity(capacity)
        }

        /// Starts a component of `count` values (`count` 1: a single value).
        mutating func beginComponent(values count: Int) {
            if count == 1 {
                encoded.append(0)
            } else {
                encoded.append(1)
                appendUInt32(UInt32(truncatingIfNeeded: count))
            }
        }

        /// Appends the value of `slot` of `event`.
        mutating func append(_ slot: FieldSlot, of event: Event) {
            switch slot.kind {
            case .null: encoded.append(Kind.null.rawValue)
            case .bool: encoded.append(Kind.bool.rawValue); encoded.append(slot.boolValue ? 1 : 0)
            case .integer: appendNumber(.integer, UInt64(bitPattern: slot.integerValue))
            case .double: appendNumber(.double, slot.doubleValue.bitPattern)
            case .string: event.withBytes(of: slot.stringBytes) { appendString($0) }
            }
        }

        /// Appends a computed value.
        mutating func append(_ value: FieldValue) {
            switch value {
            case .null: encoded.append(Kind.null.rawValue)
            case .bool(let flag): encoded.append(Kind.bool.rawValue); encoded.append(flag ? 1 : 0)
            case .integer(let number): appendNumber(.integer, UInt64(bitPattern: number))
            case .double(let number): appendNumber(.double, number.bitPattern)
            case .string(let text): var text = text; text.withUTF8 { appendString($0) }
            }
        }

        private mutating func appendNumber(_ kind: Kind, _ bits: UInt64) {
            encoded.append(kind.rawValue)
            withUnsafeBytes(of: bits.littleEndian) { encoded.append(contentsOf: $0) }
        }

        private mutating func appendString(_ bytes: UnsafeBufferPointer<UInt8>) {
            encoded.append(Kind.string.rawValue)
            appendUInt32(UInt32(truncatingIfNeeded: bytes.count))
            encoded.append(contentsOf: bytes)
        }

        private mutating func appendUInt32(_ value: UInt32) {
            withUnsafeBytes(of: value.littleEndian) { encoded.append(contentsOf: $0) }
        }

        /// The key (it may live as long as its partial sequences, so it should have been started with
        /// its size).
        func build() -> SequenceKey {
            SequenceKey(encoded: encoded)
        }

        /// The bytes ``append(_:of:)`` adds for `slot`.
        static func size(of slot: FieldSlot) -> Int {
            switch slot.kind {
            case .null: 1
            case .bool: 2
            case .integer, .double: 9
            case .string: 5 &+ Int(slot.stringBytes.count)
            }
        }
    }
}

/// How a stage reads its join key from an event: `by` fields, or computed `by` expressions
/// (`by unique_pid * 2`), shared keys first.
struct JoinKeyReader: Sendable {
    /// One key.
    enum Part: Sendable {
        case field(FieldID)
        /// An expression over the fields it reads, evaluated with the first value of each.
        case expression(any ValueNode, fields: [FieldID])
    }

    let parts: [Part]

    /// The fields of field keys, in order (expression keys have none).
    var fields: [FieldID] {
        parts.compactMap { if case .field(let id) = $0 { id } else { nil } }
    }

    /// Reads the key of `event`.
    func key(of event: Event) -> SequenceKey {
        var builder = SequenceKey.Builder(capacity: size(of: event))
        for part in parts {
            switch part {
            case .field(let field):
                let range = event.slotRange(of: field)
                if range.isEmpty {
                    builder.beginComponent(values: 1)
                    builder.append(.null)
                } else {
                    builder.beginComponent(values: range.count)
                    for index in range { builder.append(event.slots[index], of: event) }
                }
            case .expression(let node, let fields):
                let value = withUnsafeTemporaryAllocation(of: Int.self, capacity: max(1, fields.count)) { buffer in
                    for (index, field) in fields.enumerated() {
                        let range = event.slotRange(of: field)
                        buffer[index] = range.isEmpty ? -1 : range.lowerBound
                    }
                    return node.evaluate(Scope(event: event, choices: buffer.baseAddress!))
                }
                builder.beginComponent(values: 1)
                builder.append(value.fieldValue(in: event))
            }
        }
        return builder.build()
    }

    /// The size of the key of `event`, counting an expression key as the largest a number can be
    /// (a computed string grows the key as it is built).
    private func size(of event: Event) -> Int {
        var size = 0
        for part in parts {
            guard case .field(let field) = part else { size &+= 10; continue }
            let range = event.slotRange(of: field)
            if range.isEmpty { size &+= 2; continue }
            size &+= range.count == 1 ? 1 : 5
            for index in range { size &+= SequenceKey.Builder.size(of: event.slots[index]) }
        }
        return size
    }
}
