import ECS

/// A batch of raw records handed from a source to the pipeline, with the position it reached.
public struct RecordBatch: Sendable {
    /// The records, in the order the source read them.
    public var records: [RawRecord]
    /// What to hand back to ``RecordSource/commit(_:)`` once every alert and dead letter caused by
    /// these records (and all earlier batches) is durable. `nil` when the source has nothing to commit.
    public var checkpoint: SourceCheckpoint?

    /// Creates a batch.
    public init(records: [RawRecord], checkpoint: SourceCheckpoint? = nil) {
        self.records = records
        self.checkpoint = checkpoint
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
