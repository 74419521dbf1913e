internal import CRdKafka
import Foundation
import Logging
import Metrics
import Pipeline

/// Reads raw records from Kafka topics as a member of a consumer group, for at-least-once pipelines.
///
/// ```swift
/// let source = try KafkaSource(topics: ["logs-endpoint.events.process"],
///                              settings: try KafkaSettings.file("Config/kafka.properties")
///                                  .overriding(brokers: "127.0.0.1:9092", groupID: "tripline"))
/// ```
///
/// - Batches: a poll thread collects up to ``Options/maxBatchSize`` messages or waits at most
///   ``Options/maxBatchWait``, whichever comes first; each record's origin is
///   `.kafka(topic:partition:offset:)`. Each batch's checkpoint is a ``KafkaCheckpoint``.
/// - Lanes: each partition is a lane of the batch's ``SourceLanes``; a partition is *behind* while
///   the consumer has more than one offset left to read before its end (as of the last fetch; the
///   last may be a transaction marker), so a backlog replayed one partition after another raises
///   the alerts of sorted input.
/// - Commits: ``commit(_:)`` commits a checkpoint synchronously. Nothing is committed otherwise
///   (`enable.auto.commit=false`), so after a crash the group resumes at the last checkpoint the
///   runner committed, i.e. after the last batch whose alerts were all acknowledged.
/// - Back-pressure: when ``Options/bufferedBatches`` batches wait for the pipeline, the source pauses
///   its partitions and keeps polling (so it stays in the group) until there is room again.
/// - Rebalance: records of revoked partitions not yet handed to the pipeline are dropped; the source
///   waits up to ``Options/revokeDrainTimeout`` for the runner to commit what it was handed, then
///   forgets the partitions: offsets read before the revocation are never committed afterwards.
///   Newly assigned partitions start from the group's committed offsets (`auto.offset.reset`, default
///   `earliest`, when the group has none).
///
/// ``run(stop:emit:)`` may be called once. It returns without leaving the group, so the runner can
/// still commit the final checkpoints; ``close()`` (or releasing the source) leaves the group.
public final class KafkaSource: RecordSource {
    /// Batching, buffering and rebalance behaviour.
    public struct Options: Sendable {
        /// Most records in one batch.
        public var maxBatchSize: Int
        /// Longest time a poll waits to fill a batch.
        public var maxBatchWait: Duration
        /// Batches polled ahead of the pipeline before the partitions are paused.
        public var bufferedBatches: Int
        /// How long a revocation waits for in-flight work on the revoked partitions to be committed.
        public var revokeDrainTimeout: Duration
        /// Return from ``KafkaSource/run(stop:emit:)`` once every assigned partition has been read to its
        /// end (tests, backfills) instead of waiting for new messages. A topic that does not exist then
        /// is an error (``KafkaError/unknownTopic(topic:)``), not something to wait for.
        public var stopAtEnd: Bool
        /// How long a partition with unread records that delivers nothing (or a newly assigned one
        /// before its first record) keeps holding sequence rules back to its event time (see
        /// ``SourceLanes``); after that its late records count as late.
        public var laggingPartitionHold: Duration

        /// Creates options; the defaults suit a long-running pipeline.
        public init(maxBatchSize: Int = 1024, maxBatchWait: Duration = .milliseconds(100), bufferedBatches: Int = 4,
                    revokeDrainTimeout: Duration = .seconds(5), stopAtEnd: Bool = false,
                    laggingPartitionHold: Duration = .seconds(30)) {
            self.laggingPartitionHold = laggingPartitionHold
            self.maxBatchSize = max(1, maxBatchSize)
            self.maxBatchWait = maxBatchWait
            self.bufferedBatches = max(1, bufferedBatches)
            self.revokeDrainTimeout = revokeDrainTimeout
            self.stopAtEnd = stopAtEnd
        }
    }

    /// The topics subscribed to.
    public let topics: [String]
    /// The options in effect.
    public let options: Options
    /// Whether partitions without a committed offset start at their end (`auto.offset.reset`).
    private let resetsToEnd: Bool
    private let consumer: KafkaConsumer
    private let state: KafkaSourceState
    private let metricsFactory: any MetricsFactory
    private let logger: Logger

