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
    /// The paths as a tree of segments, which the JSON reader walks.
    let tree: FieldPathTree

    fileprivate init(paths: [String]) {
        self.paths = paths
        tree = FieldPathTree(paths: paths)
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

    /// The identifier of a dotted path given as UTF-8 bytes, without allocating.
    public func id(ofPath bytes: UnsafeBufferPointer<UInt8>) -> FieldID? {
        let view = tree.view
        let node = view.resolve(bytes, from: FieldPathTree.root)
        guard node >= 0 else { return nil }
        let field = view.field(of: node)
        return field >= 0 ? FieldID(field) : nil
    }

    /// Whether some registered path starts with `bytes` followed by a dot.
    public func isPrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let view = tree.view
        let node = view.resolve(bytes, from: FieldPathTree.root)
        return node >= 0 && view.isPrefix(node)
    }

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
