import Foundation

/// Elastic's Python `eql` engine on the same events, as `scripts/bench-python-eql.py` reports it.
struct PythonEQLMeasurement: Codable {
    var engine: String
    var events: Int
    var seconds: Double
    /// Events per second, JSON decoding included.
    var eventsPerSecond: Double
    /// Events per second of the engine alone (events decoded beforehand).
    var engineEventsPerSecond: Double
    var queries: [String]
    var results: [String: Int]

    enum CodingKeys: String, CodingKey {
        case engine, events, seconds, queries, results
        case eventsPerSecond = "events_per_second"
        case engineEventsPerSecond = "engine_events_per_second"
    }
}

/// The founding rules reading from a Kafka topic, one run per repeat.
struct KafkaMeasurement {
    var brokers: String
    var topic: String
    var runs: [PipelineMeasurement]

    /// The run with the most events per CPU-second.
    var best: PipelineMeasurement { runs.max { $0.eventsPerCPUSecond < $1.eventsPerCPUSecond }! }
    /// The median events per CPU-second of the runs.
    var medianPerCore: Double { runs.map(\.eventsPerCPUSecond).median }
}

/// How many rules a rule set read and compiled.
struct RuleSetCount {
    var filesRead: Int
    var selected: Int
    var compiled: Int
    var failed: Int
}

/// Everything one `tripline bench` run measured, and the table it prints.
struct BenchResults {
    var workload: BenchWorkload
    var cores: Int
    var buildConfiguration: String
    var repeats: Int
    var ruleCounts: [BenchRuleSet: RuleSetCount] = [:]
    /// The events each rule set's runs read.
    var inputs: [BenchRuleSet: BenchWorkload] = [:]
    /// The best run per shard count, by ascending shard count.
    var throughput: [BenchRuleSet: [PipelineMeasurement]] = [:]
    /// The events per CPU-second of every run, per shard count, parallel to ``throughput``. The
    /// fastest run by wall clock is not always the one that used the least CPU (on this VM, about one
    /// run in five is charged a third more CPU time at the same speed), so per-core figures are taken
    /// from these: the best, and the median (the best alone can flatter).
    var perCoreRuns: [BenchRuleSet: [[Double]]] = [:]

    /// The most events per CPU-second of `set`'s runs on the `position`-th shard count.
    func bestPerCore(_ set: BenchRuleSet, _ position: Int) -> Double? { perCoreRuns[set]?[position].max() }

    /// The median events per CPU-second of `set`'s runs on the `position`-th shard count.
    func medianPerCore(_ set: BenchRuleSet, _ position: Int) -> Double? { perCoreRuns[set]?[position].median }
    var halfRate: [BenchRuleSet: PipelineMeasurement] = [:]
    var kafka: KafkaMeasurement?
    var sequenceMemory: SequenceMemoryMeasurement?
    var python: PythonEQLMeasurement?
    var pythonSkipped: String?
    var ruleSets: [BenchRuleSet] = []

    init(workload: BenchWorkload, cores: Int, buildConfiguration: String, repeats: Int) {
        self.workload = workload
        self.cores = cores
        self.buildConfiguration = buildConfiguration
        self.repeats = repeats
    }

