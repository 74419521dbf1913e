import CoreMetrics

/// What stage factories get when the pipeline starts.
public struct StageContext: Sendable {
    /// ``Pipeline/clientProperties``: overrides for broker-backed stages' client settings.
    public var clientProperties: [String: String]
    /// Where stages report metrics of their own (the pipeline's ``PipelineMetrics`` factory: with
    /// `--metrics-port`, the Prometheus endpoint's).
    public var metricsFactory: any MetricsFactory

    /// Creates a context.
    public init(clientProperties: [String: String] = [:], metricsFactory: any MetricsFactory = MetricsSystem.factory) {
        self.clientProperties = clientProperties
        self.metricsFactory = metricsFactory
    }
}

/// How a pipeline obtains one of its components (source, sink, enricher, dead-letter sink) when it
/// starts: files are opened, brokers connected and lookup tables loaded then, not at declaration, so
/// a missing file is a clear start-up error.
public struct StageFactory<Component>: Sendable {
    /// Shown in logs and `tripline pipelines`.
    public let description: String
    /// Builds the component from the pipeline's ``StageContext``.
    public let make: @Sendable (StageContext) throws -> Component

    /// A component built by `make`.
    public init(description: String, make: @escaping @Sendable () throws -> Component) {
        self.description = description
        self.make = { _ in try make() }
    }

    /// A component built by `make` from the pipeline's ``StageContext`` (client property overrides).
    public init(description: String, configured make: @escaping @Sendable (StageContext) throws -> Component) {
        self.description = description
        self.make = make
    }
}

/// How a pipeline obtains its source.
public typealias SourceStage = StageFactory<any RecordSource>
/// How a pipeline obtains its alert sink.
public typealias SinkStage = StageFactory<any AlertSink>
/// How a pipeline obtains an enricher.
public typealias EnricherStage = StageFactory<any AlertEnricher>
/// How a pipeline obtains the destination of records that cannot be read.
public typealias DeadLetterStage = StageFactory<any DeadLetterSink>

extension StageFactory where Component == any RecordSource {
    /// NDJSON from a file, or standard input for `-`.
    public static func file(path: String) -> Self {
        Self(description: path == "-" ? "stdin" : path) { FileSource(path: path) }
    }
}

extension StageFactory where Component == any AlertSink {
    /// NDJSON to a file, or standard output for `-`.
    public static func file(path: String) -> Self {
        Self(description: path == "-" ? "stdout" : path) { try FileAlertSink(path: path) }
    }
}

extension StageFactory where Component == any DeadLetterSink {
    /// Each bad record reported on standard error (the first 20 in full, then counted).
    public static var standardError: Self {
        Self(description: "stderr") { StandardErrorDeadLetterSink() }
    }

    /// Bad records as NDJSON lines in a file.
    public static func file(path: String) -> Self {
        Self(description: path) { try FileDeadLetterSink(path: path) }
    }
}
