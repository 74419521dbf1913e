import ArgumentParser
import Detection
import ECS
import Foundation
import Kafka
import Logging
import Pipeline

/// One pipeline run's figures, as a measuring child process reports them (one JSON line).
struct PipelineMeasurement: Codable {
    var ruleSet: BenchRuleSet
    var rulesCompiled: Int
    var rulesFailed: Int
    var shards: Int
    /// The paced source's target rate, `nil` when the file was read at full speed.
    var targetRate: Double?
    var events: Int
    var bytes: Int
    var seconds: Double
    /// CPU seconds (user + system, every thread) spent in the run.
    var cpuSeconds: Double
    var alerts: Int
    var detections: [String: Int]
    var latencyP50: Double?
    var latencyP99: Double?
    var peakResidentBytes: Int
    var deadLetters: Int
    var lateEvents: Int
    /// Rules tested on the events after the rule index's look-up, summed over the events.
    var candidateRules: Int
    /// Events the reorder buffers took for sequence rules (each copied out of its batch).
    var heldEvents: Int
    /// Of those, events parked beside the heap: they could only extend partial sequences that did not exist.
    var parkedEvents: Int
    /// Events sequence rules held and compressed (those still held once no longer recent).
    var heldEventsCompressed: Int
    /// Values the rule index looked up in its memo of recent values, and found there.
    var indexMemoLookups: Int
    var indexMemoHits: Int
    /// Whether the events came from a Kafka topic (then ``seconds`` counts from the first record, not
    /// from joining the consumer group).
    var fromKafka: Bool

    var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
    var eventsPerCPUSecond: Double { cpuSeconds > 0 ? Double(events) / cpuSeconds : 0 }
    var megabytesPerSecond: Double { seconds > 0 ? Double(bytes) / 1e6 / seconds : 0 }
}

/// `tripline bench measure-pipeline`: one file → file (or Kafka topic → file) run of the full
/// pipeline in a fresh process (so peak RSS is this run's), reported as one JSON line on standard output.
struct MeasurePipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure-pipeline",
        abstract: "Run the pipeline once on a workload and print its figures as JSON (used by `tripline bench`).",
        shouldDisplay: false
    )

    @OptionGroup var measured: MeasurementOptions

    // Option names differ from `bench`'s own, which ArgumentParser would otherwise take for the parent.
    @Option(help: "Shards.")
    var shardCount: Int

    @Option(help: "Replay at this many events per second instead of reading at full speed.")
    var pacedRate: Double?

    @Option(help: "Where alerts are written.")
    var alertsFile: String

    @Option(help: "Read the events from this Kafka topic to its end (a fresh consumer group) instead of --events-file, which then only gives the byte count.")
    var kafkaTopic: String?

    @Option(help: "The broker of --kafka-topic (host:port).")
    var kafkaBrokers: String?

    func validate() throws {
        if (kafkaTopic == nil) != (kafkaBrokers == nil) { throw ValidationError("--kafka-topic and --kafka-brokers go together") }
    }

    func run() throws {
        let loaded = try measured.loadRules()
        let eventsFile = measured.eventsFile
        let pacedRate = pacedRate
        let source: SourceStage
        if let kafkaTopic, let kafkaBrokers {
            // The session settings of Config/kafka.properties: with librdkafka's defaults (a 45 s session),
            // joining a new group took Tansu over 20 s.
            var settings = KafkaSettings(["bootstrap.servers": kafkaBrokers, "session.timeout.ms": "6000", "heartbeat.interval.ms": "500"])
            settings.groupID = "tripline-bench-\(getpid())"
            source = .kafka(topics: [kafkaTopic], settings: .inline(settings), options: KafkaSource.Options(stopAtEnd: true))
        } else {
            source = SourceStage(description: eventsFile) {
                if let pacedRate { return PacedSource(path: eventsFile, recordsPerSecond: pacedRate) }
                return FileSource(path: eventsFile)
            }
        }
        var pipeline = Pipeline("bench") {
            ReadFrom(source)
            PartitionBy(MeasurementOptions.partitionKey, shards: .count(shardCount))
            WriteNDJSON(path: alertsFile)
        }
        pipeline.detection.allowedLateness = .seconds(5)
        let compiled = loaded.compile(extraFields: PipelineRunner.requiredFields(of: pipeline, enrichers: []))
        var logger = Logger(label: "tripline.bench")
        logger.logLevel = .warning
        let runner = PipelineRunner(pipeline: pipeline, ruleSet: compiled, logger: logger)
        if kafkaTopic == nil { try Self.readThrough(eventsFile) }
        let cpuBefore = ProcessResources.cpuSeconds
        let report = try runner.runBlocking()
        let cpuSeconds = ProcessResources.cpuSeconds - cpuBefore
        let size = (try? FileManager.default.attributesOfItem(atPath: eventsFile)[.size] as? Int) ?? 0
        let measurement = PipelineMeasurement(
            ruleSet: measured.ruleSet, rulesCompiled: compiled.rules.count, rulesFailed: compiled.failures.count + loaded.unreadable.count,
            shards: shardCount, targetRate: pacedRate, events: report.events, bytes: size,
            seconds: kafkaTopic == nil ? report.seconds : report.secondsFromFirstRecord, cpuSeconds: cpuSeconds,
            alerts: report.alerts, detections: report.detectionsByRule,
            latencyP50: report.alertLatencies.percentileMilliseconds(0.5), latencyP99: report.alertLatencies.percentileMilliseconds(0.99),
            peakResidentBytes: ProcessResources.peakResidentBytes, deadLetters: report.deadLetters, lateEvents: report.lateEvents,
            candidateRules: report.candidateRules, heldEvents: report.heldEvents, parkedEvents: report.parkedEvents, heldEventsCompressed: report.heldEventsCompressed,
            indexMemoLookups: report.indexMemoLookups, indexMemoHits: report.indexMemoHits,
            fromKafka: kafkaTopic != nil)
        print(String(decoding: try JSONEncoder().encode(measurement), as: UTF8.self))
    }

    /// Reads `path` through once, unmeasured, so the run finds it in the page cache and measures the
    /// pipeline, not the disk. (This VM reclaims page cache it deems cold within minutes: a run that
    /// read its workload from disk spent 0.90 CPU-seconds on 300,000 events instead of 0.57.)
    private static func readThrough(_ path: String) throws {
        guard let file = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read \(path)") }
        defer { try? file.close() }
        while let chunk = try file.read(upToCount: 1 << 20), !chunk.isEmpty {}
    }
}

extension BenchRuleSet: ExpressibleByArgument {}
