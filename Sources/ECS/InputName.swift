import Synchronization

/// The name of an input (a file, `-` for standard input, a Kafka topic), interned: a record's origin
/// carries this 4-byte handle instead of a `String`, whose reference count every record would
/// otherwise touch on the source's thread and again on a shard's (2.5 % of the CPU per event with
/// the founding rules, for a path too long to be stored inline).
///
/// Names are interned for the life of the process; a pipeline has a handful.
public struct InputName: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    private let index: UInt32

    private static let interned = Mutex<(names: [String], indices: [String: UInt32])>(([], [:]))

    /// The handle of `name`, the same for every equal name.
    public init(_ name: String) {
        index = Self.interned.withLock { table in
            if let index = table.indices[name] { return index }
            let index = UInt32(table.names.count)
            table.names.append(name)
            table.indices[name] = index
            return index
        }
    }

    public init(stringLiteral name: String) {
        self.init(name)
    }

    /// The name as given.
    public var text: String {
        Self.interned.withLock { $0.names[Int(index)] }
    }

    public var description: String { text }
}
