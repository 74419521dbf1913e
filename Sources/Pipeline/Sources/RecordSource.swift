import ECS

/// A batch of raw records handed from a source to the pipeline, with the position it reached.
public struct RecordBatch: Sendable {
    /// The records, in the order the source read them.
    public var records: [RawRecord]
    /// What to hand back to ``RecordSource/commit(_:)`` once every alert and dead letter caused by
    /// these records (and all earlier batches) is durable. `nil` when the source has nothing to commit.
    public var checkpoint: SourceCheckpoint?

    /// For a source with several independently ordered inputs: which lane each record came from and
    /// which lanes are still behind. `nil`: one lane, read in order (files, standard input).
    public var lanes: SourceLanes?

    /// Creates a batch.
    public init(records: [RawRecord], checkpoint: SourceCheckpoint? = nil, lanes: SourceLanes? = nil) {
        precondition(lanes.map { $0.laneOfRecord.count == records.count } ?? true, "one lane per record")
        self.records = records
        self.checkpoint = checkpoint
        self.lanes = lanes
    }
}

/// The *lanes* of a batch: the inputs of a source that are each read in order but not in step with
/// one another (Kafka partitions).
///
/// Replaying a backlog, a consumer may read one partition's whole hour before another partition's
/// first minute. The runner keeps the newest event time per lane and does not let sequence rules
/// move past a lane that is still ``behind``, so lanes read late do not make their events late.
public struct SourceLanes: Sendable {
    /// The lane of each record, parallel to ``RecordBatch/records``. Lane numbers are the source's
    /// own, dense from 0 (they index arrays), and stay the same for the whole run.
    public var laneOfRecord: [Int32]
    /// Lanes with records the source has not delivered yet (as of this batch), whose event time
    /// therefore lags what was read: sequence rules wait for them. A source stops listing a lane that
    /// has stopped delivering (its broker is unreachable), so one stuck lane cannot stall the rest.
    public var behind: [Int32]

    /// Creates the lanes of a batch.
    public init(laneOfRecord: [Int32], behind: [Int32]) {
        self.laneOfRecord = laneOfRecord
        self.behind = behind
    }
}

/// An opaque, source-specific position (Kafka: next offset per topic-partition; files: nothing).
///
/// A checkpoint is cumulative: it covers every record the source delivered up to and including its
/// batch. The runner never looks inside: it keeps checkpoints in batch order and commits the newest
/// one whose batch and all earlier batches are processed, whose alerts are flushed, and whose events
/// are settled (out of every sequence's `maxspan` behind the released event time), so that a restart
/// from the committed position loses no partial sequence.
public struct SourceCheckpoint: @unchecked Sendable {
    /// The source's own representation; only the source that made it reads it.
    public let token: any Sendable

    /// Wraps a source-specific position.
    public init(_ token: any Sendable) { self.token = token }
}

/// Tells a running source to stop; sources poll it between batches.
public final class StopSignal: Sendable {
    private let flag = AtomicFlag()

    /// Creates an unset signal.
    public init() {}

    /// Asks every holder to stop at its next opportunity.
    public func stop() { flag.set() }

    /// Whether ``stop()`` was called.
    public var isStopped: Bool { flag.isSet }
}

/// Where raw records come from: a file, standard input, a Kafka topic.
///
/// A source runs on a thread of its own and may block (reads, polls). It hands over batches, never
/// single records, and `emit` blocks while the pipeline is full: that is the back-pressure.
public protocol RecordSource: Sendable {
    /// A short name for logs and metrics (`file:events.ndjson`, `kafka:logs-endpoint.events.process`).
    var name: String { get }

    /// Reads until end of input or until `stop` is set, calling `emit` with each batch.
    func run(stop: StopSignal, emit: (RecordBatch) throws -> Void) throws

    /// Makes `checkpoint` durable (commit offsets). Called in batch order, from the runner's thread.
    func commit(_ checkpoint: SourceCheckpoint) throws

    /// Releases the source (leaves a consumer group) after the runner's last commit.
    func close()
}

extension RecordSource {
    /// Sources without positions to commit need not implement this.
    public func commit(_ checkpoint: SourceCheckpoint) throws {}

    /// Sources without resources to release need not implement this.
    public func close() {}
}
