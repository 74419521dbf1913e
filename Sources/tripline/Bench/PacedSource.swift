import Dispatch
import Foundation
import ECS
import Pipeline

/// Replays an NDJSON file at a fixed rate, as a live stream arrives: every millisecond it hands over
/// the records that arrived in it (at least one), each batch once its last record's time has come.
///
/// It models a stream arriving at a known rate (the latency benchmark at half the maximum rate),
/// where a file read at full speed models a backlog.
struct PacedSource: RecordSource {
    /// The file replayed.
    let path: String
    /// The target rate.
    let recordsPerSecond: Double
    /// Records per batch: one millisecond's worth.
    let batchSize: Int

    init(path: String, recordsPerSecond: Double) {
        self.path = path
        self.recordsPerSecond = recordsPerSecond
        batchSize = max(1, Int(recordsPerSecond / 1000))
    }

    var name: String { "paced:\(path)" }

    func run(stop: StopSignal, emit: (RecordBatch) throws -> Void) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        var handedOver = 0
        try FileSource(path: path, batchSize: batchSize).run(stop: stop) { batch in
            // The batch is due when its last record's time at the target rate has come.
            let due = start + UInt64(Double(handedOver + batch.records.count) / recordsPerSecond * 1e9)
            while case let now = DispatchTime.now().uptimeNanoseconds, now < due {
                let remaining = due - now
                if remaining > 200_000 { usleep(UInt32(remaining / 1000 - 100)) }
            }
            handedOver += batch.records.count
            try emit(batch)
        }
    }
}
