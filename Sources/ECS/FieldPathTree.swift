/// The registered paths of a ``FieldCatalog`` as a tree of dot-separated segments, so the JSON
/// reader resolves a member name relative to the object it is in, without building the dotted path.
///
/// Node 0 is the document itself; `process` and `process.parent` are nodes below it, and a node
/// names a field when some registered path ends there. Children are found through one open-addressing
/// table keyed by (parent node, segment bytes), probed without allocating.
///
/// The tables live in memory the tree allocates once and frees when it is released; ``View`` reads
/// them through plain pointers, so the reader's hot loop does no reference counting. A view is valid
/// while its tree is alive.
final class FieldPathTree: @unchecked Sendable {
    // @unchecked: every stored property is written in init only.

    /// One parent → child edge of the tree, labelled by a path segment.
    struct Edge {
        let parent: Int32
        let child: Int32
        let hash: UInt32
        let segmentStart: Int32
        let segmentCount: Int32
    }

    /// The root node: the document.
    static let root: Int32 = 0
    /// What ``View/resolve(_:from:)`` returns for a name no registered path goes through.
    static let none: Int32 = -1

    private let fields: UnsafeMutableBufferPointer<Int32>
    private let hasChildren: UnsafeMutableBufferPointer<Bool>
    /// Per node, bit *n* (*n* < 63; 63 stands for longer) is set when a child segment has *n* bytes:
    /// most member names nobody reads are dismissed by their length, without hashing.
    private let childLengths: UnsafeMutableBufferPointer<UInt64>
    private let slots: UnsafeMutableBufferPointer<Int32>
    private let edges: UnsafeMutableBufferPointer<Edge>
    private let segments: UnsafeMutableBufferPointer<UInt8>

    /// Builds the tree of `paths`; path *i* is field *i*.
    init(paths: [String]) {
        var fieldOfNode: [Int32] = [-1]
        var childrenOfNode: [Bool] = [false]
        var lengthsOfNode: [UInt64] = [0]
        var edgeList: [Edge] = []
        var segmentBytes: [UInt8] = []
        var index: [EdgeKey: Int32] = [:]
        for (fieldIndex, path) in paths.enumerated() {
            var node = Self.root
            for segment in path.split(separator: ".", omittingEmptySubsequences: false) {
                let bytes = Array(segment.utf8)
                let key = EdgeKey(parent: node, segment: bytes)
                if let child = index[key] {
                    node = child
                    continue
                }
                let child = Int32(fieldOfNode.count)
                fieldOfNode.append(-1)
                childrenOfNode.append(false)
                lengthsOfNode.append(0)
                childrenOfNode[Int(node)] = true
                lengthsOfNode[Int(node)] |= Self.lengthBit(bytes.count)
                let hash = bytes.withUnsafeBufferPointer { Self.hash($0, parent: node) }
                edgeList.append(Edge(parent: node, child: child, hash: UInt32(truncatingIfNeeded: hash),
                                     segmentStart: Int32(segmentBytes.count), segmentCount: Int32(bytes.count)))
                segmentBytes.append(contentsOf: bytes)
                index[key] = child
                node = child
            }
            if fieldOfNode[Int(node)] < 0 { fieldOfNode[Int(node)] = Int32(fieldIndex) }
        }
        var size = 16
        while size < edgeList.count * 2 { size <<= 1 }
        var table = [Int32](repeating: -1, count: size)
        for (position, edge) in edgeList.enumerated() {
            var slot = Int(edge.hash) & (size - 1)
            while table[slot] >= 0 { slot = (slot + 1) & (size - 1) }
            table[slot] = Int32(position)
        }
        fields = Self.allocate(fieldOfNode)
        hasChildren = Self.allocate(childrenOfNode)
        childLengths = Self.allocate(lengthsOfNode)
        slots = Self.allocate(table)
        edges = Self.allocate(edgeList)
        segments = Self.allocate(segmentBytes)
    }

    deinit {
        fields.deallocate()
        hasChildren.deallocate()
        childLengths.deallocate()
        slots.deallocate()
        edges.deallocate()
        segments.deallocate()
    }

