import ECS
import Testing

@Suite("Timestamp")
struct TimestampTests {
    @Test("ISO 8601 round trip at millisecond precision")
    func roundTrip() {
        for text in ["1970-01-01T00:00:00.000Z", "2026-11-25T09:00:02.201Z", "2000-02-29T23:59:59.999Z", "1969-12-31T23:59:59.500Z"] {
            let nanos = Timestamp.parseISO8601(text)
            #expect(nanos != nil)
            #expect(Timestamp.formatISO8601(nanos!) == text)
        }
    }

    @Test("dates alone, nanosecond fractions and zone offsets")
    func forms() {
        #expect(Timestamp.parseISO8601("2026-11-25") == 1_795_564_800_000_000_000)
        #expect(Timestamp.parseISO8601("2026-11-25T00:00:00.123456789Z") == 1_795_564_800_123_456_789)
        #expect(Timestamp.parseISO8601("2026-11-25T02:00:00+0200") == 1_795_564_800_000_000_000)
    }

    @Test("malformed timestamps are nil", arguments: ["", "2026", "2026-13-01", "2026-11-25T25:00:00Z", "2026-11-25T10:00:00Q", "yesterday"])
    func malformed(text: String) {
        #expect(Timestamp.parseISO8601(text) == nil)
    }

    @Test("years outside what Int64 nanoseconds hold are nil, not a crash", arguments: ["0026-11-25T09:00:00.000Z", "1600-01-01", "9999-12-31T23:59:59Z"])
    func outOfRange(text: String) {
        #expect(Timestamp.parseISO8601(text) == nil)
    }
}
