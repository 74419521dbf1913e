import ArgumentParser
import Foundation
import Pipeline
import Workload

/// `tripline bench`: generates a reproducible workload and measures the full pipeline on it.
///
/// Each measurement runs in a fresh `tripline` process (hidden subcommands), so peak RSS is per
/// run. Progress goes to standard error, the results table to standard output.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput, latency and memory of the full pipeline on a generated workload.",
        discussion: """
        Generates a reproducible stream of Elastic Defend Linux process events (thousands of hosts, \
        real process trees, ~1.5 KB per event, a controlled fraction tripping the rules, arrival jitter \
        within the allowed lateness), then runs the pipeline file → file for each rule set and shard \
        count and prints events/s, events per CPU-second, MB/s, alerts, alert latency p50/p99 and peak \
        RSS; then latency at half the maximum rate (paced source), memory per live sequence key, and \
        Elastic's Python eql engine on the same events. Build with -c release for meaningful figures.

        Rule sets: `founding` (Rules/) and `linux` (every rule of ../shared/rules-corpus tagged \
        "OS: Linux" that compiles, read at run time).

        The generated workload is written under $TMPDIR (1.7 GB for a million events) unless \
        --workload keeps it. Ctrl-C or SIGTERM stops the measurement running, removes that scratch \
        directory (and a --workload file still being generated) and exits with 130 (143).
        """,
        subcommands: [MeasurePipelineCommand.self, MeasureSequenceMemoryCommand.self, MeasureReaderCommand.self]
    )

    /// Which rule sets to measure.
    enum RuleChoice: String, ExpressibleByArgument, CaseIterable {
        case founding, linux, both
    }

    @Option(help: "Events in the generated workload (default 1,000,000; --quick: 1,000).")
    var events: Int?

    @Option(help: "Shard counts to measure, comma-separated (default: 1 up to the core count).")
    var shards: String?

    @Option(help: "Rule sets: founding, linux or both.")
    var rules: RuleChoice = .both

    @Option(help: "Use this NDJSON workload (generated there, with a .summary.json beside it, when missing).")
    var workload: String?

    @Option(help: "Events the linux-corpus runs read: the first N of the workload (default 100,000; it is many times slower).")
    var linuxEvents: Int?

    @Option(help: "Runs per configuration; the fastest is reported, with the best and the median events per CPU-second (default 3; --quick: 1).")
    var repeats: Int?

    @Option(help: "Events for the Python eql comparison (default 20,000; --quick: 300; 0 skips it).")
    var pythonEvents: Int?

    @Option(help: "Distinct join keys for the memory-per-sequence-key measurement (default 200,000; --quick: 2,000; 0 skips it).")
    var sequenceKeys: Int?

    @Option(help: ArgumentHelp(
        "Also measure the founding rules reading from Kafka at this broker (host:port).",
        discussion: "The first --kafka-events events are produced to a new 4-partition topic, then read to its end by one shard, "
            + "--repeats times (a fresh consumer group each). Only the tripline process's CPU counts; the topic stays on the broker. "
            + "`bash scripts/kafka-broker.sh start` starts a local Tansu and prints its address."))
    var brokers: String?

    @Option(help: "Events produced for the Kafka measurement (default 300,000; --quick: 1,000).")
    var kafkaEvents: Int?

    @Option(help: "The founding rules directory.")
    var foundingRules = "Rules"

    @Option(help: "Elastic's detection-rules corpus (only rules tagged \"OS: Linux\" are used).")
    var corpus = "../shared/rules-corpus"

    @Option(help: "Seed of the generated workload.")
    var seed: UInt64 = 20_261_125

    @Flag(help: "A small, fast run (a smoke test, not a measurement).")
    var quick = false

    func validate() throws {
        if let events, events < 1 { throw ValidationError("--events must be at least 1") }
        if let repeats, repeats < 1 { throw ValidationError("--repeats must be at least 1") }
        if let linuxEvents, linuxEvents < 1 { throw ValidationError("--linux-events must be at least 1") }
        if let kafkaEvents, kafkaEvents < 1 { throw ValidationError("--kafka-events must be at least 1") }
        if let shards, parsedShards(shards) == nil { throw ValidationError("--shards takes positive counts separated by commas, e.g. 1,2") }
    }

    private func parsedShards(_ text: String) -> [Int]? {
        let counts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return Array(Set(counts.compactMap { $0 })).sorted()
    }

    func run() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let shardCounts = shards.flatMap(parsedShards) ?? (quick ? [1, 2] : Array(1 ... max(1, cores)))
        let ruleSets: [BenchRuleSet] = rules == .both ? [.founding, .linux] : [rules == .founding ? .founding : .linux]
        let repeats = repeats ?? (quick ? 1 : 3)
        #if DEBUG
        let buildConfiguration = "debug"
        log("this is a debug build: figures are not representative (swift build -c release --product tripline)")
        #else
        let buildConfiguration = "release"
        #endif

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tripline-bench-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let interruption = BenchInterruption(removing: [scratch])
        defer {
            interruption.cancel()
            try? FileManager.default.removeItem(at: scratch)
        }
        let eventCount = events ?? (quick ? 1_000 : 1_000_000)
        let settings = WorkloadSettings(seed: seed, eventCount: eventCount, hostCount: quick ? 200 : 5_000,
                                        scenarioFraction: quick ? 0.05 : 0.001)
        let workloadPath = workload ?? scratch.appendingPathComponent("workload.ndjson").path
        let prepared = try BenchWorkload.prepare(path: workloadPath, settings: settings, log: log,
                                                 writing: { interruption.alsoRemove($0) }, completed: { interruption.keep($0) })

        var results = BenchResults(workload: prepared, cores: cores, buildConfiguration: buildConfiguration, repeats: repeats)
        results.ruleSets = ruleSets
        for set in ruleSets {
            let loaded = try LoadedBenchRules.load(set, foundingPath: foundingRules, corpusPath: corpus)
            let compiled = loaded.compile(extraFields: ["host.id"])
            results.ruleCounts[set] = RuleSetCount(filesRead: loaded.filesRead, selected: loaded.rules.count,
                                                   compiled: compiled.rules.count, failed: compiled.failures.count + loaded.unreadable.count)
            log("\(set.label): \(compiled.rules.count) rules compiled" + (set == .linux ? " (\(loaded.rules.count) tagged OS: Linux of \(loaded.filesRead) files)" : ""))
        }

        var inputs: [BenchRuleSet: BenchWorkload] = [.founding: prepared, .linux: prepared]
        let linuxCount = linuxEvents ?? (quick ? prepared.events : 100_000)
        if ruleSets.contains(.linux), linuxCount < prepared.events {
            log("linux corpus runs read the first \(linuxCount.grouped) events")
            inputs[.linux] = try prepared.prefix(linuxCount, writingTo: scratch.appendingPathComponent("workload-linux.ndjson").path)
        }
        results.inputs = inputs

        let alertsPath = scratch.appendingPathComponent("alerts.ndjson").path
        func measure(_ set: BenchRuleSet, shards: Int, rate: Double? = nil, input: BenchWorkload? = nil,
                     kafkaTopic: String? = nil) throws -> PipelineMeasurement {
            var arguments = ["bench", "measure-pipeline", "--events-file", (input ?? inputs[set]!).path, "--rule-set", set.rawValue,
                             "--shard-count", String(shards), "--alerts-file", alertsPath,
                             "--rules-directory", foundingRules, "--corpus-directory", corpus]
            if let rate { arguments += ["--paced-rate", String(rate)] }
            if let kafkaTopic, let brokers { arguments += ["--kafka-topic", kafkaTopic, "--kafka-brokers", brokers] }
            return try MeasuringProcess.run(arguments, as: PipelineMeasurement.self)
        }
        for set in ruleSets {
            var best: [PipelineMeasurement] = []
            var perCoreRuns: [[Double]] = []
            for shardCount in shardCounts {
                var bestRun: PipelineMeasurement?
                var perCore: [Double] = []
                for attempt in 1 ... repeats {
                    let run = try measure(set, shards: shardCount)
                    log(String(format: "%@, %d shard%@, run %d of %d: %@ events/s, %@ per CPU-second, %@ alerts",
                               set.label, shardCount, shardCount == 1 ? "" : "s", attempt, repeats, Int(run.eventsPerSecond).grouped,
                               Int(run.eventsPerCPUSecond).grouped, run.alerts.grouped))
                    if run.eventsPerSecond > bestRun?.eventsPerSecond ?? -1 { bestRun = run }
                    perCore.append(run.eventsPerCPUSecond)
                }
                best.append(bestRun!)
                perCoreRuns.append(perCore)
            }
            results.throughput[set] = best
            results.perCoreRuns[set] = perCoreRuns
            // Latency at half the best rate, on the most shards.
            if let fastest = best.max(by: { $0.eventsPerSecond < $1.eventsPerSecond }) {
                let rate = fastest.eventsPerSecond / 2
                log("\(set.label), \(fastest.shards) shard\(fastest.shards == 1 ? "" : "s"), paced at \(Int(rate).grouped) events/s")
                results.halfRate[set] = try measure(set, shards: fastest.shards, rate: rate)
            }
        }

        if let brokers {
            let count = min(kafkaEvents ?? (quick ? 1_000 : 300_000), prepared.events)
            let input = count < prepared.events
                ? try prepared.prefix(count, writingTo: scratch.appendingPathComponent("workload-kafka.ndjson").path) : prepared
            let topic = "tripline-bench-\(getpid())"
            log("producing \(count.grouped) events to \(topic) (4 partitions) at \(brokers)")
            _ = try MeasuringProcess.capture(MeasuringProcess.executable,
                                             ["produce", "--topic", topic, "--input", input.path, "--partitions", "4", "--brokers", brokers])
            var runs: [PipelineMeasurement] = []
            for attempt in 1 ... repeats {
                let run = try measure(.founding, shards: 1, input: input, kafkaTopic: topic)
                log("founding from Kafka, 1 shard, run \(attempt) of \(repeats): \(Int(run.eventsPerCPUSecond).grouped) per CPU-second, "
                    + "\(run.alerts.grouped) alerts")
                runs.append(run)
            }
            results.kafka = KafkaMeasurement(brokers: brokers, topic: topic, runs: runs)
        }

        let keys = sequenceKeys ?? (quick ? 2_000 : 200_000)
        if keys > 0 {
            log("memory per live sequence key: opening \(keys.grouped) partial sequences")
            results.sequenceMemory = try MeasuringProcess.run(
                ["bench", "measure-sequence-memory", "--open-keys", String(keys), "--rules-directory", foundingRules],
                as: SequenceMemoryMeasurement.self)
        }

        let pythonCount = pythonEvents ?? (quick ? 300 : 20_000)
        if pythonCount > 0 {
            log("Python eql on the first \(pythonCount.grouped) events")
            do {
                results.python = try PythonEQLBaseline.measure(workload: prepared.path, events: pythonCount, rules: foundingRules)
            } catch {
                results.pythonSkipped = "\(error)"
            }
        }
        print(results.render())
    }

    private func log(_ message: String) {
        FileHandle.standardError.write(Data("tripline bench: \(message)\n".utf8))
    }
}