    private static func allocate<T>(_ values: [T]) -> UnsafeMutableBufferPointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, values.count))
        _ = buffer.initialize(from: values)
        return buffer
    }

    /// A reference-count-free reader of the tree, for the duration of one document.
    var view: View {
        View(fields: UnsafePointer(fields.baseAddress!), hasChildren: UnsafePointer(hasChildren.baseAddress!),
             childLengths: UnsafePointer(childLengths.baseAddress!),
             slots: UnsafePointer(slots.baseAddress!), mask: slots.count &- 1,
             edges: UnsafePointer(edges.baseAddress!), segments: UnsafePointer(segments.baseAddress!))
    }

    @inline(__always) static func lengthBit(_ count: Int) -> UInt64 { 1 << UInt64(min(count, 63)) }

    /// A hash of `segment` below node `parent`, taking the bytes eight at a time (member names are
    /// short, so this is a handful of multiplications).
    @inline(__always)
    static func hash(_ segment: UnsafeBufferPointer<UInt8>, parent: Int32) -> UInt64 {
        var hash = (UInt64(UInt32(bitPattern: parent)) | UInt64(segment.count) << 32) &* 0x9E37_79B9_7F4A_7C15
        guard let bytes = segment.baseAddress else { return hash ^ (hash >> 31) }
        var index = 0
        while index &+ 8 <= segment.count {
            let word = UInt64(littleEndian: UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self))
            hash = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
            index &+= 8
        }
        if index < segment.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while index < segment.count {
                tail |= UInt64(bytes[index]) << shift
                shift &+= 8
                index &+= 1
            }
            hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        }
        return hash ^ (hash >> 31)
    }

    /// Pointers into a live ``FieldPathTree``.
    struct View {
        let fields: UnsafePointer<Int32>
        let hasChildren: UnsafePointer<Bool>
        let childLengths: UnsafePointer<UInt64>
        let slots: UnsafePointer<Int32>
        let mask: Int
        let edges: UnsafePointer<Edge>
        let segments: UnsafePointer<UInt8>

        /// The field index `node` names, or -1.
        @inline(__always) func field(of node: Int32) -> Int32 { fields[Int(node)] }

        /// Whether registered paths continue below `node` (its value may be an object worth reading).
        @inline(__always) func isPrefix(_ node: Int32) -> Bool { hasChildren[Int(node)] }

        /// The node of member `name` (which may itself be dotted: `parent.name`) of the object at
        /// `node`, or ``FieldPathTree/none``.
        @inline(__always)
        func resolve(_ name: UnsafeBufferPointer<UInt8>, from node: Int32) -> Int32 {
            var current = node
            var start = 0
            var index = 0
            while index < name.count {
                if name[index] == UInt8(ascii: ".") {
                    current = child(of: current, named: UnsafeBufferPointer(rebasing: name[start ..< index]))
                    if current < 0 { return FieldPathTree.none }
                    start = index &+ 1
                }
                index &+= 1
            }
            return child(of: current, named: UnsafeBufferPointer(rebasing: name[start ..< name.count]))
        }

        /// The child of `parent` whose segment is `segment` (no dots), or ``FieldPathTree/none``.
        @inline(__always)
        func child(of parent: Int32, named segment: UnsafeBufferPointer<UInt8>) -> Int32 {
            guard childLengths[Int(parent)] & FieldPathTree.lengthBit(segment.count) != 0 else { return FieldPathTree.none }
            let hash = FieldPathTree.hash(segment, parent: parent)
            let shortHash = UInt32(truncatingIfNeeded: hash)
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let entry = slots[slot]
                if entry < 0 { return FieldPathTree.none }
                let edge = edges[Int(entry)]
                if edge.hash == shortHash, edge.parent == parent, Int(edge.segmentCount) == segment.count {
                    let stored = segments + Int(edge.segmentStart)
                    var equal = true
                    var offset = 0
                    while offset < segment.count {
                        if stored[offset] != segment[offset] { equal = false; break }
                        offset &+= 1
                    }
                    if equal { return edge.child }
                }
                slot = (slot &+ 1) & mask
            }
        }
    }
}

/// A parent node and a segment, while the tree is built.
private struct EdgeKey: Hashable {
    let parent: Int32
    let segment: [UInt8]
}
