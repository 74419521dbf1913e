import ECS

/// Reads NDJSON events from a file, or from standard input for `-`.
public struct ReadNDJSON: PipelineStage {
    let path: String
    /// Reads `path` (`-` for standard input).
    public init(path: String = "-") { self.path = path }
    public func configure(_ pipeline: inout Pipeline) { pipeline.source = .file(path: path) }
}

/// Reads records from any source.
public struct ReadFrom: PipelineStage {
    let stage: SourceStage
    /// Uses `stage` as the pipeline's source.
    public init(_ stage: SourceStage) { self.stage = stage }
    public func configure(_ pipeline: inout Pipeline) { pipeline.source = stage }
}

/// Turns records into ECS events with a normalizer.
public struct Normalize: PipelineStage {
    let normalizer: any EventNormalizer
    /// Uses `normalizer`.
    public init(_ normalizer: any EventNormalizer) { self.normalizer = normalizer }
    public func configure(_ pipeline: inout Pipeline) { pipeline.normalizer = normalizer }
}

/// Spreads events over shards by a stable hash of one field.
public struct PartitionBy: PipelineStage {
    let partitioning: Partitioning
    /// Partitions by `key` (default `host.id`) into `shards` shards.
    public init(_ key: String = "host.id", shards: Partitioning.ShardCount = .automatic) {
        partitioning = Partitioning(key: key, shards: shards)
    }
    public func configure(_ pipeline: inout Pipeline) { pipeline.partitioning = partitioning }
}

/// Evaluates the rules found at a path.
public struct Detect: PipelineStage {
    let settings: DetectionSettings
    /// Runs the rules under `rules`; sequences tolerate `allowedLateness` of out-of-order arrival,
    /// wait up to `maximumLaneSkew` of event time for a Kafka partition behind the others, hold at
    /// most `reorderBufferBytes` per shard while they wait, and keep at most `maximumPartialSequences`
    /// per rule and shard (see ``DetectionSettings``).
    public init(rules: String = "Rules", allowedLateness: Duration = DetectionSettings.defaultAllowedLateness,
                maximumLaneSkew: Duration = DetectionSettings.defaultMaximumLaneSkew,
                reorderBufferBytes: Int = DetectionSettings.defaultReorderBufferBytes,
                maximumPartialSequences: Int = DetectionSettings.defaultMaximumPartialSequences) {
        settings = DetectionSettings(rulesPath: rules, allowedLateness: allowedLateness, maximumLaneSkew: maximumLaneSkew,
                                     reorderBufferBytes: reorderBufferBytes, maximumPartialSequences: maximumPartialSequences)
    }
    public func configure(_ pipeline: inout Pipeline) { pipeline.detection = settings }
}

/// Adds an enricher after detection.
public struct Enrich: PipelineStage {
    let stage: EnricherStage
    /// Appends a ready `enricher`.
    public init(_ enricher: any AlertEnricher) {
        stage = EnricherStage(description: String(describing: type(of: enricher))) { enricher }
    }
    /// Appends the enricher `make` builds when the pipeline starts (so a missing lookup table is a
    /// clear start-up error, not a crash while declaring).
    public init(_ description: String, _ make: @escaping @Sendable () throws -> any AlertEnricher) {
        stage = EnricherStage(description: description, make: make)
    }
    public func configure(_ pipeline: inout Pipeline) { pipeline.enrichers.append(stage) }
}

/// Writes alerts as NDJSON to a file, or to standard output for `-`.
public struct WriteNDJSON: PipelineStage {
    let path: String
    /// Writes to `path` (`-` for standard output).
    public init(path: String = "-") { self.path = path }
    public func configure(_ pipeline: inout Pipeline) { pipeline.sink = .file(path: path) }
}

/// Writes alerts to any sink.
public struct WriteTo: PipelineStage {
    let stage: SinkStage
    /// Uses `stage` as the pipeline's sink.
    public init(_ stage: SinkStage) { self.stage = stage }
    public func configure(_ pipeline: inout Pipeline) { pipeline.sink = stage }
}

/// Sends records that cannot be read somewhere other than standard error.
public struct DeadLetters: PipelineStage {
    let stage: DeadLetterStage
    /// Uses `stage` for bad records.
    public init(_ stage: DeadLetterStage) { self.stage = stage }
    public func configure(_ pipeline: inout Pipeline) { pipeline.deadLetters = stage }
}
