@testable import EQL
import Testing

/// ``AnchoredLiteralSet`` finds exactly the literals a text starts (or ends) with, folded or not.
@Suite struct AnchoredLiteralSetTests {
    /// Bytes from a small alphabet, so that literals share prefixes; `A` and `a` test folding.
    static let alphabet: [UInt8] = Array("aAb/.".utf8)

    /// The literals `text` starts (or ends) with, by comparing each.
    static func naive(_ literals: [[UInt8]], in text: [UInt8], anchor: AnchoredLiteralSet.Anchor, folding: Bool) -> [Int] {
        let prepared = folding ? text.map(ByteText.fold) : text
        return literals.indices.filter { index in
            anchor == .start ? prepared.starts(with: literals[index]) : prepared.reversed().starts(with: literals[index].reversed())
        }
        .sorted { literals[$0].count < literals[$1].count }
    }

    @Test(arguments: [(AnchoredLiteralSet.Anchor.start, false), (.start, true), (.end, false), (.end, true)])
    func findsWhatComparingEachFinds(anchor: AnchoredLiteralSet.Anchor, folding: Bool) {
        var random = SplitMix64(state: folding ? 21 : 22)
        for _ in 0 ..< 200 {
            var literals: [[UInt8]] = []
            for _ in 0 ..< random.below(10) + 1 {
                var literal = (0 ..< random.below(4) + 1).map { _ in random.pick(Self.alphabet) }
                if folding { literal = literal.map(ByteText.fold) }
                if !literals.contains(literal) { literals.append(literal) }
            }
            let set = AnchoredLiteralSet(literals, anchor: anchor, folding: folding)
            for _ in 0 ..< 20 {
                let text = (0 ..< random.below(8)).map { _ in random.pick(Self.alphabet) }
                var found: [Int] = []
                text.withUnsafeBufferPointer { buffer in set.forEachMatching(in: buffer) { found.append($0) } }
                #expect(found == Self.naive(literals, in: text, anchor: anchor, folding: folding), "\(literals) in \(text)")
            }
        }
    }

    @Test func nestedLiteralsShortestFirst() {
        let set = AnchoredLiteralSet([Array("/tmp/x".utf8), Array("/".utf8), Array("/tmp/".utf8)], anchor: .start, folding: false)
        var found: [Int] = []
        Array("/tmp/xyz".utf8).withUnsafeBufferPointer { buffer in set.forEachMatching(in: buffer) { found.append($0) } }
        #expect(found == [1, 2, 0])
        found = []
        Array("".utf8).withUnsafeBufferPointer { buffer in set.forEachMatching(in: buffer) { found.append($0) } }
        #expect(found == [])
    }
}