    /// The whole report: the throughput table, then latency, memory, the Python comparison and detections.
    func render() -> String {
        var lines: [String] = []
        var header = "Tripline bench: \(workload.events.grouped) events, \((workload.bytes / 1_000_000).grouped) MB"
            + String(format: " (%.0f bytes/event)", workload.averageEventBytes)
        if let hosts = workload.hosts { header += ", \(hosts.grouped) hosts" }
        if let span = workload.eventTimeSpan { header += String(format: ", %.0f s of event time", span) }
        lines.append(header)
        lines.append("\(buildConfiguration) build, \(cores) cores, best of \(repeats) run\(repeats == 1 ? "" : "s") per row; file → pipeline → file")
        lines.append("")
        lines.append(row(["rule set", "rules", "events", "shards", "events/s", "per core*", "median*", "MB/s", "alerts", "p50 ms",
                          "p99 ms", "peak RSS"], widths: Self.throughputWidths))
        for set in ruleSets {
            for (position, run) in (throughput[set] ?? []).enumerated() {
                let best = bestPerCore(set, position).map { Int($0).grouped } ?? "-"
                let median = medianPerCore(set, position).map { Int($0).grouped } ?? "-"
                lines.append(row([set.label, run.rulesCompiled.grouped, run.events.grouped, String(run.shards), Int(run.eventsPerSecond).grouped,
                                  best, median, String(format: "%.0f", run.megabytesPerSecond),
                                  run.alerts.grouped, milliseconds(run.latencyP50), milliseconds(run.latencyP99),
                                  megabytes(run.peakResidentBytes)], widths: Self.throughputWidths))
            }
        }
        lines.append("* per core = events per CPU-second (user + system time of every pipeline thread): the best and the median"
            + " of the \(repeats) runs; the other columns are the fastest run's")
        let scaling = ruleSets.compactMap { set -> String? in
            guard let runs = throughput[set], let first = runs.first, let last = runs.last, runs.count > 1 else { return nil }
            return String(format: "%@ %d → %d shards ×%.2f", set.label, first.shards, last.shards,
                          last.eventsPerSecond / first.eventsPerSecond)
        }
        if !scaling.isEmpty { lines.append("scaling (events/s): " + scaling.joined(separator: "; ")) }
        if !halfRate.isEmpty {
            lines.append("")
            lines.append("latency at half the maximum rate (paced source handing over each millisecond's events; batch handed over → alert written):")
            lines.append(row(["rule set", "rules", "events", "shards", "target/s", "achieved/s", "alerts", "p50 ms", "p99 ms", "peak RSS"]))
            for set in ruleSets {
                guard let run = halfRate[set] else { continue }
                lines.append(row([set.label, run.rulesCompiled.grouped, run.events.grouped, String(run.shards),
                                  Int(run.targetRate ?? 0).grouped, Int(run.eventsPerSecond).grouped,
                                  run.alerts.grouped, milliseconds(run.latencyP50), milliseconds(run.latencyP99), megabytes(run.peakResidentBytes)]))
            }
        }
        if let kafka {
            let best = kafka.best
            lines.append("")
            lines.append("founding rules from Kafka (\(best.events.grouped) events in 4 partitions of \(kafka.topic) at \(kafka.brokers), "
                + "1 shard, a fresh consumer group per run; CPU of the tripline process, broker excluded):")
            var text = "    \(Int(best.eventsPerCPUSecond).grouped) events per CPU-second (median \(Int(kafka.medianPerCore).grouped)), "
                + "\(Int(best.eventsPerSecond).grouped) events/s from the first record, \(best.alerts.grouped) alerts, "
                + "latency p50 \(milliseconds(best.latencyP50)) / p99 \(milliseconds(best.latencyP99)) ms"
            if let position = throughput[.founding]?.firstIndex(where: { $0.shards == 1 }),
               let file = bestPerCore(.founding, position), file > 0 {
                let extra = 1e6 / best.eventsPerCPUSecond - 1e6 / file
                text += String(format: "; the file source's %@ → %.2f µs of CPU more per event", Int(file).grouped, extra)
            }
            lines.append(text)
        }
        if let memory = sequenceMemory {
            lines.append("")
            lines.append(String(format: "sequence state: %@ live keys of \"%@\" never completing: +%@ resident → %.0f bytes per live key "
                                + "(an event is read as %.0f bytes, document and values, and held compressed in %.0f)",
                                memory.liveSequences.grouped, memory.rule, megabytes(memory.residentAfter - memory.residentBefore),
                                memory.bytesPerKey, memory.averageEventBytes, memory.averageHeldEventBytes))
        }
        lines.append("")
        if let python {
            var text = "Python \(python.engine) (\(python.queries.count) founding queries, first \(python.events.grouped) events): "
                + "\(Int(python.eventsPerSecond).grouped) events/s with JSON decoding, \(Int(python.engineEventsPerSecond).grouped) engine only"
            if let first = throughput[.founding]?.first, let tripline = bestPerCore(.founding, 0) {
                text += String(format: " → Tripline ×%.0f per core (%@ events per CPU-second on %d shard)",
                               tripline / max(1, python.eventsPerSecond), Int(tripline).grouped, first.shards)
            }
            lines.append(text)
        } else if let pythonSkipped {
            lines.append("Python eql comparison skipped: \(pythonSkipped)")
        }
        lines.append(contentsOf: detectionLines())
        return lines.joined(separator: "\n")
    }

