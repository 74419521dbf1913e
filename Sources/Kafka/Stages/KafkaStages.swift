import Pipeline

/// Where a Kafka stage's client settings come from; resolved when the pipeline starts, then
/// overridden by ``Pipeline/clientProperties`` (the CLI's `--brokers`, `--group`).
public enum KafkaSettingsSource: Sendable, CustomStringConvertible {
    /// A `key=value` properties file (librdkafka names), e.g. `Config/kafka.properties`.
    case file(String)
    /// Settings written in Swift.
    case inline(KafkaSettings)

    /// The settings, with the pipeline's client property overrides applied.
    public func resolve(_ context: StageContext) throws(KafkaError) -> KafkaSettings {
        let base: KafkaSettings
        switch self {
        case .file(let path): base = try KafkaSettings.file(path)
        case .inline(let settings): base = settings
        }
        return base.overriding(with: KafkaSettings(context.clientProperties))
    }

    public var description: String {
        switch self {
        case .file(let path): path
        case .inline: "inline settings"
        }
    }
}

extension SourceStage {
    /// Records from Kafka topics, consumed in a consumer group with offsets committed by the pipeline.
    public static func kafka(topics: [String], settings: KafkaSettingsSource = .file("Config/kafka.properties"),
                             options: KafkaSource.Options = KafkaSource.Options()) -> SourceStage {
        SourceStage(description: "kafka:\(topics.joined(separator: ","))", configured: { context in
            try KafkaSource(topics: topics, settings: settings.resolve(context), options: options,
                            metricsFactory: context.metricsFactory)
        })
    }
}

extension SinkStage {
    /// Alerts to a Kafka topic: JSON values keyed by `host.id`, rule id and alert uuid in headers.
    public static func kafka(topic: String, settings: KafkaSettingsSource = .file("Config/kafka.properties")) -> SinkStage {
        SinkStage(description: "kafka:\(topic)", configured: { context in
            try KafkaAlertSink(topic: topic, settings: settings.resolve(context))
        })
    }
}

extension DeadLetterStage {
    /// Bad records to a Kafka topic: original bytes, reason and origin in headers.
    public static func kafka(topic: String, settings: KafkaSettingsSource = .file("Config/kafka.properties")) -> DeadLetterStage {
        DeadLetterStage(description: "kafka:\(topic)", configured: { context in
            try KafkaDeadLetterSink(topic: topic, settings: settings.resolve(context))
        })
    }
}

/// Consumes Kafka topics as the pipeline's source.
public struct ConsumeKafka: PipelineStage {
    let stage: SourceStage
    /// Consumes `topics` with the settings in `settings` (default `Config/kafka.properties`).
    public init(topics: [String], settings: KafkaSettingsSource = .file("Config/kafka.properties"),
                options: KafkaSource.Options = KafkaSource.Options()) {
        stage = .kafka(topics: topics, settings: settings, options: options)
    }
    public func configure(_ pipeline: inout Pipeline) { pipeline.source = stage }
}

/// Publishes alerts to a Kafka topic.
public struct ProduceAlertsToKafka: PipelineStage {
    let stage: SinkStage
    /// Publishes to `topic`.
    public init(topic: String, settings: KafkaSettingsSource = .file("Config/kafka.properties")) {
        stage = .kafka(topic: topic, settings: settings)
    }
    public func configure(_ pipeline: inout Pipeline) { pipeline.sink = stage }
}

/// Publishes bad records to a Kafka dead-letter topic.
public struct KafkaDeadLetters: PipelineStage {
    let stage: DeadLetterStage
    /// Publishes to `topic`.
    public init(topic: String, settings: KafkaSettingsSource = .file("Config/kafka.properties")) {
        stage = .kafka(topic: topic, settings: settings)
    }
    public func configure(_ pipeline: inout Pipeline) { pipeline.deadLetters = stage }
}
