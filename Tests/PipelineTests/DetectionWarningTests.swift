import Detection
import ECS
import Foundation
@testable import Pipeline
import TestLogCapture
import TestScratch
import Testing

@Suite("Detection warnings")
struct DetectionWarningTests {
    let scratch = ScratchDirectory()

    /// The warnings about late events among `messages`.
    static func warnings(_ messages: [String]) -> [String] {
        messages.filter { $0.contains("too late for the sequence rules") }
    }

    /// The host of line `number` (from 1) of `lines`.
    static func host(ofLine number: Int, in lines: [Substring]) throws -> String {
        let document = try JSONSerialization.jsonObject(with: Data(lines[number - 1].utf8))
        return try #require(((document as? [String: Any])?["host"] as? [String: Any])?["id"] as? String)
    }

    /// The line number and the rest of the text after "the latest, PATH:" in `warning`.
    static func latest(in warning: String, path: String) throws -> (line: Int, rest: Substring) {
        let latest = try #require(warning.firstRange(of: "the latest, \(path):").map { warning[$0.upperBound...] }, "\(warning)")
        let line = try #require(Int(latest.prefix { $0.isNumber }), "\(warning)")
        return (line, latest.drop { $0.isNumber })
    }

    /// The late events a warning counts.
    static func count(of warning: String) throws -> Int {
        try #require(Int(warning.prefix { $0.isNumber }), "\(warning)")
    }

    /// Runs the founding rules on `input`.
    func run(_ input: String, lateness: Duration,
             reorderBufferBytes: Int = DetectionSettings.defaultReorderBufferBytes) async throws -> (report: RunReport, messages: [String]) {
        let store = LogStore()
        let pipeline = Pipeline("warnings") {
            ReadNDJSON(path: input)
            PartitionBy("host.id", shards: .count(2))
            Detect(rules: rulesPath, allowedLateness: lateness, reorderBufferBytes: reorderBufferBytes)
            WriteNDJSON(path: scratch.path("alerts.ndjson"))
        }
        let report = try await PipelineRunner.prepare(pipeline, logger: store.logger()).run()
        return (report, store.messages)
    }

    @Test("a pipeline whose events arrive later than its lateness warns, naming the latest late record and how far behind it was")
    func warnsAboutLateEvents() async throws {
        // The sample twice: its second copy is read once event time has reached the sample's end.
        let sample = try String(contentsOfFile: samplePath, encoding: .utf8)
        let sampleLines = sample.split(separator: "\n").count
        let input = scratch.path("replayed.ndjson")
        try (sample + sample).write(toFile: input, atomically: true, encoding: .utf8)
        let (report, messages) = try await run(input, lateness: .seconds(5))
        #expect(report.lateEvents > 0)
        let warnings = Self.warnings(messages)
        try #require(!warnings.isEmpty, "\(messages)")
        #expect(try warnings.map(Self.count).reduce(0, +) == report.lateEvents, "every late event counted once: \(warnings)")
        #expect(!warnings[0].contains("since the last warning"), "\(warnings[0])")
        for warning in warnings {
            let (line, rest) = try Self.latest(in: warning, path: input)
            #expect(line > sampleLines, "a line of the second copy: \(warning)")
            // Named by its host too, as the sample's line says.
            let host = try Self.host(ofLine: line - sampleLines, in: sample.split(separator: "\n"))
            #expect(rest.hasPrefix(" (host.id \(host)), was "), "\(warning)")
            #expect(warning.contains("behind the newest event time of its shard"), "\(warning)")
            #expect(warning.contains("the allowed lateness is 5.0 s"), "\(warning)")
        }
        // A run rather than a minute: the first late event's warning at once, the rest at the end.
        #expect(warnings.count <= 2, "\(warnings)")
    }

    @Test("input out of order within the lateness gives no warning")
    func quietWithinTheLateness() async throws {
        // The sample arrives up to 2 s out of order.
        let (report, messages) = try await run(samplePath, lateness: .seconds(5))
        #expect(report.lateEvents == 0)
        let phrases = ["too late", "no usable event time", "evicted", "released early"]
        #expect(messages.filter { message in phrases.contains { message.contains($0) } }.isEmpty, "\(messages)")
    }