    /// Creates the source and its consumer; `settings` must name `bootstrap.servers` and `group.id`.
    /// The consumer lag of each partition (``KafkaLagGauges``) is reported to `metricsFactory`.
    public init(topics: [String], settings: KafkaSettings, options: Options = Options(),
                metricsFactory: any MetricsFactory = MetricsSystem.factory,
                logger: Logger = Logger(label: "tripline.kafka.source")) throws(KafkaError) {
        guard settings.groupID != nil else {
            throw .missingSetting(key: "group.id", reason: "a Kafka source reads as a member of a consumer group; "
                + "set group.id in the properties file or pass --group")
        }
        let state = KafkaSourceState(capacity: options.bufferedBatches, laneHold: options.laggingPartitionHold)
        var consumerSettings = settings.withDefaults(["enable.auto.offset.store": "false"])
        if options.stopAtEnd { consumerSettings["enable.partition.eof"] = "true" }
        consumer = try KafkaConsumer(settings: consumerSettings, logger: logger) { rebalance in
            switch rebalance {
            case .assigned(let partitions):
                state.assign(partitions)
            case .revoked(let partitions), .lost(let partitions):
                let lost = if case .lost = rebalance { true } else { false }
                let outcome = state.revoke(partitions, lost: lost, drainTimeout: options.revokeDrainTimeout)
                if outcome.dropped > 0 || !outcome.drained {
                    let names = partitions.map(\.description).joined(separator: ", ")
                    let unfinished = outcome.drained ? "" : "; in-flight work not committed (the next owner reads it again)"
                    logger.notice("\(names) left this consumer: \(outcome.dropped) buffered record(s) dropped\(unfinished)")
                }
            }
        }
        self.topics = topics
        self.options = options
        resetsToEnd = ["latest", "largest", "end"].contains(consumerSettings["auto.offset.reset"]?.lowercased() ?? "earliest")
        self.state = state
        self.metricsFactory = metricsFactory
        self.logger = logger
    }

    deinit {
        close()
    }

    /// `kafka:topic-a,topic-b`.
    public var name: String { "kafka:" + topics.joined(separator: ",") }

    /// The partitions this source currently owns.
    public var assignment: [KafkaTopicPartition] { consumer.assignment }

    /// Subscribes, then hands over batches until `stop` is set (or, with ``Options/stopAtEnd``, until
    /// every assigned partition is read to its end). Consumer errors (authorization, fatal) are thrown.
    public func run(stop: StopSignal, emit: (RecordBatch) throws -> Void) throws {
        if options.stopAtEnd { try checkTopicsExist() }
        try consumer.subscribe(to: topics)
        let pollerStop = StopSignal()
        let poller = Thread { [self] in poll(until: stop, or: pollerStop) }
        poller.name = "tripline.kafka.poll"
        poller.start()
        defer {
            pollerStop.stop()
            state.beginStopping()
            state.waitUntilFinished()
        }
        while !stop.isStopped {
            switch state.take(timeout: .milliseconds(100)) {
            case .batch(let batch):
                try emit(batch)
            case .idle:
                continue
            case .finished(let error):
                if let error { throw error }
                return
            }
        }
    }

    /// Reading to the end of a topic that does not exist would wait forever for the group to be
    /// assigned a partition: fails with ``KafkaError/unknownTopic(topic:)`` unless every topic shows
    /// up in the cluster's metadata within ``topicWait`` (a topic just created may take a moment).
    private func checkTopicsExist() throws(KafkaError) {
        if let missing = try consumer.missingTopics(topics, waitingAtMost: Self.topicWait).first {
            throw .unknownTopic(topic: missing)
        }
    }

    /// How long ``Options/stopAtEnd`` waits for its topics to exist.
    static let topicWait: Duration = .seconds(5)

