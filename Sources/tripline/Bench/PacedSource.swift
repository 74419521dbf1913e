import Dispatch
import Foundation
import ECS
import Pipeline

/// Replays an NDJSON file at a fixed rate: hands over small batches, each when the records before
/// it have had their time at `recordsPerSecond`.
///
/// It models a live stream arriving at a known rate (the latency benchmark at half the maximum
/// rate), where a file read at full speed would model a backlog.
struct PacedSource: RecordSource {
    /// The file replayed.
    let path: String
    /// The target rate.
    let recordsPerSecond: Double
    /// Records per batch: small, so a batch waits little for its last record's time.
    let batchSize: Int

    init(path: String, recordsPerSecond: Double, batchSize: Int = 1024) {
        self.path = path
        self.recordsPerSecond = recordsPerSecond
        self.batchSize = batchSize
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
