import Foundation
import MetricsTestKit
import Pipeline
import TestScratch
import Testing

@Suite("Reorder buffer bound")
struct ReorderBufferPipelineTests {
    let scratch = ScratchDirectory()

    @Test("a pipeline with a small reorder buffer releases early, says so in its report and metrics, and raises the alerts")
    func earlyReleases() async throws {
        let recorder = TestMetrics()
        let output = scratch.path("alerts.ndjson")
        let pipeline = Pipeline("bounded") {
            ReadNDJSON(path: samplePath)
            PartitionBy("host.id", shards: .count(2))
            // An hour of lateness, but room for only a few events per shard.
            Detect(rules: rulesPath, allowedLateness: .seconds(3600), reorderBufferBytes: 12 * 1024)
            WriteNDJSON(path: output)
        }
        let report = try await PipelineRunner.prepare(pipeline, metrics: PipelineMetrics(factory: recorder)).run()
        #expect(report.earlyReleases > 0)
        #expect(report.summary.contains("released early"), "\(report.summary)")
        let counter = try recorder.expectCounter("tripline_sequence_early_releases_total")
        #expect(counter.totalValue == Int64(report.earlyReleases))
        let held = try recorder.expectGauge("tripline_reorder_buffer_bytes").values
        #expect((held.max() ?? .infinity) <= 2 * 12 * 1024, "\(held)")
        // The sample arrives at most 2 s out of order; with a few events held, some are late.
        let uuids = Set(try readJSONLines(output).compactMap { $0["kibana.alert.uuid"] as? String })
        #expect(!uuids.isEmpty)
        #expect(uuids.isSubset(of: try await sampleAlertIDs()))
    }
}
