import Detection
import Dispatch
import ECS
import Foundation
import Logging

/// Runs a ``Pipeline``: a source thread, one worker thread per shard, and an output thread.
///
/// Records travel in batches. For each source batch, worker *i* decodes the *i*-th slice of the
/// batch and sorts its events into per-shard buckets by a stable hash of the partition key; after
/// all workers have decoded (one barrier per batch), worker *i* evaluates bucket *i* of every slice,
/// in slice order. So every event of one host meets the same shard in arrival order, decoding and
/// detection both use every core, and no lock is taken per event. Queues between the stages are
/// bounded: a slow sink blocks the workers, which block the source.
///
/// The output thread enriches and writes alerts and dead letters, flushes the sinks whenever it is
/// idle, and then commits the newest source checkpoint whose batch and all earlier batches are
/// complete.
public final class PipelineRunner: Sendable {
    /// The pipeline being run.
    public let pipeline: Pipeline
    /// Its compiled rules.
    public let ruleSet: RuleSet
    /// The pipeline's enrichers, built.
    public let enrichers: [any AlertEnricher]
    /// The number of shards.
    public let shardCount: Int
    /// Where the pipeline reports its metrics.
    public let metrics: PipelineMetrics
    /// Whether a progress line is shown on standard error (only when it is a terminal).
    public let showProgress: Bool
    private let logger: Logger

    /// How many batches may wait between stages.
    static let queueCapacity = 4

    /// Prepares to run `pipeline` with `ruleSet` (which must have been loaded with
    /// ``requiredFields(of:enrichers:)`` as extra fields) and the built `enrichers`.
    public init(pipeline: Pipeline, ruleSet: RuleSet, enrichers: [any AlertEnricher] = [],
                metrics: PipelineMetrics = PipelineMetrics(), showProgress: Bool = false,
                logger: Logger = Logger(label: "tripline.pipeline")) {
        self.pipeline = pipeline
        self.metrics = metrics
        self.showProgress = showProgress && isatty(STDERR_FILENO) != 0
        self.ruleSet = ruleSet
        self.enrichers = enrichers
        self.logger = logger
        switch pipeline.partitioning.shards {
        case .automatic: shardCount = max(1, ProcessInfo.processInfo.activeProcessorCount)
        case .count(let count): shardCount = max(1, count)
        }
    }

    /// Event fields the pipeline itself reads (partition key, enrichers), to load rules with.
    public static func requiredFields(of pipeline: Pipeline, enrichers: [any AlertEnricher]) -> [String] {
        [pipeline.partitioning.key] + enrichers.flatMap(\.requiredFields)
    }

    /// Builds the pipeline's enrichers, loads its rules and prepares a runner.
    public static func prepare(_ pipeline: Pipeline, metrics: PipelineMetrics = PipelineMetrics(), showProgress: Bool = false,
                               logger: Logger = Logger(label: "tripline.pipeline")) throws -> PipelineRunner {
        let enrichers = try pipeline.enrichers.map { try $0.make(StageContext(clientProperties: pipeline.clientProperties)) }
        let ruleSet = try RuleSet.load(from: pipeline.detection.rulesPath,
                                       extraFields: requiredFields(of: pipeline, enrichers: enrichers),
                                       options: pipeline.detection.compileOptions)
        guard ruleSet.failures.isEmpty else { throw PipelineError.rulesFailed(ruleSet.failures) }
        guard !ruleSet.rules.isEmpty else { throw PipelineError.noRules(path: pipeline.detection.rulesPath) }
        let runner = PipelineRunner(pipeline: pipeline, ruleSet: ruleSet, enrichers: enrichers, metrics: metrics,
                                    showProgress: showProgress, logger: logger)
        let spanning = runner.rulesSpanningPartitions
        if runner.shardCount > 1, !spanning.isEmpty {
            let names = spanning.prefix(5).map { "'\($0.rule.name)'" }.joined(separator: ", ")
            logger.warning("""
                \(spanning.count) sequence rule(s) join on neither \(pipeline.partitioning.key) nor an entity id \
                (\(names)\(spanning.count > 5 ? ", …" : "")): with \(runner.shardCount) shards they match only \
                events of one \(pipeline.partitioning.key) value; --shards 1 correlates across them
                """)
            for rule in spanning { logger.debug("joins without \(pipeline.partitioning.key): \(rule.rule.source.path)") }
        }
        return runner
    }

    /// Sequence and sample rules that may correlate events of several partitions, which then meet in
    /// different shards: their join keys include neither the partition key nor, when partitioning by
    /// `host.id`, an Elastic entity id (`process.entity_id`, …, unique to one host).
    public var rulesSpanningPartitions: [DetectionRule] {
        let key = pipeline.partitioning.key
        return ruleSet.rules.filter { rule in
            guard rule.query.query.isSequence || rule.query.query.isSample else { return false }
            return !rule.joinPaths.contains { $0 == key || (key == "host.id" && $0.hasSuffix("entity_id")) }
        }
    }