    private func detectionLines() -> [String] {
        var lines: [String] = []
        for set in ruleSets {
            guard let run = throughput[set]?.last, let count = ruleCounts[set] else { continue }
            var text = "\(set.label): \(count.compiled.grouped) rules compiled"
            if set == .linux { text += " (\(count.selected.grouped) tagged OS: Linux of \(count.filesRead.grouped) corpus files, \(count.failed) failed)" }
            if run.events > 0 {
                text += String(format: "; %.3g of them tested per event after the rule index", Double(run.candidateRules) / Double(run.events))
                text += String(format: "; %.1f %% of the events held in the reorder buffer for sequence rules", 100 * Double(run.heldEvents) / Double(run.events))
                if run.heldEvents > 0 {
                    text += String(format: " (%.1f %% of those parked beside its heap, as they could only extend partial sequences that did not exist)",
                                   100 * Double(run.parkedEvents) / Double(run.heldEvents))
                }
                text += "; \(run.heldEventsCompressed.grouped) held events compressed (still held by a partial sequence once no longer recent)"
                if run.indexMemoLookups > 0 {
                    text += String(format: "; %.1f %% of ", 100 * Double(run.indexMemoHits) / Double(run.indexMemoLookups))
                        + "\(run.indexMemoLookups.grouped) values of fields with contained literals found in the rule index's memo"
                }
            }
            text += "; detections:"
            lines.append(text)
            var detected = run.detections
            // A founding rule that was planted but never fired is listed too, with 0.
            if set == .founding, let expected = workload.expectedDetections {
                for rule in expected.keys where detected[rule] == nil { detected[rule] = 0 }
            }
            for (rule, detections) in detected.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }).prefix(12) {
                var entry = "    \(detections.grouped.leftAligned(8)) \(rule)"
                if set == .founding, let expected = workload.expectedDetections?[rule] {
                    entry += expected == detections ? "  (planted: \(expected), as expected)" : "  (planted: \(expected): MISMATCH)"
                }
                lines.append(entry)
            }
            if run.detections.count > 12 { lines.append("    … and \(run.detections.count - 12) more rules") }
        }
        return lines
    }

    /// Column widths of the throughput table (the others use ``row(_:widths:)``'s default).
    private static let throughputWidths = [14, 6, 10, 7, 11, 11, 9, 7, 8, 8, 8, 9]

    private func row(_ cells: [String], widths: [Int] = [14, 6, 10, 7, 11, 11, 7, 8, 8, 8, 9]) -> String {
        cells.enumerated().map { index, cell in
            index == 0 ? cell.leftAligned(widths[0]) : cell.rightAligned(index < widths.count ? widths[index] : 10)
        }.joined(separator: " ")
    }

    private func milliseconds(_ value: Double?) -> String {
        guard let value else { return "–" }
        return String(format: value < 10 ? "%.2f" : "%.1f", value)
    }

    private func megabytes(_ bytes: Int) -> String { "\((bytes / 1_000_000).grouped) MB" }
}

extension String {
    func leftAligned(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func rightAligned(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

extension [Double] {
    /// The middle value (the upper of the two middle ones for an even count); the array must not be empty.
    var median: Double { sorted()[count / 2] }
}
