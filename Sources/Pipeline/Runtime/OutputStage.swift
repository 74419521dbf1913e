import Detection
import Dispatch
import ECS
import Foundation

/// The last stage: enriches and writes alerts and dead letters, flushes, commits source checkpoints.
struct OutputStage {
    let enrichers: [any AlertEnricher]
    let sink: any AlertSink
    let deadLetterSink: any DeadLetterSink
    let source: any RecordSource
    let shardCount: Int
    let metrics: PipelineMetrics
    /// The depth of the shards' input queues, for the queue-depth gauge.
    let shardQueueDepth: @Sendable () -> Int
    private(set) var report = RunReport()
    private var progress: ProgressLine
    private var newestEventTime = Int64.min
    private var readTimes: [Int: UInt64] = [:]
    /// When the first batch holding records was handed over (monotonic nanoseconds).
    private(set) var firstRecordAt: UInt64?

    /// Shards that reported each batch not yet complete.
    private var arrivals: [Int: Int] = [:]
    private var checkpoints: [Int: SourceCheckpoint] = [:]
    /// The newest event time of each incomplete batch, over the shards that reported it.
    private var batchNewest: [Int: Int64] = [:]
    /// Every batch below this number is complete.
    private var nextIncomplete = 0
    /// Complete batches at or above `nextIncomplete`.
    private var completed = Set<Int>()
    /// Complete batches, in order, whose checkpoints wait until their events are settled.
    private var settling: [(checkpoint: SourceCheckpoint, newestEventTime: Int64)] = []
    /// Each shard's latest ``RuleEvaluator/settledEventTime``.
    private var shardSettled: [Int64]
    private var pendingCommit: SourceCheckpoint?
    private var dirty = false
    private var statistics: [EvaluatorStatistics]
    private var warnings: DetectionWarnings

    init(enrichers: [any AlertEnricher], sink: any AlertSink, deadLetterSink: any DeadLetterSink, source: any RecordSource,
         shardCount: Int, metrics: PipelineMetrics, showProgress: Bool, warnings: DetectionWarnings,
         shardQueueDepth: @escaping @Sendable () -> Int) {
        self.enrichers = enrichers
        self.warnings = warnings
        self.metrics = metrics
        self.shardQueueDepth = shardQueueDepth
        self.progress = ProgressLine(enabled: showProgress)
        self.sink = sink
        self.deadLetterSink = deadLetterSink
        self.source = source
        self.shardCount = shardCount
        statistics = Array(repeating: EvaluatorStatistics(), count: shardCount)
        shardSettled = Array(repeating: Int64.min, count: shardCount)
    }

    mutating func run(results: BoundedQueue<WorkerResult>) throws {
        while let result = results.pop() {
            try accept(result)
            let waiting = results.depth
            metrics.outputQueueDepth.record(waiting)
            metrics.shardQueueDepth.record(shardQueueDepth())
            if waiting == 0 { try flushAndCommit() }
            progress.update(report, eventTimeLag: eventTimeLag)
        }
        try flushAndCommit()
        warnings.flush(now: DispatchTime.now().uptimeNanoseconds)
        progress.finish()
    }

    /// Seconds between now and the newest event time seen.
    private var eventTimeLag: Double? {
        guard newestEventTime != Int64.min else { return nil }
        return Date().timeIntervalSince1970 - Double(newestEventTime) / 1e9
    }

