@testable import EQL
import Testing

/// ``IndexValueMemo`` gives back exactly what was remembered for a value, or nothing; and
/// ``ByteText/fastHash(_:seed:)`` reads every byte of a value.
@Suite struct IndexValueMemoTests {
    /// The results remembered for `value` of `field`, or `nil` when the memo does not know it.
    static func recalled(_ memo: IndexValueMemo, _ field: Int, _ value: [UInt8]) -> [Int]? {
        value.withUnsafeBufferPointer { value in
            var results: [Int] = []
            let known = memo.results(of: field, value, hash: IndexValueMemo.hash(of: field, value)) { results.append($0) }
            return known ? results : nil
        }
    }

    static func remember(_ memo: inout IndexValueMemo, _ field: Int, _ value: [UInt8], _ results: [Int]) {
        for result in results { memo.record(result) }
        value.withUnsafeBufferPointer { memo.remember(field, $0, hash: IndexValueMemo.hash(of: field, $0)) }
    }

    @Test func aValueIsKnownOnlyForItsField() {
        var memo = IndexValueMemo()
        #expect(Self.recalled(memo, 3, Array("/usr/bin/curl".utf8)) == nil, "an empty memo knows nothing")
        Self.remember(&memo, 3, Array("/usr/bin/curl".utf8), [7, 70_000, 2])
        Self.remember(&memo, 4, Array("sh".utf8), [])
        #expect(Self.recalled(memo, 3, Array("/usr/bin/curl".utf8)) == [7, 70_000, 2], "results in the order recorded")
        #expect(Self.recalled(memo, 4, Array("sh".utf8)) == [], "no results is a result")
        #expect(Self.recalled(memo, 5, Array("/usr/bin/curl".utf8)) == nil, "another field")
        #expect(Self.recalled(memo, 3, Array("/usr/bin/curL".utf8)) == nil, "another value")
        let longest = [UInt8](repeating: UInt8(ascii: "a"), count: IndexValueMemo.longestValue)
        #expect(longest.withUnsafeBufferPointer { memo.consults(about: $0, of: 3) })
        #expect(!(longest + [0x61]).withUnsafeBufferPointer { memo.consults(about: $0, of: 3) }, "too long")
        #expect(![UInt8]().withUnsafeBufferPointer { memo.consults(about: $0, of: 3) }, "empty")
        #expect(!longest.withUnsafeBufferPointer { memo.consults(about: $0, of: 65_536) }, "a field past 16 bits")
    }

    /// Many more values than entries and than the slab holds: values overwrite each other and the memo
    /// starts over, and every look-up still gives either nothing or the value's own results.
    @Test func overwrittenAndEmptiedEntriesNeverAnswerForAnotherValue() {
        var memo = IndexValueMemo()
        var random = SplitMix64(state: 5)
        /// A value's results derive from it, so any mix-up shows.
        func results(of value: [UInt8]) -> [Int] { (0 ..< value.count % 4).map { value.count * 31 + $0 } }
        var values: [[UInt8]] = []
        var known = 0
        for round in 0 ..< 60_000 {
            // Short values from a small alphabet collide on entries; some repeat.
            let value = round % 3 == 0 && !values.isEmpty ? values[random.below(values.count)]
                : (0 ..< 1 + random.below(24)).map { _ in random.pick(Array("ab/.".utf8)) }
            let field = value.count % 2
            if let recalled = Self.recalled(memo, field, value) {
                #expect(recalled == results(of: value), "\(value)")
                known += 1
            } else {
                Self.remember(&memo, field, value, results(of: value))
                #expect(Self.recalled(memo, field, value) == results(of: value), "known once remembered")
            }
            if values.count < 4_096 { values.append(value) }
        }
        #expect(known > 10_000, "repeated values are found (\(known))")
    }

    /// A field whose values rarely repeat is left alone for a while after each failed trial; a field
    /// whose values repeat is consulted throughout.
    @Test func aFieldWhoseValuesDoNotRepeatIsBenched() {
        var memo = IndexValueMemo()
        /// Looks `value` up as ``RuleIndex`` does, remembering it when not found; whether the memo
        /// was consulted.
        func lookUp(_ field: Int, _ value: String) -> Bool {
            let bytes = Array(value.utf8)
            let consulted = bytes.withUnsafeBufferPointer { memo.consults(about: $0, of: field) }
            if consulted, Self.recalled(memo, field, bytes) == nil { Self.remember(&memo, field, bytes, [1]) }
            return consulted
        }
        let trial = Int(IndexValueMemo.trialLookups), bench = Int(IndexValueMemo.benchLookups)
        for round in 0 ..< trial {
            #expect(lookUp(1, "/tmp/tmp.\(round)"), "on trial")
            #expect(lookUp(2, "/usr/bin/ls"))
        }
        for round in 0 ..< bench {
            let consulted = lookUp(1, "/tmp/tmp.\(trial + round)")
            if consulted { Issue.record("consulted \(round) values into the bench"); break }
        }
        #expect(lookUp(1, "/tmp/tmp.x"), "a new trial after the bench")
        #expect((0 ..< 2 * (trial + bench)).allSatisfy { _ in lookUp(2, "/usr/bin/ls") }, "a repeating field stays")
    }

    @Test func fastHashReadsEveryByte() {
        for count in 1 ... 40 {
            let value = (0 ..< count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let hash = value.withUnsafeBufferPointer { ByteText.fastHash($0, seed: 9) }
            #expect(value.withUnsafeBufferPointer { ByteText.fastHash($0, seed: 10) } != hash, "the seed counts")
            for position in 0 ..< count {
                var changed = value
                changed[position] ^= 0x20
                #expect(changed.withUnsafeBufferPointer { ByteText.fastHash($0, seed: 9) } != hash,
                        "byte \(position) of \(count)")
            }
            let longer = value + [0]
            #expect(longer.withUnsafeBufferPointer { ByteText.fastHash($0, seed: 9) } != hash, "the length counts")
        }
    }
}
