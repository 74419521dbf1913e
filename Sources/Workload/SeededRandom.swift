/// A fast, seeded pseudo-random number generator (xoshiro256**, seeded through SplitMix64).
///
/// The same seed gives the same sequence on every machine and run, which is what makes a generated
/// workload reproducible. Not for cryptography.
///
/// ```swift
/// var random = SeededRandom(seed: 42)
/// let port = Int.random(in: 1024 ..< 65536, using: &random)
/// ```
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator whose whole output is determined by `seed`.
    public init(seed: UInt64) {
        var mix = seed
        func splitMix() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    private func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 { (value << count) | (value >> (64 - count)) }

    /// A uniformly chosen index below `count` (which must be positive).
    public mutating func index(below count: Int) -> Int { Int(next() % UInt64(count)) }

    /// `true` with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// A uniform value in `[0, 1)`.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform integer in `range`.
    public mutating func integer(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + index(below: range.count)
    }

    /// One element of a non-empty array, uniformly.
    public mutating func element<T>(of array: [T]) -> T { array[index(below: array.count)] }

    /// One element of a non-empty array of `(weight, element)` pairs, in proportion to the weights.
    public mutating func weighted<T>(_ choices: [(weight: Int, value: T)]) -> T {
        let total = choices.reduce(0) { $0 + $1.weight }
        var pick = index(below: total)
        for choice in choices {
            if pick < choice.weight { return choice.value }
            pick -= choice.weight
        }
        return choices[choices.count - 1].value
    }

    /// `count` lowercase hexadecimal digits (an identifier such as `process.entity_id`).
    public mutating func hexIdentifier(_ count: Int) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(count)
        var bits = next()
        var available = 16
        for _ in 0 ..< count {
            if available == 0 { bits = next(); available = 16 }
            text.append(digits[Int(bits & 0xF)])
            bits >>= 4
            available -= 1
        }
        return String(decoding: text, as: UTF8.self)
    }
}
