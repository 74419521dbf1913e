import Detection
import ECS
import Foundation
import Pipeline
import Synchronization
import TestScratch
import Testing

/// A source that emits batches as fast as the pipeline takes them and counts them.
final class CountingSource: RecordSource {
    let batches: Int
    let emitted = Atomic<Int>(0)

    init(batches: Int) { self.batches = batches }

    var name: String { "counting" }

    func run(stop: StopSignal, emit: (RecordBatch) throws -> Void) throws {
        for batch in 0 ..< batches {
            let records = (0 ..< 10).map { index in
                RawRecord(bytes: Array(#"{"@timestamp":"2026-11-25T09:00:00Z","event":{"category":["process"]},"host":{"id":"h\#(index)"}}"#.utf8),
                          origin: .memory(index: batch * 10 + index))
            }
            emitted.store(batch + 1, ordering: .sequentiallyConsistent)
            try emit(RecordBatch(records: records))
        }
    }
}

/// A sink that takes 20 ms per batch of alerts and records how far the source was each time.
final class SlowSink: AlertSink {
    let source: CountingSource
    let observations = Mutex<[(written: Int, emitted: Int)]>([])
    private let written = Atomic<Int>(0)

    init(source: CountingSource) { self.source = source }

    var name: String { "slow" }

    func write(_ alerts: [Alert]) throws {
        Thread.sleep(forTimeInterval: 0.02)
        let total = written.add(alerts.count, ordering: .sequentiallyConsistent).newValue
        let emitted = source.emitted.load(ordering: .sequentiallyConsistent)
        observations.withLock { $0.append((total, emitted)) }
    }

    func flush() throws {}
    func close() throws {}
}

@Suite("Back-pressure")
struct BackPressureTests {
    let scratch = ScratchDirectory()

    @Test("a slow sink holds the source back: only a few batches are ever in flight")
    func slowSinkBlocksSource() async throws {
        let directory = scratch.path("rules")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "[rule]\nrule_id = \"all\"\nname = \"every process\"\ntype = \"eql\"\nlanguage = \"eql\"\nquery = \"process where true\"\n"
            .write(toFile: directory + "/all.toml", atomically: true, encoding: .utf8)
        let source = CountingSource(batches: 60)
        let sink = SlowSink(source: source)
        var pipeline = Pipeline("back-pressure") {
            Detect(rules: directory)
            PartitionBy("host.id", shards: .count(2))
        }
        pipeline.source = SourceStage(description: "counting") { source }
        pipeline.sink = SinkStage(description: "slow") { sink }
        let report = try await PipelineRunner.prepare(pipeline).run()
        #expect(report.alerts == 600)
        let observations = sink.observations.withLock { $0 }
        // Each batch yields 10 alerts (one per event) in at most two writes (one per shard). Between the
        // source and the sink stand at most 4 batches per worker queue, one batch per worker, 4 results
        // per shard in the output queue and the one being written: never more than 12 batches.
        for observation in observations {
            let batchesWritten = observation.written / 10
            #expect(observation.emitted - batchesWritten <= 12, "source at batch \(observation.emitted) while \(batchesWritten) written")
        }
        #expect(observations.count >= 60, "the sink was called per batch")
    }
}
