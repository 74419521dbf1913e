import ECS

/// Conformance data read into ECS's own ``JSONValue`` (object members in document order, integers
/// told from decimals), and serialized back with its writer.
extension JSONValue {
    /// Parses JSON text.
    static func parse(_ text: String) throws -> JSONValue {
        var parser = JSONTextParser(bytes: Array(text.utf8))
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.position == parser.bytes.count else { throw parser.failure("trailing data") }
        return value
    }

    /// Member lookup on objects.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// Sets (or adds) a member of an object.
    mutating func set(_ key: String, _ value: JSONValue) {
        guard case .object(var members) = self else { return }
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            members.append(JSONMember(key, value))
        }
        self = .object(members)
    }

    /// The value at a dotted path, looking through nested objects.
    func value(at path: String) -> JSONValue? {
        if let direct = self[path] { return direct }
        guard let dot = path.firstIndex(of: ".") else { return nil }
        return self[String(path[..<dot])]?.value(at: String(path[path.index(after: dot)...]))
    }

    var integer: Int64? {
        switch self {
        case .scalar(.integer(let value)): value
        case .scalar(.double(let value)): Int64(exactly: value)
        case .scalar(.string(let text)): Int64(text)
        default: nil
        }
    }

    /// Serializes to JSON bytes with the product's own JSON writer.
    func serialized() -> [UInt8] {
        var output: [UInt8] = []
        append(to: &output)
        return output
    }
}

/// A small strict JSON reader for test data (the module under test has its own).
struct JSONTextParser {
    struct Failure: Error, CustomStringConvertible {
        let offset: Int
        let reason: String
        var description: String { "JSON error at byte \(offset): \(reason)" }
    }

    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    func failure(_ reason: String) -> Failure { Failure(offset: position, reason: reason) }

    mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    mutating func value() throws -> JSONValue {
        skipWhitespace()
        guard position < bytes.count else { throw failure("expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var members: [JSONMember] = []
            skipWhitespace()
            if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipWhitespace()
                let key = try string()
                skipWhitespace()
                guard bytes[position] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                position += 1
                members.append(JSONMember(key, try value()))
                skipWhitespace()
                let separator = bytes[position]
                position += 1
                if separator == UInt8(ascii: "}") { return .object(members) }
                guard separator == UInt8(ascii: ",") else { throw failure("expected ',' or '}'") }
            }
        case UInt8(ascii: "["):
            position += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                items.append(try value())
                skipWhitespace()
                let separator = bytes[position]
                position += 1
                if separator == UInt8(ascii: "]") { return .array(items) }
                guard separator == UInt8(ascii: ",") else { throw failure("expected ',' or ']'") }
            }
        case UInt8(ascii: "\""):
            return .scalar(.string(try string()))
        case UInt8(ascii: "t"): position += 4; return .scalar(.bool(true))
        case UInt8(ascii: "f"): position += 5; return .scalar(.bool(false))
        case UInt8(ascii: "n"): position += 4; return .scalar(.null)
        default:
            let start = position
            while position < bytes.count, "+-0123456789.eE".utf8.contains(bytes[position]) { position += 1 }
            let text = String(decoding: bytes[start ..< position], as: UTF8.self)
            if let integer = Int64(text) { return .scalar(.integer(integer)) }
            guard let double = Double(text) else { throw failure("invalid number '\(text)'") }
            return .scalar(.double(double))
        }
    }

    mutating func string() throws -> String {
        guard bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a string") }
        position += 1
        var output: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") { return String(decoding: output, as: UTF8.self) }
            guard byte == UInt8(ascii: "\\") else { output.append(byte); continue }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "u"):
                let hex = String(decoding: bytes[position ..< position + 4], as: UTF8.self)
                position += 4
                var scalar = UInt32(hex, radix: 16) ?? 0xFFFD
                if (0xD800 ..< 0xDC00).contains(scalar), bytes[position] == UInt8(ascii: "\\") {
                    let low = UInt32(String(decoding: bytes[position + 2 ..< position + 6], as: UTF8.self), radix: 16) ?? 0
                    position += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                output.append(contentsOf: String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
            default: output.append(escape)
            }
        }
        throw failure("unterminated string")
    }
}
