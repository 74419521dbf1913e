import ECS

/// A value produced while evaluating an expression against one event.
///
/// Strings read from an event stay in the event's storage (``bytes(_:)``), so evaluating a
/// comparison copies nothing; only string functions (`concat`, `substring`, …) build new strings.
enum Value: Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    /// UTF-8 bytes inside the event's ``Event/storage``.
    case bytes(ByteRange)
    /// UTF-8 bytes owned by the value (constants and computed strings).
    case text([UInt8])

    /// Whether the value is a string of either representation.
    var isString: Bool {
        switch self {
        case .bytes, .text: true
        default: false
        }
    }

    /// The numeric value of an integer or double.
    var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    /// The value of one slot of `event`.
    @inline(__always)
    static func of(_ slot: FieldSlot) -> Value {
        switch slot.kind {
        case .null: .null
        case .bool: .bool(slot.boolValue)
        case .integer: .integer(slot.integerValue)
        case .double: .double(slot.doubleValue)
        case .string: .bytes(slot.stringBytes)
        }
    }

    /// Converts a literal to a value.
    init(_ literal: LiteralValue) {
        switch literal {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .integer(let value): self = .integer(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .text(Array(value.utf8))
        }
    }

    /// The value as a self-contained ``FieldValue`` (for join keys and results).
    func fieldValue(in event: Event) -> FieldValue {
        switch self {
        case .null: .null
        case .bool(let value): .bool(value)
        case .integer(let value): .integer(value)
        case .double(let value): .double(value)
        case .bytes(let range): .string(event.withBytes(of: range) { String(decoding: $0, as: UTF8.self) })
        case .text(let bytes): .string(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Calls `body` with the UTF-8 bytes of a string value; `nil` when the value is not a string.
    @inline(__always)
    func withStringBytes<R>(in event: Event, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        switch self {
        case .bytes(let range): event.withBytes(of: range, body)
        case .text(let bytes): bytes.withUnsafeBufferPointer(body)
        default: nil
        }
    }

    /// The string's bytes as an array (copies event bytes; for the slower, allocating paths).
    func stringArray(in event: Event) -> [UInt8]? {
        switch self {
        case .bytes(let range): event.withBytes(of: range) { Array($0) }
        case .text(let bytes): bytes
        default: nil
        }
    }

    /// How Elasticsearch renders a value as a string (`string()`, `concat()`): numbers in Java's
    /// notation, booleans as `true`/`false`.
    func stringForm(in event: Event) -> [UInt8]? {
        switch self {
        case .null: nil
        case .bool(let value): Array((value ? "true" : "false").utf8)
        case .integer(let value): Array(String(value).utf8)
        case .double(let value): Array(Self.javaDouble(value).utf8)
        case .bytes, .text: stringArray(in: event)
        }
    }

    /// Java's `Double.toString` for the common cases: `4.0`, `0.5`, `1.0E10`.
    static func javaDouble(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        let magnitude = abs(value)
        if magnitude >= 1e-3, magnitude < 1e7 {
            var text = String(value)
            if !text.contains(".") && !text.contains("e") { text += ".0" }
            return text
        }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Swift prints 1e+20; Java prints 1.0E20.
        let text = String(value)
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return text }
        var mantissa = String(text[..<e])
        var exponent = String(text[text.index(after: e)...])
        if !mantissa.contains(".") { mantissa += ".0" }
        if exponent.hasPrefix("+") { exponent.removeFirst() }
        return mantissa + "E" + exponent
    }
}

/// Three-valued truth, as boolean operators see it: `nil` is SQL's unknown (a null operand).
typealias Truth = Bool?

extension Value {
    /// The truth of a value used as a condition: booleans as themselves, null as unknown, and any
    /// other type as false.
    var truth: Truth {
        switch self {
        case .bool(let value): value
        case .null: nil
        default: false
        }
    }
}
