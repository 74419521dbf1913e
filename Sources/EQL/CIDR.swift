/// An IPv4 or IPv6 network (`10.0.0.0/8`, `fe80::/10`), compiled for `cidrMatch`.
///
/// Addresses are held as 128-bit values; IPv4 addresses live in the IPv4-mapped range
/// (`::ffff:a.b.c.d`), as Elasticsearch's `ip` type stores them, so an IPv4 block matches the mapped
/// form of its addresses too.
struct CIDRBlock: Sendable, Equatable {
    let high: UInt64
    let low: UInt64
    let prefixLength: Int

    /// Parses `address/prefix` (a bare address is a /32 or /128).
    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Array(parts[0].utf8).withUnsafeBufferPointer({ IPAddress.parse($0) }) else { return nil }
        let dottedQuad = !parts[0].contains(":")
        let maxLength = dottedQuad ? 32 : 128
        var length = maxLength
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0 ... maxLength).contains(value) else { return nil }
            length = value
        }
        prefixLength = dottedQuad ? length + 96 : length
        let (maskHigh, maskLow) = CIDRBlock.mask(prefixLength)
        high = address.high & maskHigh
        low = address.low & maskLow
    }

    private static func mask(_ length: Int) -> (UInt64, UInt64) {
        let high: UInt64 = length >= 64 ? .max : (length == 0 ? 0 : ~(UInt64.max >> UInt64(length)))
        let low: UInt64 = length <= 64 ? 0 : (length >= 128 ? .max : ~(UInt64.max >> UInt64(length - 64)))
        return (high, low)
    }

    /// Whether `address` lies in the block.
    func contains(_ address: IPAddress) -> Bool {
        let (maskHigh, maskLow) = CIDRBlock.mask(prefixLength)
        return address.high & maskHigh == high && address.low & maskLow == low
    }
}

/// A parsed IP address as a 128-bit value.
struct IPAddress: Sendable, Equatable {
    var high: UInt64
    var low: UInt64
    var isIPv4: Bool

    /// Parses an IPv4 dotted quad or an IPv6 address (with `::` and an embedded IPv4 tail), without allocating.
    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        if let v4 = parseIPv4(text, from: 0, to: text.count) {
            return IPAddress(high: 0, low: 0xFFFF_0000_0000 | UInt64(v4), isIPv4: true)
        }
        return parseIPv6(text)
    }

    private static func parseIPv4(_ text: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var parts = 0
        var i = from
        while i <= to {
            if i == to || text[i] == UInt8(ascii: ".") {
                guard digits > 0, octet <= 255 else { return nil }
                value = value << 8 | octet
                parts += 1
                octet = 0
                digits = 0
            } else {
                let digit = text[i] &- UInt8(ascii: "0")
                guard digit < 10, digits < 3 else { return nil }
                octet = octet * 10 + UInt32(digit)
                digits += 1
            }
            i += 1
        }
        return parts == 4 ? value : nil
    }

    private static func parseIPv6(_ text: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        var groups = [UInt16](repeating: 0, count: 8)
        var count = 0
        var gap = -1
        var i = 0
        if text.count >= 2, text[0] == UInt8(ascii: ":"), text[1] == UInt8(ascii: ":") {
            gap = 0
            i = 2
        }
        while i < text.count {
            // An embedded IPv4 tail.
            var j = i
            var sawDot = false
            while j < text.count, text[j] != UInt8(ascii: ":") { if text[j] == UInt8(ascii: ".") { sawDot = true }; j += 1 }
            if sawDot {
                guard j == text.count, count <= 6, let v4 = parseIPv4(text, from: i, to: j) else { return nil }
                groups[count] = UInt16(v4 >> 16)
                groups[count + 1] = UInt16(v4 & 0xFFFF)
                count += 2
                i = j
                break
            }
            guard j > i, j - i <= 4, count < 8 else { return nil }
            var group: UInt16 = 0
            for k in i ..< j {
                let byte = text[k]
                let digit: UInt16
                switch byte {
                case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = UInt16(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = UInt16(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = UInt16(byte - UInt8(ascii: "A") + 10)
                default: return nil
                }
                group = group << 4 | digit
            }
            groups[count] = group
            count += 1
            i = j
            if i < text.count {
                i += 1 // ':'
                if i < text.count, text[i] == UInt8(ascii: ":") {
                    guard gap < 0 else { return nil }
                    gap = count
                    i += 1
                } else if i == text.count {
                    return nil
                }
            }
        }
        if gap >= 0 {
            guard count < 8 else { return nil }
            let tail = Array(groups[gap ..< count])
            for k in gap ..< 8 { groups[k] = 0 }
            for (offset, group) in tail.enumerated() { groups[8 - tail.count + offset] = group }
        } else if count != 8 {
            return nil
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for k in 0 ..< 4 { high = high << 16 | UInt64(groups[k]) }
        for k in 4 ..< 8 { low = low << 16 | UInt64(groups[k]) }
        return IPAddress(high: high, low: low, isIPv4: high == 0 && low >> 32 == 0xFFFF)
    }
}
