import Detection
import ECS
import EQL
import Testing

/// What an evaluator remembers of the events its sequence rules skipped (late, or without event
/// time) and of the rules that evict partial sequences, for the pipeline's warnings.
@Suite struct SkippedEventStatisticsTests {
    /// An OpenSSL encryption with a key: a stage of "Suspicious Data Encryption via OpenSSL Utility".
    static func encryption(at seconds: Double, host: String = "host-1", parent: String = "parent-1") -> ProcessEventFixture {
        var fixture = ProcessEventFixture()
        fixture.time = ProcessEventFixture.time(seconds)
        fixture.hostID = host
        fixture.parentEntityID = parent
        fixture.args = ["openssl", "enc", "-aes-256-cbc", "-in", "data.sql", "-out", "data.sql.enc", "-k", "secret"]
        return fixture
    }

    /// `fixtures` read as lines `first`, `first + 1`, … of events.ndjson.
    static func read(_ fixtures: [ProcessEventFixture], rules: RuleSet, first: Int = 1) throws -> [Event] {
        var reader = EventReader(catalog: rules.catalog, timestampPaths: rules.timestampPaths)
        return try fixtures.enumerated().map { index, fixture in
            try reader.read(bytes: Array(fixture.json.utf8), origin: .line(source: "events.ndjson", number: first + index))
        }
    }

    static func evaluator(_ rules: RuleSet) -> RuleEvaluator {
        var evaluator = RuleEvaluator(ruleSet: rules, allowedLateness: 5_000_000_000)
        evaluator.skippedEventKeyField = rules.catalog.id(of: "host.id")
        return evaluator
    }

    @Test func aLateEventIsRememberedWithItsOriginHostAndHowFarBehindItWas() throws {
        let rules = try loadFoundingRules()
        var evaluator = Self.evaluator(rules)
        var alerts: [Alert] = []
        evaluator.process(try Self.read([Self.encryption(at: 0), Self.encryption(at: 10)], rules: rules), into: &alerts)
        // Released up to 10 − 5 s: an event at 3 s is late, 7 s behind the newest.
        evaluator.process(try Self.read([Self.encryption(at: 3, host: "host-2")], rules: rules, first: 3), into: &alerts)
        #expect(evaluator.statistics.lateEvents == 1)
        #expect(evaluator.statistics.latestLateEvent
            == SkippedEvent(origin: .line(source: "events.ndjson", number: 3), key: "host-2", behindNewest: 7_000_000_000))
        #expect(evaluator.statistics.latestUntimedEvent == nil)
    }

    @Test func anEventWithoutEventTimeIsRememberedWithItsOriginAndHost() throws {
        let rules = try loadFoundingRules()
        var evaluator = Self.evaluator(rules)
        var untimed = Self.encryption(at: 0, host: "host-3")
        untimed.time = "yesterday"
        var alerts: [Alert] = []
        evaluator.process(try Self.read([Self.encryption(at: 0), untimed], rules: rules), into: &alerts)
        #expect(evaluator.statistics.untimedEvents == 1)
        #expect(evaluator.statistics.latestUntimedEvent == SkippedEvent(origin: .line(source: "events.ndjson", number: 2), key: "host-3"))
        #expect(evaluator.statistics.latestLateEvent == nil)
    }

    @Test func theRuleThatEvictsPartialSequencesIsNamed() throws {
        let path = packageRoot.appendingPathComponent("Rules").path
        let rules = try RuleSet.load(from: path, options: CompileOptions(maxLivePartialSequences: 1))
        var evaluator = Self.evaluator(rules)
        #expect(evaluator.statistics.mostEvictingRule == nil)
        // Three keys (parent processes) with one partial sequence each, one allowed at a time.
        let starts = (0 ..< 3).map { Self.encryption(at: Double($0), parent: "parent-\($0)") }
        var alerts: [Alert] = []
        evaluator.process(try Self.read(starts, rules: rules), into: &alerts)
        evaluator.finish(into: &alerts)
        #expect(evaluator.statistics.evictions == 2)
        #expect(evaluator.statistics.mostEvictingRule == "Suspicious Data Encryption via OpenSSL Utility")
    }
}
