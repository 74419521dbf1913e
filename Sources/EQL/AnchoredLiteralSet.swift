/// A set of literals and, for a text, which of them it starts with (or ends with): one walk from the
/// anchored end of the text down a trie of the literals, which stops at the first byte no literal
/// continues with (most texts: the first or second), instead of one comparison per literal.
///
/// Case-insensitive sets hold lowercased literals and fold ASCII text as they read it; the caller
/// handles non-ASCII text (``RuleIndex`` treats it as starting and ending with every literal, as
/// Unicode lowercasing can change its length).
///
/// ```swift
/// let set = AnchoredLiteralSet([Array("/tmp/".utf8), Array("/dev/shm/".utf8)], anchor: .start, folding: false)
/// set.forEachMatching(in: text) { literal in … }   // 0 for "/tmp/x.sh"
/// ```
///
/// A class, as ``ByteStringSet`` is: a set read through a pointer to the struct holding it is then
/// not copied (and each of its arrays retained) before a look-up.
final class AnchoredLiteralSet: Sendable {
    /// Which end of the text literals are compared with.
    enum Anchor: Sendable {
        case start, end
    }

    /// The literals, as given (lowercased when folding).
    let literals: [[UInt8]]
    let anchor: Anchor
    /// Whether ASCII letters of the text are lowercased before comparing.
    let folding: Bool
    /// The trie's edges, open-addressed: `edgeKeys` holds `node << 8 | byte` plus one (`0`: an empty
    /// slot), `edgeTargets` the node it leads to. Node 0 is the root.
    private let edgeKeys: [UInt32]
    private let edgeTargets: [Int32]
    /// For each node, the position in ``literals`` of the literal ending there, or -1.
    private let literalAtNode: [Int32]

    /// The longest literal a set holds.
    static let longestLiteral = 63

    /// Builds the set of `literals` (distinct, of 1 to ``longestLiteral`` bytes).
    init(_ literals: [[UInt8]], anchor: Anchor, folding: Bool) {
        precondition(literals.allSatisfy { !$0.isEmpty && $0.count <= Self.longestLiteral }, "literals of 1 to 63 bytes")
        self.literals = literals
        self.anchor = anchor
        self.folding = folding
        var edges: [UInt32: Int32] = [:]
        var literalAtNode: [Int32] = [-1]
        for (position, literal) in literals.enumerated() {
            var node: Int32 = 0
            for byte in anchor == .start ? literal : literal.reversed() {
                let key = UInt32(node) << 8 | UInt32(byte)
                if let next = edges[key] {
                    node = next
                } else {
                    let next = Int32(literalAtNode.count)
                    literalAtNode.append(-1)
                    edges[key] = next
                    node = next
                }
            }
            literalAtNode[Int(node)] = Int32(position)
        }
        var size = 16
        while size < edges.count * 2 { size <<= 1 }
        var keys = [UInt32](repeating: 0, count: size)
        var targets = [Int32](repeating: 0, count: size)
        for (key, target) in edges {
            var slot = Self.slot(of: key, mask: size - 1)
            while keys[slot] != 0 { slot = (slot + 1) & (size - 1) }
            keys[slot] = key &+ 1
            targets[slot] = target
        }
        edgeKeys = keys
        edgeTargets = targets
        self.literalAtNode = literalAtNode
    }

    /// Calls `body` with the position in ``literals`` of each literal `text` starts with (or ends
    /// with), shortest first. A folding set folds ASCII letters of `text`, which must then be ASCII.
    @inline(__always)
    func forEachMatching(in text: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Void) {
        let count = text.count
        let mask = edgeKeys.count &- 1
        edgeKeys.withUnsafeBufferPointer { keys in
            var node: UInt32 = 0
            var offset = 0
            while offset < count {
                let value = text[anchor == .start ? offset : count &- 1 &- offset]
                let key = node << 8 | UInt32(folding ? ByteText.fold(value) : value)
                var slot = Self.slot(of: key, mask: mask)
                while true {
                    let stored = keys[slot]
                    if stored == 0 { return }
                    if stored == key &+ 1 { break }
                    slot = (slot &+ 1) & mask
                }
                node = UInt32(bitPattern: edgeTargets[slot])
                let literal = literalAtNode[Int(node)]
                if literal >= 0 { body(Int(literal)) }
                offset &+= 1
            }
        }
    }

    @inline(__always)
    private static func slot(of key: UInt32, mask: Int) -> Int { Int((key &* 0x9E37_79B1) >> 7) & mask }
}
