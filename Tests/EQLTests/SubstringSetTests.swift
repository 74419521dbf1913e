@testable import EQL
import Testing

/// ``SubstringSet`` finds exactly the literals a naive search finds, folded or not.
@Suite struct SubstringSetTests {
    /// Bytes from a small alphabet, so that literals occur often and overlap; `A` and `a` test folding.
    static let alphabet: [UInt8] = Array("aAbB/-.".utf8)

    static func randomBytes(count: Int, using random: inout SplitMix64) -> [UInt8] {
        (0 ..< count).map { _ in random.pick(alphabet) }
    }

    /// The literals occurring in `text` by testing each at every position.
    static func naive(_ literals: [[UInt8]], in text: [UInt8], folding: Bool) -> Set<Int> {
        let prepared = folding ? text.map(ByteText.fold) : text
        var found: Set<Int> = []
        for (index, literal) in literals.enumerated() where literal.count <= prepared.count {
            for start in 0 ... prepared.count - literal.count where Array(prepared[start ..< start + literal.count]) == literal {
                found.insert(index)
                break
            }
        }
        return found
    }

    @Test(arguments: [false, true])
    func findsWhatANaiveSearchFinds(folding: Bool) {
        var random = SplitMix64(state: folding ? 11 : 12)
        for _ in 0 ..< 200 {
            var literals = (0 ..< random.below(12) + 1).map { _ in
                Self.randomBytes(count: 1 + random.below(6), using: &random)
            }
            if folding { literals = literals.map { $0.map(ByteText.fold) } }
            let set = SubstringSet(literals, folding: folding)
            for _ in 0 ..< 20 {
                let text = Self.randomBytes(count: random.below(24), using: &random)
                var found: Set<Int> = []
                text.withUnsafeBufferPointer { buffer in set.forEachOccurring(in: buffer) { found.insert($0) } }
                #expect(found == Self.naive(literals, in: text, folding: folding), "\(literals) in \(text)")
            }
        }
    }

    @Test func twoByteLiteralsAreFoundAtEveryPosition() {
        let set = SubstringSet([Array("\\x".utf8), Array("-c".utf8), Array("curl".utf8)], folding: true)
        func found(_ text: String) -> [Int] {
            var found: [Int] = []
            Array(text.utf8).withUnsafeBufferPointer { set.forEachOccurring(in: $0) { found.append($0) } }
            return found.sorted()
        }
        #expect(found("\\X") == [0], "the whole text, folded")
        #expect(found("sh -C 'CURL'") == [1, 2])
        #expect(found("printf '\\x41\\x42'") == [0, 0], "once per occurrence")
        #expect(found("-") == [] && found("") == [])
        #expect(found("ends with -c") == [1], "at the last position")
    }

    @Test func oneByteLiteralsAreFoundOnce() {
        let set = SubstringSet([Array(":".utf8), Array("a".utf8), Array("curl".utf8), Array("-c".utf8)], folding: true)
        func found(_ text: String) -> [Int] {
            var found: [Int] = []
            Array(text.utf8).withUnsafeBufferPointer { set.forEachOccurring(in: $0) { found.append($0) } }
            return found.sorted()
        }
        #expect(found(":") == [0] && found("A") == [1], "the whole text, folded")
        #expect(found("10.0.0.1:22:10.0.0.2:80") == [0], "once however often it occurs")
        #expect(found("CURL -C x:") == [0, 2, 3], "at the last position, with longer literals")
        #expect(found("") == [] && found("xyz") == [])
        let exact = SubstringSet([Array("A".utf8)], folding: false)
        var foundExact: [Int] = []
        Array("a".utf8).withUnsafeBufferPointer { exact.forEachOccurring(in: $0) { foundExact.append($0) } }
        #expect(foundExact.isEmpty, "case-sensitive: a is not A")
    }

    @Test func literalsSharingTheirFirstThreeBytesAreEachFound() {
        let set = SubstringSet([Array("/tmp/".utf8), Array("/tmpfs".utf8), Array("/tm".utf8)], folding: false)
        var found: [Int] = []
        Array("mount /tmpfs".utf8).withUnsafeBufferPointer { set.forEachOccurring(in: $0) { found.append($0) } }
        #expect(found.sorted() == [1, 2])
    }
}
