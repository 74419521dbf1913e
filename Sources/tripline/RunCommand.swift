import ArgumentParser
import Dispatch
import Foundation
import Kafka
import Logging
import Pipeline
import Pipelines
import Prometheus

/// `tripline run`: runs a declared pipeline, with its ends swappable from the command line.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline until its input ends (or SIGINT/SIGTERM), then drain and report.",
        discussion: """
        Events are NDJSON: one ECS document per line, nested ("process": {"name": …}) or dotted \
        ("process.name": …) keys. A line that is not a JSON object is reported on stderr with its \
        file and line number and counted; the stream goes on. Alerts are written one JSON document \
        per line. A summary goes to stderr at the end.

        Sequence rules order events by event time: an event may arrive up to --lateness seconds \
        after newer ones and still be matched as if the input were sorted. From Kafka, they also \
        wait for partitions not yet read to their end (a backlog replayed one partition after \
        another), up to --max-partition-skew seconds of event time behind the others.
        """
    )

    @Argument(help: "The pipeline to run (see `tripline pipelines`). Default: the first one declared.")
    var pipeline: String?

    @Option(name: .shortAndLong, help: "Read events from this NDJSON file ('-' for standard input) instead of the pipeline's source.")
    var input: String?

    @Option(name: .shortAndLong, help: "Write alerts to this file ('-' for standard output) instead of the pipeline's sink.")
    var output: String?

    @Option(help: "A rule file or a directory of rule files (*.toml, searched recursively).")
    var rules: String?

    @Option(help: "Number of shards evaluating rules in parallel (default: the pipeline's, usually one per core).")
    var shards: Int?

    @Option(help: "Allowed lateness in seconds for out-of-order events in sequences (default: the pipeline's, 5).")
    var lateness: Double?

    @Option(help: "Kafka: how far (seconds of event time) sequences wait for a partition behind the others (default: the pipeline's, 600).")
    var maxPartitionSkew: Double?

    @Option(help: ArgumentHelp(
        "Memory each shard may use for sequence events waiting out the lateness, in MiB (default: the pipeline's, 256).",
        discussion: "Past it, the oldest are released early (counted in the summary and in tripline_sequence_early_releases_total) and events arriving behind them count as late."))
    var reorderBufferMb: Int?

    @Option(help: ArgumentHelp(
        "The most partial sequences each sequence rule keeps per shard (default: the pipeline's, 100000).",
        discussion: "Past it, the oldest is evicted with any alert it would have completed (counted in tripline_sequence_evictions_total and warned about, naming the rule)."))
    var maxPartialSequences: Int?

    @Option(help: "Write records that cannot be read to this NDJSON file (with origin and reason) instead of stderr.")
    var deadLetters: String?

    @Option(help: "Kafka: consume this topic instead of the pipeline's source.")
    var topic: String?

    @Option(help: "Kafka: publish alerts to this topic (keyed by host.id) instead of the pipeline's sink.")
    var alertsTopic: String?

    @Option(help: "Kafka: publish records that cannot be read to this topic.")
    var deadLetterTopic: String?

    @Option(help: "Kafka: consumer group, overriding group.id.")
    var group: String?

    @OptionGroup var kafka: KafkaConnectionOptions

    @Flag(help: "Kafka: stop once every assigned partition's end is reached (backfills, tests); a topic that does not exist is an error. Needs --topic.")
    var stopAtEnd = false

    @Option(help: "Serve Prometheus metrics on http://127.0.0.1:PORT/metrics while running.")
    var metricsPort: Int?

    @Flag(inversion: .prefixedNo, help: "Show a progress line on stderr (only when it is a terminal).")
    var progress = true

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    func validate() throws {
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1") }
        if let lateness, lateness < 0 { throw ValidationError("--lateness cannot be negative") }
        if let maxPartitionSkew, maxPartitionSkew < 0 { throw ValidationError("--max-partition-skew cannot be negative") }
        if let reorderBufferMb, reorderBufferMb < 1 { throw ValidationError("--reorder-buffer-mb must be at least 1") }
        if let maxPartialSequences, maxPartialSequences < 1 { throw ValidationError("--max-partial-sequences must be at least 1") }
        if let metricsPort, !(0 ... 65535).contains(metricsPort) { throw ValidationError("--metrics-port must be 0–65535") }
        if input != nil, topic != nil { throw ValidationError("--input and --topic both name the source; give one") }
        if output != nil, alertsTopic != nil { throw ValidationError("--output and --alerts-topic both name the sink; give one") }
        if deadLetters != nil, deadLetterTopic != nil { throw ValidationError("--dead-letters and --dead-letter-topic both name the dead-letter destination; give one") }
        if stopAtEnd, topic == nil { throw ValidationError("--stop-at-end applies to --topic") }
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var selected = try PipelineCatalog.find(pipeline)
        if let input { selected.source = .file(path: input) }
        if let output { selected.sink = .file(path: output) }
        if let rules { selected.detection.rulesPath = rules }
        if let shards { selected.partitioning.shards = .count(shards) }
        if let lateness { selected.detection.allowedLateness = .milliseconds(Int64(lateness * 1000)) }
        if let maxPartitionSkew { selected.detection.maximumLaneSkew = .milliseconds(Int64(maxPartitionSkew * 1000)) }
        if let reorderBufferMb { selected.detection.reorderBufferBytes = reorderBufferMb << 20 }
        if let maxPartialSequences { selected.detection.maximumPartialSequences = maxPartialSequences }
        if let deadLetters { selected.deadLetters = .file(path: deadLetters) }
        selected.clientProperties.merge(kafka.clientProperties) { $1 }
        if let group { selected.clientProperties["group.id"] = group }
        let kafkaSettings = kafka.settingsSource
        if let topic {
            selected.source = .kafka(topics: [topic], settings: kafkaSettings, options: KafkaSource.Options(stopAtEnd: stopAtEnd))
        }
        if let alertsTopic { selected.sink = .kafka(topic: alertsTopic, settings: kafkaSettings) }
        if let deadLetterTopic { selected.deadLetters = .kafka(topic: deadLetterTopic, settings: kafkaSettings) }

        var metrics = PipelineMetrics()
        var endpoint: MetricsEndpoint?
        let runner: PipelineRunner
        do {
            if let metricsPort {
                let registry = PrometheusCollectorRegistry()
                metrics = PipelineMetrics(factory: PrometheusMetricsFactory(registry: registry))
                endpoint = try MetricsEndpoint(registry: registry, port: metricsPort)
                FileHandle.standardError.write(Data("tripline: metrics on http://127.0.0.1:\(endpoint!.port)/metrics\n".utf8))
            }
            runner = try PipelineRunner.prepare(selected, metrics: metrics, showProgress: progress)
        } catch {
            FileHandle.standardError.write(Data("tripline: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let stop = StopSignal()
        let signals = SignalHandlers(stop: stop)
        defer { signals.cancel() }
        let report = try await runner.run(stop: stop)
        endpoint?.stop()
        FileHandle.standardError.write(Data("tripline: \(report.summary)\n".utf8))
        if let p50 = report.alertLatencies.percentileMilliseconds(0.5), let p99 = report.alertLatencies.percentileMilliseconds(0.99) {
            FileHandle.standardError.write(Data(String(format: "tripline: alert latency p50 %.1f ms, p99 %.1f ms (batch handed over → alert written)\n", p50, p99).utf8))
        }
        for (rule, count) in report.detectionsByRule.sorted(by: { $0.key < $1.key }) {
            FileHandle.standardError.write(Data("tripline:   \(count) × \(rule)\n".utf8))
        }
    }
}

/// SIGINT/SIGTERM: the first asks the pipeline to stop reading and drain; the second exits at once.
final class SignalHandlers: @unchecked Sendable {
    // @unchecked: `sources` is set once in init and only cancelled afterwards (DispatchSource is thread-safe).
    private let sources: [any DispatchSourceSignal]

    init(stop: StopSignal) {
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.isStopped { exit(130) }
                FileHandle.standardError.write(Data("tripline: stopping: draining in-flight events (signal again to exit now)\n".utf8))
                stop.stop()
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func cancel() { sources.forEach { $0.cancel() } }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
