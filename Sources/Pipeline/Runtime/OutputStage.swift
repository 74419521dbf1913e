import Detection
import ECS

/// The last stage: enriches and writes alerts and dead letters, flushes, commits source checkpoints.
struct OutputStage {
    let pipeline: Pipeline
    let sink: any AlertSink
    let deadLetterSink: any DeadLetterSink
    let source: any RecordSource
    let shardCount: Int
    private(set) var report = RunReport()

    /// Shards that reported each batch not yet complete.
    private var arrivals: [Int: Int] = [:]
    private var checkpoints: [Int: SourceCheckpoint] = [:]
    /// Every batch below this number is complete.
    private var nextIncomplete = 0
    /// Complete batches at or above `nextIncomplete`.
    private var completed = Set<Int>()
    private var pendingCommit: SourceCheckpoint?
    private var dirty = false
    private var statistics: [EvaluatorStatistics]

    init(pipeline: Pipeline, sink: any AlertSink, deadLetterSink: any DeadLetterSink, source: any RecordSource, shardCount: Int) {
        self.pipeline = pipeline
        self.sink = sink
        self.deadLetterSink = deadLetterSink
        self.source = source
        self.shardCount = shardCount
        statistics = Array(repeating: EvaluatorStatistics(), count: shardCount)
    }

    mutating func run(results: BoundedQueue<WorkerResult>) throws {
        while let result = results.pop() {
            try accept(result)
            if results.depth == 0 { try flushAndCommit() }
        }
        try flushAndCommit()
        for shard in statistics {
            report.lateEvents += shard.lateEvents
            report.untimedEvents += shard.untimedEvents
            report.evictions += shard.evictions
        }
    }

    private mutating func accept(_ result: WorkerResult) throws {
        report.records += result.records
        report.events += result.events
        statistics[result.shard] = result.statistics
        if !result.deadLetters.isEmpty {
            report.deadLetters += result.deadLetters.count
            try deadLetterSink.write(result.deadLetters)
            dirty = true
        }
        if !result.alerts.isEmpty {
            var alerts = result.alerts
            for enricher in pipeline.enrichers { enricher.enrich(&alerts) }
            try sink.write(alerts)
            report.alerts += alerts.count
            for alert in alerts where !alert.isBuildingBlock {
                report.detectionsByRule[alert.rule.name, default: 0] += 1
            }
            dirty = true
        }
        guard let number = result.number else { return }
        let count = arrivals[number, default: 0] + 1
        if let checkpoint = result.checkpoint { checkpoints[number] = checkpoint }
        if count == shardCount {
            arrivals[number] = nil
            completeBatches(through: number)
        } else {
            arrivals[number] = count
        }
    }

    /// Marks batch `number` complete and advances past every consecutive complete batch.
    private mutating func completeBatches(through number: Int) {
        completed.insert(number)
        while completed.remove(nextIncomplete) != nil {
            if let checkpoint = checkpoints.removeValue(forKey: nextIncomplete) { pendingCommit = checkpoint }
            nextIncomplete += 1
        }
    }

    private mutating func flushAndCommit() throws {
        if dirty {
            try sink.flush()
            try deadLetterSink.flush()
            dirty = false
        }
        if let checkpoint = pendingCommit {
            try source.commit(checkpoint)
            pendingCommit = nil
        }
    }
}

extension Alert {
    /// Whether this is one of a sequence's per-event alerts.
    var isBuildingBlock: Bool {
        if case .buildingBlock = kind { return true }
        return false
    }
}
