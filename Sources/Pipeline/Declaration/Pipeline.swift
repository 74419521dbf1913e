import Detection
import ECS
import EQL

/// A detection pipeline declared in Swift: source → normalizer → partitioner → sharded rule
/// evaluators → enrichers → sink, with a dead-letter destination for bad records.
///
/// ```swift
/// let linuxEndpoint = Pipeline("linux-endpoint", summary: "Elastic Defend events to alerts") {
///     ReadNDJSON(path: "-")
///     Normalize(ElasticEndpointNormalizer())
///     PartitionBy("host.id", shards: .automatic)
///     Detect(rules: "Rules")
///     Enrich(AssetInventory(csvPath: "Config/assets.csv"))
///     WriteNDJSON(path: "-")
/// }
/// ```
///
/// Stages may come in any order in the declaration; each sets its part of the pipeline, and parts left
/// out keep their defaults (standard input, Elastic Endpoint documents, `host.id` over one shard per
/// core, `Rules/`, standard output, bad records reported on standard error). An operator swaps the ends
/// without editing Swift: `tripline run --input`, `--output`, `--rules`, `--shards`.
public struct Pipeline: Sendable {
    /// The name `tripline run NAME` selects.
    public let name: String
    /// One line saying what the pipeline is for (shown by `tripline pipelines`).
    public let summary: String
    /// Where records come from.
    public var source: SourceStage = .file(path: "-")
    /// How records become ECS events.
    public var normalizer: any EventNormalizer = ElasticEndpointNormalizer()
    /// How events are spread over shards.
    public var partitioning = Partitioning()
    /// Which rules run, and how event time is handled.
    public var detection = DetectionSettings()
    /// Stages that add context to alerts, in order.
    public var enrichers: [EnricherStage] = []
    /// Where alerts go.
    public var sink: SinkStage = .file(path: "-")
    /// Where bad records go.
    public var deadLetters: DeadLetterStage = .standardError
    /// Client properties (librdkafka names) that broker-backed stages apply over their own settings
    /// when the pipeline starts: `tripline run --brokers`/`--group` set `bootstrap.servers`/`group.id`.
    public var clientProperties: [String: String] = [:]

    /// Declares a pipeline from its stages.
    public init(_ name: String, summary: String = "", @PipelineBuilder stages: () -> [any PipelineStage]) {
        self.name = name
        self.summary = summary
        for stage in stages() { stage.configure(&self) }
    }
}

/// One stage of a pipeline declaration; it sets its part of the ``Pipeline``.
public protocol PipelineStage: Sendable {
    /// Applies this stage to the pipeline being declared.
    func configure(_ pipeline: inout Pipeline)
}

/// Collects the stages written in a ``Pipeline`` declaration.
@resultBuilder
public enum PipelineBuilder {
    public static func buildExpression(_ stage: any PipelineStage) -> [any PipelineStage] { [stage] }
    public static func buildBlock(_ stages: [any PipelineStage]...) -> [any PipelineStage] { stages.flatMap { $0 } }
    public static func buildOptional(_ stages: [any PipelineStage]?) -> [any PipelineStage] { stages ?? [] }
    public static func buildEither(first stages: [any PipelineStage]) -> [any PipelineStage] { stages }
    public static func buildEither(second stages: [any PipelineStage]) -> [any PipelineStage] { stages }
    public static func buildArray(_ stages: [[any PipelineStage]]) -> [any PipelineStage] { stages.flatMap { $0 } }
}

/// How events are spread over shards.
public struct Partitioning: Sendable {
    /// How many shards.
    public enum ShardCount: Sendable, Hashable {
        /// One per core.
        case automatic
        /// Exactly this many.
        case count(Int)
    }

    /// The field whose value picks the shard (all events with one value meet in one shard, in order).
    public var key: String = "host.id"
    /// How many shards evaluate rules in parallel.
    public var shards: ShardCount = .automatic

    /// Creates partitioning settings.
    public init(key: String = "host.id", shards: ShardCount = .automatic) {
        self.key = key
        self.shards = shards
    }
}

/// Which rules a pipeline runs and how it treats event time.
public struct DetectionSettings: Sendable {
    /// The default ``allowedLateness``.
    public static let defaultAllowedLateness: Duration = .seconds(5)
    /// The default ``maximumLaneSkew``.
    public static let defaultMaximumLaneSkew: Duration = .seconds(600)
    /// The default ``reorderBufferBytes``.
    public static let defaultReorderBufferBytes = RuleEvaluator.defaultMaximumBufferedBytes
    /// The default ``maximumPartialSequences``.
    public static let defaultMaximumPartialSequences = CompileOptions().maxLivePartialSequences

    /// A rule file, or a directory searched recursively for `*.toml`.
    public var rulesPath: String
    /// How late (in event time) an event may arrive and still be ordered correctly for sequences.
    public var allowedLateness: Duration
    /// How far (in event time) sequence rules wait for a source lane (Kafka partition) that is behind
    /// the others; events of a lane further behind count as late. Waiting buffers the other lanes'
    /// sequence events, so this bounds that memory.
    public var maximumLaneSkew: Duration
    /// The most bytes each shard's reorder buffer holds (sequence events waiting for the allowed
    /// lateness to pass); past it the oldest are released early, so memory stays bounded whatever the
    /// event rate. Events arriving behind them then count as late.
    public var reorderBufferBytes: Int
    /// The most partial sequences each sequence rule keeps per shard (a sample rule: join keys); past
    /// it the oldest is evicted, with any alert it would have completed (counted, and warned about).
    public var maximumPartialSequences: Int

    /// Creates detection settings.
    public init(rulesPath: String = "Rules", allowedLateness: Duration = defaultAllowedLateness,
                maximumLaneSkew: Duration = defaultMaximumLaneSkew, reorderBufferBytes: Int = defaultReorderBufferBytes,
                maximumPartialSequences: Int = defaultMaximumPartialSequences) {
        self.rulesPath = rulesPath
        self.allowedLateness = allowedLateness
        self.maximumLaneSkew = maximumLaneSkew
        self.reorderBufferBytes = reorderBufferBytes
        self.maximumPartialSequences = maximumPartialSequences
    }

    /// How rules are compiled under these settings.
    var compileOptions: CompileOptions { CompileOptions(maxLivePartialSequences: maximumPartialSequences) }
}

/// A stage that adds context to alerts before they are written (asset owners, user details, …).
///
/// Enrichers run on the pipeline's output thread over whole batches; keep `enrich` free of blocking
/// I/O (load lookup tables when the enricher is created).
public protocol AlertEnricher: Sendable {
    /// Event fields the enricher reads; they are kept when events are decoded.
    var requiredFields: [String] { get }

    /// Adds fields to the alerts of one batch.
    func enrich(_ alerts: inout [Alert])
}

extension AlertEnricher {
    public var requiredFields: [String] { [] }
}
