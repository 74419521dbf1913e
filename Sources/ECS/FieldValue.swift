/// The JSON type of one scalar value held by an ``Event``.
public enum ValueKind: UInt8, Sendable {
    /// JSON `null`.
    case null
    /// JSON `true` or `false`.
    case bool
    /// A JSON number without fraction or exponent that fits in 64 bits.
    case integer
    /// Any other JSON number.
    case double
    /// A JSON string (stored unescaped, as UTF-8 bytes inside the event).
    case string
}

/// Where a string value's UTF-8 bytes live inside ``Event/storage``.
public struct ByteRange: Hashable, Sendable {
    /// Offset of the first byte.
    public let start: Int32
    /// Number of bytes.
    public let count: Int32

    /// Creates a range of `count` bytes from `start`.
    @inlinable public init(start: Int32, count: Int32) {
        self.start = start
        self.count = count
    }

    /// The range as a Swift range of array indices.
    @inlinable public var range: Range<Int> { Int(start) ..< Int(start) + Int(count) }
}

/// One value of one field: 16 bytes, no pointers, so events hold them in a flat array.
///
/// A field that occurs several times (a JSON array such as `process.args`) has one slot per element,
/// adjacent and in document order.
public struct FieldSlot: Sendable {
    /// The field this value belongs to.
    public let field: FieldID
    /// The value's JSON type.
    public let kind: ValueKind
    /// Integer value, `Double` bit pattern, 0/1 for booleans, or `start << 32 | count` for strings.
    @usableFromInline let payload: Int64

    @inlinable init(field: FieldID, kind: ValueKind, payload: Int64) {
        self.field = field
        self.kind = kind
        self.payload = payload
    }

    /// Creates a slot holding a string stored at `bytes`.
    @inlinable public static func string(_ field: FieldID, _ bytes: ByteRange) -> FieldSlot {
        FieldSlot(field: field, kind: .string, payload: Int64(bytes.start) << 32 | Int64(bytes.count))
    }

    /// Creates a slot holding an integer.
    @inlinable public static func integer(_ field: FieldID, _ value: Int64) -> FieldSlot {
        FieldSlot(field: field, kind: .integer, payload: value)
    }

    /// Creates a slot holding a floating-point number.
    @inlinable public static func double(_ field: FieldID, _ value: Double) -> FieldSlot {
        FieldSlot(field: field, kind: .double, payload: Int64(bitPattern: value.bitPattern))
    }

    /// Creates a slot holding a boolean.
    @inlinable public static func bool(_ field: FieldID, _ value: Bool) -> FieldSlot {
        FieldSlot(field: field, kind: .bool, payload: value ? 1 : 0)
    }

    /// Creates a slot holding JSON `null`.
    @inlinable public static func null(_ field: FieldID) -> FieldSlot {
        FieldSlot(field: field, kind: .null, payload: 0)
    }

    /// The string's location; meaningful only when ``kind`` is `.string`.
    @inlinable public var stringBytes: ByteRange {
        ByteRange(start: Int32(truncatingIfNeeded: payload >> 32), count: Int32(truncatingIfNeeded: payload))
    }

    /// The integer value; meaningful only when ``kind`` is `.integer`.
    @inlinable public var integerValue: Int64 { payload }

    /// The floating-point value; meaningful only when ``kind`` is `.double`.
    @inlinable public var doubleValue: Double { Double(bitPattern: UInt64(bitPattern: payload)) }

    /// The boolean value; meaningful only when ``kind`` is `.bool`.
    @inlinable public var boolValue: Bool { payload != 0 }

    /// The numeric value of an integer or double slot, `nil` for other kinds.
    @inlinable public var numericValue: Double? {
        switch kind {
        case .integer: Double(payload)
        case .double: doubleValue
        default: nil
        }
    }
}

/// A decoded, self-contained scalar: what an ``Event`` value looks like outside the hot path.
public enum FieldValue: Hashable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): String(value)
        case .integer(let value): String(value)
        case .double(let value): String(value)
        case .string(let value): value
        }
    }
}