    /// Folds a shard's cumulative statistics into the report and metrics.
    private mutating func updateStatistics(shard: Int, _ new: EvaluatorStatistics) {
        let old = statistics[shard]
        statistics[shard] = new
        report.lateEvents += new.lateEvents - old.lateEvents
        report.candidateRules += new.candidateRules - old.candidateRules
        report.heldEvents += new.heldEvents - old.heldEvents
        report.parkedEvents += new.parkedEvents - old.parkedEvents
        report.heldEventsCompressed += new.heldEventsCompressed - old.heldEventsCompressed
        report.indexMemoLookups += new.indexMemoLookups - old.indexMemoLookups
        report.indexMemoHits += new.indexMemoHits - old.indexMemoHits
        report.untimedEvents += new.untimedEvents - old.untimedEvents
        report.evictions += new.evictions - old.evictions
        report.earlyReleases += new.earlyReleases - old.earlyReleases
        metrics.lateEvents.increment(by: Int64(new.lateEvents - old.lateEvents))
        metrics.candidateRules.increment(by: Int64(new.candidateRules - old.candidateRules))
        metrics.heldEvents.increment(by: Int64(new.heldEvents - old.heldEvents))
        metrics.parkedEvents.increment(by: Int64(new.parkedEvents - old.parkedEvents))
        metrics.heldEventsCompressed.increment(by: Int64(new.heldEventsCompressed - old.heldEventsCompressed))
        metrics.indexMemoLookups.increment(by: Int64(new.indexMemoLookups - old.indexMemoLookups))
        metrics.indexMemoHits.increment(by: Int64(new.indexMemoHits - old.indexMemoHits))
        metrics.untimedEvents.increment(by: Int64(new.untimedEvents - old.untimedEvents))
        metrics.evictions.increment(by: Int64(new.evictions - old.evictions))
        metrics.earlyReleases.increment(by: Int64(new.earlyReleases - old.earlyReleases))
        metrics.liveSequences.record(statistics.reduce(0) { $0 + $1.liveSequences })
        metrics.reorderBufferBytes.record(statistics.reduce(0) { $0 + $1.bufferedBytes })
        warnings.note(new, since: old, now: DispatchTime.now().uptimeNanoseconds)
    }

    private mutating func accept(_ result: WorkerResult) throws {
        report.records += result.records
        report.events += result.events
        if result.records > 0 { firstRecordAt = min(firstRecordAt ?? result.readAt, result.readAt) }
        metrics.records.increment(by: Int64(result.records))
        metrics.decodedEvents.increment(by: Int64(result.records - result.deadLetters.count))
        metrics.shardEvents(result.shard).increment(by: Int64(result.events))
        updateStatistics(shard: result.shard, result.statistics)
        shardSettled[result.shard] = result.settledEventTime
        // Every shard computes the same lane clock: shard 0 speaks for all.
        if result.shard == 0, let laneWait = result.laneWait {
            metrics.lanesBehind.record(laneWait.behind)
            metrics.sequenceWait.record(Double(laneWait.nanoseconds) / 1e9)
        }
        if result.newestEventTime > newestEventTime {
            newestEventTime = result.newestEventTime
            if let eventTimeLag { metrics.eventTimeLag.record(eventTimeLag) }
        }
        if !result.deadLetters.isEmpty {
            metrics.deadLetters.increment(by: Int64(result.deadLetters.count))
            report.deadLetters += result.deadLetters.count
            try deadLetterSink.write(result.deadLetters)
            dirty = true
        }
        if !result.alerts.isEmpty {
            var alerts = result.alerts
            for enricher in enrichers { enricher.enrich(&alerts) }
            try sink.write(alerts)
            let latency = DispatchTime.now().uptimeNanoseconds - result.readAt
            report.alerts += alerts.count
            for alert in alerts where !alert.isBuildingBlock {
                report.detectionsByRule[alert.rule.name, default: 0] += 1
                report.alertLatencies.record(latency)
                metrics.alerts(rule: alert.rule.name).increment()
            }
            dirty = true
        }
        guard let number = result.number else { return }
        if readTimes[number] == nil { readTimes[number] = result.readAt }
        batchNewest[number] = max(batchNewest[number] ?? Int64.min, result.newestEventTime)
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
        if let readAt = readTimes.removeValue(forKey: number) {
            metrics.batchLatency.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - readAt))
            metrics.batches.increment()
        }
        while completed.remove(nextIncomplete) != nil {
            let newest = batchNewest.removeValue(forKey: nextIncomplete) ?? Int64.min
            if let checkpoint = checkpoints.removeValue(forKey: nextIncomplete) {
                settling.append((checkpoint, newest))
            }
            nextIncomplete += 1
        }
    }

    /// Moves to `pendingCommit` the newest checkpoint of the complete batches, in order, whose events
    /// no sequence state can need any more (all at or before every shard's settled event time), so a
    /// restart from a committed position never loses a partial sequence. Checkpoints are cumulative:
    /// committing the newest settled one covers the batches before it.
    private mutating func settleCheckpoints() {
        let settled = shardSettled.min() ?? Int64.max
        var count = 0
        while count < settling.count, settling[count].newestEventTime <= settled { count += 1 }
        guard count > 0 else { return }
        pendingCommit = settling[count - 1].checkpoint
        settling.removeFirst(count)
    }

    private mutating func flushAndCommit() throws {
        if dirty {
            try sink.flush()
            try deadLetterSink.flush()
            dirty = false
        }
        settleCheckpoints()
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