    /// Runs until the source ends or `stop` is set, then drains: every event read is evaluated,
    /// sequences are completed at end of input, sinks are flushed and closed.
    public func run(stop: StopSignal = StopSignal()) async throws -> RunReport {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { [self] in
                do {
                    continuation.resume(returning: try runBlocking(stop: stop))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "tripline-pipeline"
            thread.start()
        }
    }

    /// Runs on the calling thread (which becomes the output stage) until done.
    public func runBlocking(stop: StopSignal = StopSignal()) throws -> RunReport {
        let started = Date()
        let context = StageContext(clientProperties: pipeline.clientProperties, metricsFactory: metrics.factory)
        let source = try pipeline.source.make(context)
        defer { source.close() }
        let sink = try pipeline.sink.make(context)
        let deadLetterSink = try pipeline.deadLetters.make(context)
        let failure = FirstError()
        let workerQueues = (0 ..< shardCount).map { _ in BoundedQueue<BatchWork>(capacity: Self.queueCapacity) }
        let results = BoundedQueue<WorkerResult>(capacity: Self.queueCapacity * shardCount)
        let partitionField = ruleSet.catalog.id(of: pipeline.partitioning.key)
        logger.info("pipeline \(pipeline.name): \(source.name) → \(ruleSet.rules.count) rules on \(shardCount) shards → \(sink.name)")

        var workers: [Thread] = []
        let finishedWorkers = CountdownLatch(count: shardCount + 1)
        for shard in 0 ..< shardCount {
            let worker = ShardWorker(shard: shard, shardCount: shardCount, ruleSet: ruleSet,
                                     normalizer: pipeline.normalizer, partitionField: partitionField,
                                     allowedLateness: pipeline.detection.allowedLateness,
                                     maximumLaneSkew: pipeline.detection.maximumLaneSkew,
                                     reorderBufferBytes: pipeline.detection.reorderBufferBytes)
            let thread = Thread {
                worker.run(input: workerQueues[shard], output: results)
                finishedWorkers.arriveAndWait()
            }
            thread.name = "tripline-shard-\(shard)"
            workers.append(thread)
            thread.start()
        }
        let reader = Thread { [pipeline] in
            var number = 0
            do {
                try source.run(stop: stop) { batch in
                    guard failure.error == nil else { throw PipelineError.stopped }
                    let work = BatchWork(number: number, batch: batch, slices: workerQueues.count)
                    number += 1
                    for queue in workerQueues { queue.push(work) }
                }
            } catch PipelineError.stopped {
                // Another stage failed; its error is reported.
            } catch {
                failure.record(PipelineError.sourceFailed(name: "\(pipeline.source.description)", underlying: error))
            }
            for queue in workerQueues { queue.close() }
        }
        reader.name = "tripline-source"
        reader.start()
        // Close the results queue once every worker has drained and finished.
        let closer = Thread {
            finishedWorkers.arriveAndWait()
            results.close()
        }
        closer.start()

        var output = OutputStage(enrichers: enrichers, sink: sink, deadLetterSink: deadLetterSink, source: source,
                                 shardCount: shardCount, metrics: metrics, showProgress: showProgress,
                                 warnings: DetectionWarnings(pipeline, logger: logger),
                                 shardQueueDepth: { workerQueues.reduce(0) { $0 + $1.depth } })
        do {
            try output.run(results: results)
        } catch {
            failure.record(error)
            stop.stop()
            // Unblock every stage; threads still mid-batch end with the process.
            for queue in workerQueues { queue.close() }
            results.close()
        }
        if let error = failure.error {
            try? sink.close()
            try? deadLetterSink.close()
            throw error
        }
        try sink.close()
        try deadLetterSink.close()
        var report = output.report
        report.shards = shardCount
        report.seconds = Date().timeIntervalSince(started)
        if let first = output.firstRecordAt {
            report.secondsFromFirstRecord = Double(DispatchTime.now().uptimeNanoseconds - first) / 1e9
        }
        logger.info("pipeline \(pipeline.name) finished: \(report.summary)")
        return report
    }
}

/// Failures that stop a pipeline.
public enum PipelineError: Error, CustomStringConvertible {
    /// Rule files failed to load or compile.
    case rulesFailed([RuleLoadError])
    /// The rules path held no rule.
    case noRules(path: String)
    /// The source failed.
    case sourceFailed(name: String, underlying: any Error)
    /// Internal: the run is being stopped because another stage failed.
    case stopped

    public var description: String {
        switch self {
        case .rulesFailed(let errors):
            "\(errors.count) rule file(s) failed to load:\n" + errors.map { "  \($0)" }.joined(separator: "\n")
        case .noRules(let path): "no rules found at \(path)"
        case .sourceFailed(let name, let underlying): "source \(name) failed: \(underlying)"
        case .stopped: "stopped"
        }
    }
}

/// The first error any thread hit.
final class FirstError: @unchecked Sendable {
    // @unchecked: `stored` is only touched under `lock`.
    private let lock = NSLock()
    private var stored: (any Error)?

    func record(_ error: any Error) {
        lock.lock()
        if stored == nil { stored = error }
        lock.unlock()
    }

    var error: (any Error)? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