    /// Commits `checkpoint` (a ``KafkaCheckpoint`` made by this source) and waits for the broker.
    ///
    /// Partitions revoked since the checkpoint was made are left out. A commit refused because the group
    /// is rebalancing is not an error: those records are read again by the partitions' next owner.
    public func commit(_ checkpoint: SourceCheckpoint) throws {
        guard let checkpoint = checkpoint.token as? KafkaCheckpoint else {
            preconditionFailure("KafkaSource.commit was given a checkpoint made by another source")
        }
        let offsets = state.offsetsToCommit(checkpoint)
        guard !offsets.isEmpty else { return }
        do {
            try consumer.commit(offsets.mapValues(\.offset))
        } catch {
            if case .commitFailed(let code, _) = error, Self.rebalanceCodes.contains(code) {
                logger.info("commit skipped, the group is rebalancing: \(code)")
                return
            }
            throw error
        }
        state.didCommit(offsets)
        logger.trace("committed \(KafkaCheckpoint(positions: offsets))")
    }

    /// Leaves the consumer group and stops fetching. Idempotent.
    public func close() {
        state.beginStopping()
        consumer.close()
    }

    /// Commit errors that mean the group moved on (this member's partitions may be someone else's now).
    private static let rebalanceCodes: Set<KafkaErrorCode> = [
        .rebalanceInProgress,
        KafkaErrorCode(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION),
        KafkaErrorCode(RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID),
        KafkaErrorCode(RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST),
        KafkaErrorCode(RD_KAFKA_RESP_ERR__STATE),
    ]

    /// The poll thread: fills the state's queue, pausing the partitions while it is full.
    private func poll(until stop: StopSignal, or pollerStop: StopSignal) {
        do {
            var paused = false
            var expectedBytes = 0
            let lag = KafkaLagGauges(factory: metricsFactory)
            var lagReported = ContinuousClock.now
            while !stop.isStopped, !pollerStop.isStopped {
                let full = state.isFull
                if full {
                    try consumer.pause(consumer.assignment)
                    paused = true
                } else if paused {
                    try consumer.resume(consumer.assignment)
                    paused = false
                }
                readStartsOfNewPartitions()
                let batch = try consumer.pollValues(maxMessages: options.maxBatchSize,
                                                    timeout: full ? .milliseconds(50) : options.maxBatchWait,
                                                    expectedBytes: expectedBytes)
                if !batch.isEmpty { expectedBytes = batch.bytes.count + batch.bytes.count / 8 }
                // The partitions' offset ranges matter to a batch's lanes and to the lag; an idle
                // source looks them up (and reports the lag) once a second.
                let reportsLag = !batch.isEmpty || ContinuousClock.now - lagReported >= .seconds(1)
                let offsetRanges = reportsLag ? cachedOffsetRanges() : [:]
                let stalled = state.accept(batch, offsetRanges: offsetRanges)
                if reportsLag {
                    lag.record(state.unreadCounts(offsetRanges: offsetRanges))
                    lagReported = .now
                }
                if !stalled.isEmpty { warnStalled(stalled) }
                if options.stopAtEnd, state.isCaughtUp { break }
            }
            state.finish(nil)
        } catch .closed {
            state.finish(nil) // close() was called while running: an ordinary end
        } catch {
            state.finish(error)
        }
    }

    /// Asks the group where newly assigned partitions resume, so that one already read to its end
    /// does not hold sequence rules back until the hold runs out.
    private func readStartsOfNewPartitions() {
        let partitions = state.takePartitionsWithUnknownStart()
        guard !partitions.isEmpty else { return }
        do {
            let committed = try consumer.committedOffsets(for: partitions, timeout: .seconds(5))
            state.setStarts(of: partitions, committed: committed, resetToEnd: resetsToEnd)
        } catch {
            logger.info("could not read the committed offsets of newly assigned partitions: \(error)")
        }
    }

    /// The assigned partitions' offsets as of the consumer's last fetch from each.
    private func cachedOffsetRanges() -> [KafkaTopicPartition: Range<Int64>] {
        var ranges: [KafkaTopicPartition: Range<Int64>] = [:]
        for partition in consumer.assignment {
            if let range = consumer.cachedOffsetRange(of: partition) { ranges[partition] = range }
        }
        return ranges
    }

    private func warnStalled(_ partitions: [KafkaTopicPartition]) {
        let names = partitions.map(\.description).joined(separator: ", ")
        let message = "\(names) delivered nothing for \(options.laggingPartitionHold) with records still unread: "
            + "sequence rules stop waiting for it; its records count as late if they arrive more than the "
            + "allowed lateness behind the other partitions"
        logger.warning("\(message)")
    }
}
