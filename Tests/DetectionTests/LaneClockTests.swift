import Detection
import ECS
import Testing

/// Source lanes read out of step (a Kafka backlog replayed one partition after another): while a lane
/// is behind, sequence rules wait for it.
@Suite("Lane clock")
struct LaneClockTests {
    let rules: RuleSet
    /// Lane 0: two minutes of another host's activity. Lane 1: twelve encryptions on host-b in the
    /// first 2.4 s (three windows of ten).
    let lanes: [[Event]]

    init() throws {
        rules = try loadFoundingRules("linux_impact_data_encrypted_via_openssl.toml")
        var reader = EventReader(catalog: rules.catalog, timestampPaths: rules.timestampPaths)
        func read(_ fixture: ProcessEventFixture) throws -> Event {
            try reader.read(bytes: Array(fixture.json.utf8), origin: .memory(index: 0))
        }
        var busy: [Event] = []
        for second in 0 ..< 120 {
            var fixture = ProcessEventFixture()
            fixture.hostID = "host-a"
            fixture.time = ProcessEventFixture.time(Double(second))
            fixture.args = ["openssl", "enc", "-aes-256-cbc", "-in", "a\(second)", "-out", "a\(second).enc", "-k", "pw"]
            busy.append(try read(fixture))
        }
        var encryptions: [Event] = []
        for index in 0 ..< 12 {
            var fixture = ProcessEventFixture()
            fixture.hostID = "host-b"
            fixture.time = ProcessEventFixture.time(Double(index) * 0.2)
            fixture.args = ["openssl", "enc", "-aes-256-cbc", "-in", "b\(index)", "-out", "b\(index).enc", "-k", "pw"]
            encryptions.append(try read(fixture))
        }
        lanes = [busy, encryptions]
    }

    /// Lane 0 is read whole, then lane 1, ten events a batch; `holdBack` says whether batches report
    /// the lanes not read to their end as behind, held at most `maximumSkew` nanoseconds back.
    func replay(holdBack: Bool, maximumSkew: Int64 = Int64.max) -> (alerts: [Alert], statistics: EvaluatorStatistics) {
        var evaluator = RuleEvaluator(ruleSet: rules)
        var clock = evaluator.makeLaneClock()
        var alerts: [Alert] = []
        for (lane, events) in lanes.enumerated() {
            for start in stride(from: 0, to: events.count, by: 10) {
                let batch = Array(events[start ..< min(events.count, start + 10)])
                for event in batch { clock.observe(event, lane: Int32(lane)) }
                let readToEnd = start + 10 >= events.count
                let behind = (lane ..< lanes.count).map(Int32.init).filter { $0 != lane || !readToEnd }
                let ceilings = holdBack ? clock.ceilings(holdingBack: behind, maximumSkew: maximumSkew) : nil
                evaluator.process(batch, ceilings: ceilings, into: &alerts)
            }
        }
        evaluator.finish(into: &alerts)
        return (alerts, evaluator.statistics)
    }

    @Test("a lane read after the others raises the alerts of sorted input")
    func laneReadLate() {
        var sortedEvaluator = RuleEvaluator(ruleSet: rules)
        var sorted: [Alert] = []
        sortedEvaluator.process((lanes[0] + lanes[1]).sorted { $0.timestamp < $1.timestamp }, into: &sorted)
        sortedEvaluator.finish(into: &sorted)
        let hostB = sorted.filter { $0.kind == .sequence && $0.hostID == "host-b" }
        #expect(hostB.count == 3, "three windows of ten on host-b")

        let heldBack = replay(holdBack: true)
        #expect(heldBack.statistics.lateEvents == 0)
        #expect(heldBack.alerts.map(\.uuid).sorted() == sorted.map(\.uuid).sorted())

        // Without the lane clock, host-a's two minutes make every host-b event late.
        let unheld = replay(holdBack: false)
        #expect(unheld.statistics.lateEvents == 12)
        #expect(unheld.alerts.count == sorted.count - 33)
    }

    @Test("ceilings: the oldest newest-time over the lanes behind; a lane not heard from yet holds everything")
    func ceilings() {
        let evaluator = RuleEvaluator(ruleSet: rules)
        var clock = evaluator.makeLaneClock()
        #expect(clock.ceilings(holdingBack: []) == nil)
        #expect(clock.ceilings(holdingBack: [0]) == [Int64.min])
        clock.observe(lanes[0][100], lane: 0)
        var other = evaluator.makeLaneClock()
        other.observe(lanes[1][3], lane: 1)
        clock.merge(other)
        #expect(clock.ceilings(holdingBack: [0]) == [lanes[0][100].timestamp])
        #expect(clock.ceilings(holdingBack: [0, 1]) == [lanes[1][3].timestamp])
        #expect(clock.ceilings(holdingBack: [0, 7]) == [Int64.min])

        // At most `maximumSkew` behind the newest time of any lane.
        let newest = lanes[0][100].timestamp
        #expect(clock.ceilings(holdingBack: [0, 1], maximumSkew: 10_000_000_000) == [newest - 10_000_000_000])
        #expect(clock.ceilings(holdingBack: [7], maximumSkew: 10_000_000_000) == [newest - 10_000_000_000])
        #expect(clock.ceilings(holdingBack: [0, 1], maximumSkew: 1_000_000_000_000) == [lanes[1][3].timestamp])
    }

    @Test("a lane further behind than the maximum skew no longer holds the others: its events are late")
    func skewBound() {
        // host-a's two minutes run 90 s past host-b's 2.4 s with a 30 s bound: host-b comes too late.
        #expect(replay(holdBack: true, maximumSkew: 30_000_000_000).statistics.lateEvents == 12)
    }
}
