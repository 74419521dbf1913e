/// Writing JSON text into byte buffers: what alert documents and dead letters are made of.
public enum JSONText {
    /// Appends `value` as a JSON string literal (quoted, escaped) to `output`.
    public static func appendString(_ value: some StringProtocol, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        let appended: Void? = value.utf8.withContiguousStorageIfAvailable { appendEscaped($0, to: &output) }
        if appended == nil { Array(value.utf8).withUnsafeBufferPointer { appendEscaped($0, to: &output) } }
        output.append(UInt8(ascii: "\""))
    }

    /// Appends `bytes` escaped for a JSON string: runs that need no escape in one copy each (the
    /// byte-at-a-time append made writing alert documents 4 % of a corpus run).
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var runStart = 0
        for index in 0 ..< bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart ..< index]))
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            default:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                           hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            }
            runStart = index + 1
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
    }

    /// Appends a decoded field value as JSON.
    public static func appendValue(_ value: FieldValue, to output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number): output.append(contentsOf: String(number).utf8)
        case .double(let number):
            output.append(contentsOf: (number.isFinite ? String(number) : "null").utf8)
        case .string(let text): appendString(text, to: &output)
        }
    }
}

/// A JSON value built in memory: what enrichers attach to alerts (never used on the event hot path).
public indirect enum JSONValue: Sendable, Hashable {
    case scalar(FieldValue)
    case array([JSONValue])
    case object([JSONMember])

    /// A JSON string.
    public static func string(_ value: String) -> JSONValue { .scalar(.string(value)) }
    /// A JSON integer.
    public static func integer(_ value: Int) -> JSONValue { .scalar(.integer(Int64(value))) }

    /// Appends the value's JSON text to `output`.
    public func append(to output: inout [UInt8]) {
        switch self {
        case .scalar(let value):
            JSONText.appendValue(value, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.append(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONText.appendString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.value.append(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }
}

/// One member of a JSON object, in order.
public struct JSONMember: Sendable, Hashable {
    /// The member name.
    public var key: String
    /// The member value.
    public var value: JSONValue

    /// Creates a member.
    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}
