/// A dense identifier for one dotted field path (`process.parent.name`) in a ``FieldCatalog``.
///
/// Identifiers are assigned in registration order, so they index arrays directly.
public struct FieldID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Position of the path in its catalog.
    public let index: Int32

    /// Creates an identifier from its catalog position.
    public init(_ index: Int32) { self.index = index }

    public static func < (lhs: FieldID, rhs: FieldID) -> Bool { lhs.index < rhs.index }
    public var description: String { "#\(index)" }
}

/// The set of field paths that loaded rules, sinks and enrichers read, fixed before events flow.
///
/// The JSON reader keeps only the values of registered paths (plus the original bytes), so an event
/// costs memory in proportion to what the detections need, not to the size of the document. Object
/// members whose path is not a prefix of any registered path are skipped without being decoded.
///
/// ```swift
/// var builder = FieldCatalog.Builder()
/// let name = builder.intern("process.name")
/// let catalog = builder.build()
/// catalog.path(of: name)   // "process.name"
/// ```
public final class FieldCatalog: Sendable {
    /// Every registered path, indexed by ``FieldID/index``.
    public let paths: [String]
    private let pathTable: ByteKeyTable
    private let prefixTable: ByteKeyTable

    fileprivate init(paths: [String]) {
        self.paths = paths
        var pathTable = ByteKeyTable(capacity: paths.count)
        var prefixes: [String] = []
        var seenPrefixes = Set<String>()
        for (index, path) in paths.enumerated() {
            pathTable.insert(Array(path.utf8), value: Int32(index))
            var prefix = ""
            for segment in path.split(separator: ".", omittingEmptySubsequences: false).dropLast() {
                prefix += prefix.isEmpty ? String(segment) : "." + segment
                if seenPrefixes.insert(prefix).inserted { prefixes.append(prefix) }
            }
        }
        var prefixTable = ByteKeyTable(capacity: prefixes.count)
        for (index, prefix) in prefixes.enumerated() {
            prefixTable.insert(Array(prefix.utf8), value: Int32(index))
        }
        self.pathTable = pathTable
        self.prefixTable = prefixTable
    }

    /// The number of registered paths.
    public var count: Int { paths.count }

    /// The identifier of `path`, or `nil` when no rule or sink registered it.
    public func id(of path: String) -> FieldID? {
        var bytes = Array(path.utf8)
        return bytes.withUnsafeMutableBufferPointer { id(ofPath: UnsafeBufferPointer($0)) }
    }

    /// The dotted path of `field`.
    public func path(of field: FieldID) -> String { paths[Int(field.index)] }

    /// The identifier of a path given as UTF-8 bytes, without allocating.
    @inlinable
    public func id(ofPath bytes: UnsafeBufferPointer<UInt8>) -> FieldID? {
        lookupPath(bytes).map(FieldID.init)
    }

    /// Whether some registered path starts with `bytes` followed by a dot.
    @inlinable
    public func isPrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        lookupPrefix(bytes) != nil
    }

    @usableFromInline func lookupPath(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? { pathTable.find(bytes) }
    @usableFromInline func lookupPrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? { prefixTable.find(bytes) }

    /// Collects paths while rules compile; ``build()`` freezes them into a catalog.
    public struct Builder: Sendable {
        private var paths: [String] = []
        private var index: [String: FieldID] = [:]

        /// Creates an empty builder.
        public init() {}

        /// Creates a builder that already holds `paths`, in order.
        public init(paths: [String]) {
            for path in paths { _ = intern(path) }
        }

        /// Registers `path` (idempotent) and returns its identifier.
        @discardableResult
        public mutating func intern(_ path: String) -> FieldID {
            if let known = index[path] { return known }
            let id = FieldID(Int32(paths.count))
            paths.append(path)
            index[path] = id
            return id
        }

        /// The identifier already given to `path`, if any.
        public func id(of path: String) -> FieldID? { index[path] }

        /// The paths registered so far, in registration order.
        public var registeredPaths: [String] { paths }

        /// Freezes the registered paths into an immutable, shareable catalog.
        public func build() -> FieldCatalog { FieldCatalog(paths: paths) }
    }
}

/// An open-addressing hash table from byte strings to small integers, probed without allocation.
struct ByteKeyTable: Sendable {
    private var keys: [[UInt8]] = []
    private var values: [Int32] = []
    private var slots: [Int32]
    private let mask: Int

    init(capacity: Int) {
        var size = 8
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
    }

    mutating func insert(_ key: [UInt8], value: Int32) {
        let found = key.withUnsafeBufferPointer { find($0) }
        precondition(found == nil, "duplicate key in ByteKeyTable")
        var position = key.withUnsafeBufferPointer { Self.hash($0) } & mask
        while slots[position] >= 0 { position = (position + 1) & mask }
        slots[position] = Int32(keys.count)
        keys.append(key)
        values.append(value)
    }

    func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        var position = Self.hash(bytes) & mask
        while true {
            let entry = slots[position]
            if entry < 0 { return nil }
            let key = keys[Int(entry)]
            if key.count == bytes.count, key.withUnsafeBufferPointer({ $0.elementsEqual(bytes) }) {
                return values[Int(entry)]
            }
            position = (position + 1) & mask
        }
    }

    /// FNV-1a over the bytes: stable across runs and processes.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }
}
