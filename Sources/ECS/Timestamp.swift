/// Event time handling: ISO 8601 parsing and formatting in nanoseconds since the Unix epoch.
public enum Timestamp {
    /// Parses `2024-07-30T12:34:56.789Z` style timestamps (fraction up to nanoseconds; `Z`, `±HH:MM`,
    /// `±HHMM` or no zone meaning UTC; a date alone is midnight UTC). Returns `nil` when malformed.
    public static func parseISO8601(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var cursor = DigitCursor(text: text)
        guard let year = cursor.digits(4), cursor.expect(UInt8(ascii: "-")), let month = cursor.digits(2),
              cursor.expect(UInt8(ascii: "-")), let day = cursor.digits(2),
              (1 ... 12).contains(month), (1 ... 31).contains(day) else { return nil }
        var seconds = daysFromCivil(year: year, month: month, day: day) * 86_400
        var nanos: Int64 = 0
        if cursor.atEnd { return nanoseconds(seconds: seconds, plus: 0) }
        guard cursor.expect(UInt8(ascii: "T")) || cursor.expect(UInt8(ascii: " ")) else { return nil }
        guard let hour = cursor.digits(2), cursor.expect(UInt8(ascii: ":")), let minute = cursor.digits(2),
              hour < 24, minute < 60 else { return nil }
        seconds += hour * 3600 + minute * 60
        if cursor.expect(UInt8(ascii: ":")) {
            guard let second = cursor.digits(2), second < 61 else { return nil }
            seconds += second
            if cursor.expect(UInt8(ascii: ".")) || cursor.expect(UInt8(ascii: ",")) {
                guard let fraction = cursor.fractionNanoseconds() else { return nil }
                nanos = fraction
            }
        }
        if let sign = cursor.peek {
            switch sign {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                cursor.index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                cursor.index += 1
                guard let offsetHours = cursor.digits(2) else { return nil }
                _ = cursor.expect(UInt8(ascii: ":"))
                let offsetMinutes = cursor.atEnd ? 0 : cursor.digits(2)
                guard let offsetMinutes else { return nil }
                let offset = offsetHours * 3600 + offsetMinutes * 60
                seconds -= sign == UInt8(ascii: "+") ? offset : -offset
            default:
                return nil
            }
        }
        guard cursor.atEnd else { return nil }
        return nanoseconds(seconds: seconds, plus: nanos)
    }

    /// A position in a timestamp's bytes. A struct rather than a local captured by nested functions,
    /// which Swift would box and check for exclusive access on every digit.
    private struct DigitCursor {
        let text: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index == text.count }
        var peek: UInt8? { index < text.count ? text[index] : nil }

        /// Reads exactly `count` decimal digits.
        mutating func digits(_ count: Int) -> Int64? {
            guard index + count <= text.count else { return nil }
            var value: Int64 = 0
            for offset in 0 ..< count {
                let digit = text[index &+ offset] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value &* 10 &+ Int64(digit)
            }
            index += count
            return value
        }

        /// Consumes `byte` when it is next.
        mutating func expect(_ byte: UInt8) -> Bool {
            guard index < text.count, text[index] == byte else { return false }
            index += 1
            return true
        }

        /// Reads a fraction's digits (at least one; those past nanoseconds are ignored) as nanoseconds.
        mutating func fractionNanoseconds() -> Int64? {
            var scale: Int64 = 100_000_000
            var nanos: Int64 = 0
            let start = index
            while index < text.count, text[index] &- UInt8(ascii: "0") < 10 {
                nanos += Int64(text[index] &- UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
            return index > start ? nanos : nil
        }
    }

    /// `seconds` in nanoseconds plus `nanos`, or `nil` outside what `Int64` nanoseconds can hold
    /// (years before 1678 or after 2261).
    private static func nanoseconds(seconds: Int64, plus nanos: Int64) -> Int64? {
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, carry) = scaled.addingReportingOverflow(nanos)
        return overflow || carry ? nil : total
    }

    /// Parses an ISO 8601 timestamp given as a `String`.
    public static func parseISO8601(_ text: String) -> Int64? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { parseISO8601(UnsafeBufferPointer($0)) }
    }

    /// Formats nanoseconds since the epoch as `2024-07-30T12:34:56.789Z` (millisecond precision, as
    /// Elasticsearch writes dates).
    public static func formatISO8601(_ nanos: Int64) -> String {
        let millis = nanos >= 0 ? nanos / 1_000_000 : (nanos - 999_999) / 1_000_000
        let days = millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000
        let millisOfDay = millis - days * 86_400_000
        let (year, month, day) = civilFromDays(days)
        let hour = millisOfDay / 3_600_000
        let minute = millisOfDay / 60_000 % 60
        let second = millisOfDay / 1000 % 60
        let milli = millisOfDay % 1000
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(milli, 3))Z"
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
