/// Where a raw record came from, so errors and dead letters can point at it.
public enum RecordOrigin: Hashable, Sendable, CustomStringConvertible {
    /// A line of a file (or `-` for standard input), counted from 1.
    case line(source: InputName, number: Int)
    /// A Kafka message.
    case kafka(topic: InputName, partition: Int32, offset: Int64)
    /// Built in memory (tests, generators).
    case memory(index: Int)

    public var description: String {
        switch self {
        case .line(let source, let number):
            // The text, not `source == "-"`: comparing with a literal would intern "-".
            "\(source.text == "-" ? "<stdin>" : source.text):\(number)"
        case .kafka(let topic, let partition, let offset): "\(topic)[\(partition)]@\(offset)"
        case .memory(let index): "record \(index)"
        }
    }
}

/// One undecoded input record (a JSON document) and where it came from.
public struct RawRecord: Sendable {
    /// The record's bytes, without the line terminator: possibly a slice of a buffer the source
    /// shares between records (see ``Event/compacted()``).
    public var bytes: ArraySlice<UInt8>
    /// Where the bytes came from.
    public var origin: RecordOrigin

    /// Creates a record of `bytes`, a slice of a buffer.
    public init(bytes: ArraySlice<UInt8>, origin: RecordOrigin) {
        self.bytes = bytes
        self.origin = origin
    }

    /// Creates a record of the whole of `bytes`.
    public init(bytes: [UInt8], origin: RecordOrigin) {
        self.init(bytes: bytes[...], origin: origin)
    }
}
