import Detection
import ECS
import Foundation
import Pipeline
import Synchronization
import TestScratch
import Testing

/// A source that emits one event per batch, one second of event time apart, with the batch index as
/// checkpoint, and records which checkpoints were committed and how far it had emitted by then.
final class RecordingSource: RecordSource {
    let lines: [String]
    let commits = Mutex<[(committed: Int, emitted: Int)]>([])
    private let emitted = Atomic<Int>(0)

    init(lines: [String]) { self.lines = lines }

    var name: String { "recording" }

    func run(stop: StopSignal, emit: (RecordBatch) throws -> Void) throws {
        for (index, line) in lines.enumerated() {
            // Counted before the hand-over: the pipeline may process the batch before `emit` returns.
            emitted.store(index + 1, ordering: .sequentiallyConsistent)
            try emit(RecordBatch(records: [RawRecord(bytes: Array(line.utf8), origin: .memory(index: index))],
                                 checkpoint: SourceCheckpoint(index)))
            Thread.sleep(forTimeInterval: 0.002)
        }
    }

    func commit(_ checkpoint: SourceCheckpoint) throws {
        let index = checkpoint.token as! Int
        let soFar = emitted.load(ordering: .sequentiallyConsistent)
        commits.withLock { $0.append((index, soFar)) }
    }
}

@Suite("Checkpoints")
struct CheckpointTests {
    let scratch = ScratchDirectory()

    func event(second: Int) -> String {
        let time = Timestamp.formatISO8601(Timestamp.parseISO8601("2026-11-25T09:00:00Z")! + Int64(second) * 1_000_000_000)
        return #"{"@timestamp":"\#(time)","event":{"category":["process"],"action":"exec","type":["start"]},"host":{"id":"h","os":{"type":"linux"}},"process":{"name":"ls","args":["ls"]}}"#
    }

    @Test("a position is committed only once its events are out of every sequence's maxspan and the lateness bound")
    func settledCommits() async throws {
        let source = RecordingSource(lines: (0 ..< 100).map { event(second: $0) })
        var pipeline = Pipeline("checkpoints") {
            // A lateness far above any stall of a loaded test machine: a stream idle that long (in wall
            // time) is taken to have moved on in event time, which settles positions early, rightly.
            // With 5 s, a full test run once starved the source that long and saw batch 58 committed.
            Detect(rules: rulesPath, allowedLateness: .seconds(30))
            WriteNDJSON(path: scratch.path("alerts.ndjson"))
            PartitionBy("host.id", shards: .count(2))
        }
        pipeline.source = SourceStage(description: "recording") { source }
        _ = try await PipelineRunner.prepare(pipeline).run()
        let commits = source.commits.withLock { $0 }
        #expect(commits.last?.committed == 99, "end of input settles everything")
        #expect(commits.map(\.committed) == commits.map(\.committed).sorted())
        // Before the end, batch k (event time k s) may only be committed once event time has reached
        // k + 30 s (lateness) + 5 s (the founding sequence's maxspan): at least k + 36 batches emitted.
        for commit in commits.dropLast() {
            #expect(commit.committed + 36 <= commit.emitted, "committed \(commit.committed) after only \(commit.emitted) batches")
        }
        #expect(commits.count > 1, "positions are committed while the stream runs, not only at the end")
    }
}
