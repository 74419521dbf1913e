import ECS
import Foundation
import MetricsTestKit
import Pipeline
import TestScratch
import Testing

/// A source like a Kafka consumer replaying a backlog: the sample keyed by host into four lanes (as a
/// producer keyed by host.id fills partitions), read one lane after another, fifty records a batch.
final class LaneAfterLaneSource: RecordSource {
    let lanes: [[String]]
    let reportsLanes: Bool

    init(lines: [String], reportsLanes: Bool) {
        var lanes = Array(repeating: [String](), count: 4)
        for line in lines {
            let host = line.firstMatch(of: /"host":\{[^}]*"id":"([^"]+)"/).map { String($0.1) } ?? ""
            lanes[Int(host.utf8.reduce(UInt32(7)) { $0 &* 31 &+ UInt32($1) } % 4)].append(line)
        }
        self.lanes = lanes
        self.reportsLanes = reportsLanes
    }

    var name: String { "lane-after-lane" }

    func run(stop: StopSignal, emit: (RecordBatch) throws -> Void) throws {
        var index = 0
        for (lane, lines) in lanes.enumerated() {
            for start in stride(from: 0, to: lines.count, by: 50) {
                let chunk = lines[start ..< min(lines.count, start + 50)]
                let records = chunk.map { line in
                    defer { index += 1 }
                    return RawRecord(bytes: Array(line.utf8), origin: .memory(index: index))
                }
                let readToEnd = start + 50 >= lines.count
                let behind = (lane ..< lanes.count).filter { $0 != lane || !readToEnd }.map(Int32.init)
                let lanes = SourceLanes(laneOfRecord: Array(repeating: Int32(lane), count: records.count), behind: behind)
                try emit(RecordBatch(records: records, lanes: reportsLanes ? lanes : nil))
            }
        }
    }
}

@Suite("Source lanes")
struct SourceLaneTests {
    let scratch = ScratchDirectory()

    func run(reportsLanes: Bool, metrics: PipelineMetrics = PipelineMetrics()) async throws -> (report: RunReport, uuids: Set<String>) {
        let lines = try String(contentsOfFile: samplePath, encoding: .utf8).split(separator: "\n").map(String.init)
        let source = LaneAfterLaneSource(lines: lines, reportsLanes: reportsLanes)
        #expect(source.lanes.filter { !$0.isEmpty }.count > 1, "the sample's hosts spread over several lanes")
        let output = scratch.path("alerts.ndjson")
        var pipeline = Pipeline("lanes") {
            PartitionBy("host.id", shards: .count(2))
            Detect(rules: rulesPath)
            WriteNDJSON(path: output)
        }
        pipeline.source = SourceStage(description: "lane after lane") { source }
        let report = try await PipelineRunner.prepare(pipeline, metrics: metrics).run()
        return (report, Set(try readJSONLines(output).compactMap { $0["kibana.alert.uuid"] as? String }))
    }

    @Test("lanes read one after another raise the file pipeline's alerts: sequences wait for the lanes behind")
    func laneAfterLane() async throws {
        let reference = try await sampleAlertIDs()
        let lanes = try await run(reportsLanes: true)
        #expect(lanes.report.lateEvents == 0)
        #expect(lanes.uuids == reference)

        // The same batches without lane information: the lanes read last are late.
        let unlaned = try await run(reportsLanes: false)
        #expect(unlaned.report.lateEvents > 0)
        #expect(unlaned.uuids.count < reference.count)
    }

    @Test("metrics say how many partitions are behind and how long sequences wait for them")
    func waitMetrics() async throws {
        let recorder = TestMetrics()
        _ = try await run(reportsLanes: true, metrics: PipelineMetrics(factory: recorder))
        let behind = try recorder.expectGauge("tripline_source_lanes_behind").values
        #expect(behind.max() == 4 && behind.last == 0, "\(behind)")
        // The lane read last starts about four minutes of event time behind the others.
        let wait = try recorder.expectGauge("tripline_sequence_wait_seconds").values
        #expect((wait.max() ?? 0) > 60, "\(wait)")
        #expect(wait.last == 0)
    }
}