    @Test("warnings come at most once per interval, each counting the late events since the one before")
    func rateLimited() throws {
        let store = LogStore()
        var warnings = RateLimitedWarning.lateEvents(allowedLateness: .milliseconds(1500), keyName: "host.id",
                                                     logger: store.logger(), interval: 10)
        func late(_ line: Int, behind: Int64) -> SkippedEvent {
            SkippedEvent(origin: .line(source: "events.ndjson", number: line), key: line == 12 ? nil : "h-\(line)", behindNewest: behind)
        }
        warnings.note(3, latest: late(7, behind: 2_260_000_000), now: 100)
        warnings.note(2, latest: late(9, behind: 4_000_000_000), now: 105)
        warnings.note(0, latest: nil, now: 106)
        warnings.note(1, latest: late(12, behind: 61_040_000_000), now: 112)
        warnings.flush(now: 113)
        warnings.note(4, latest: late(20, behind: 100_000_000), now: 114)
        warnings.flush(now: 115)
        let logged = Self.warnings(store.messages)
        try #require(logged.count == 3, "\(logged)")
        #expect(logged[0].hasPrefix("3 event(s) arrived too late for the sequence rules, which skipped them"), "\(logged[0])")
        #expect(logged[0].contains("the latest, events.ndjson:7 (host.id h-7), was 2.3 s behind"), "\(logged[0])")
        #expect(logged[0].contains("the allowed lateness is 1.5 s"), "\(logged[0])")
        #expect(logged[1].hasPrefix("3 event(s) arrived too late for the sequence rules since the last warning"), "\(logged[1])")
        #expect(logged[1].contains("the latest, events.ndjson:12, was 61.0 s behind"), "\(logged[1])")
        #expect(logged[2].hasPrefix("4 event(s)"), "\(logged[2])")
        #expect(logged[2].contains("events.ndjson:20 (host.id h-20), was 0.1 s behind"), "\(logged[2])")
    }

    @Test("events without event time that sequence rules would have seen are named too")
    func warnsAboutUntimedEvents() async throws {
        // The sample with @timestamp taken out of the first OpenSSL encryption with a key given
        // (`-in … -out … -k`), an event of the encryption sequence.
        var lines = try String(contentsOfFile: samplePath, encoding: .utf8).split(separator: "\n")
        let index = try #require(lines.firstIndex { $0.contains(#""openssl""#) && $0.contains(#""-out""#) && $0.contains(#""-k""#) })
        var document = try #require(try JSONSerialization.jsonObject(with: Data(lines[index].utf8)) as? [String: Any])
        document["@timestamp"] = nil
        lines[index] = Substring(String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self))
        let input = scratch.path("untimed.ndjson")
        try lines.joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let (report, messages) = try await run(input, lateness: .seconds(5))
        #expect(report.untimedEvents >= 1)
        let warnings = messages.filter { $0.contains("had no usable event time for the sequence rules") }
        try #require(warnings.count == 1, "\(messages)")
        #expect(warnings[0].hasPrefix("\(report.untimedEvents) event(s) had no usable event time"), "\(warnings[0])")
        let (line, rest) = try Self.latest(in: warnings[0], path: input)
        #expect(line == index + 1, "\(warnings[0])")
        #expect(rest.hasPrefix(" (host.id \(try Self.host(ofLine: line, in: lines)));"), "\(warnings[0])")
        #expect(warnings[0].contains("`@timestamp`"), "\(warnings[0])")
    }

    @Test("a reorder buffer too small for the lateness is warned about, with its bound")
    func warnsAboutEarlyReleases() async throws {
        // An hour of lateness, but room for only a few events per shard.
        let (report, messages) = try await run(samplePath, lateness: .seconds(3600), reorderBufferBytes: 12 * 1024)
        #expect(report.earlyReleases > 0)
        let warnings = messages.filter { $0.contains("sequence event(s) released early") }
        try #require(!warnings.isEmpty, "\(messages)")
        #expect(try warnings.map(Self.count).reduce(0, +) == report.earlyReleases, "\(warnings)")
        #expect(warnings[0].contains("a shard's reorder buffer reached its 12 KiB"), "\(warnings[0])")
        #expect(warnings[0].contains("--reorder-buffer-mb"), "\(warnings[0])")
    }

    @Test("evictions are warned about with the rule that has evicted the most")
    func evictionWarning() throws {
        let store = LogStore()
        var warnings = RateLimitedWarning.evictions(maximumPartialSequences: 500, logger: store.logger(), interval: 10)
        warnings.note(2, latest: "Rule A", now: 0)
        warnings.note(5, latest: "Rule B", now: 3)
        warnings.flush(now: 4)
        let logged = store.messages
        try #require(logged.count == 2, "\(logged)")
        #expect(logged[0].hasPrefix("2 partial sequence(s) evicted (the most so far by 'Rule A'): a rule had more than 500 live partial sequences"),
                "\(logged[0])")
        #expect(logged[1].hasPrefix("5 partial sequence(s) evicted since the last warning (the most so far by 'Rule B')"), "\(logged[1])")
    }

    @Test("byte counts are given in the unit they are whole in")
    func byteCounts() {
        #expect(bytesText(256 << 20) == "256 MiB")
        #expect(bytesText(12 * 1024) == "12 KiB")
        #expect(bytesText(1_500_000) == "1500000 bytes")
    }
}
