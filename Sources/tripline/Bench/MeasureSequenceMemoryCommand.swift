import ArgumentParser
import Detection
import ECS
import EQL
import Foundation
import Workload

/// What live partial sequences cost, as a measuring child process reports it (one JSON line).
struct SequenceMemoryMeasurement: Codable {
    /// The sequence rule driven.
    var rule: String
    /// Events fed, each under its own join key.
    var keys: Int
    /// Partial sequences alive at the end (``EvaluatorStatistics/liveSequences``).
    var liveSequences: Int
    /// Resident memory before and after feeding the events (bytes).
    var residentBefore: Int
    var residentAfter: Int
    /// Mean bytes of one event as read (``Event/heapBytes``: its stored bytes and value slots).
    var averageEventBytes: Double
    /// Mean bytes of one event as a partial sequence holds it (``RetainedEventCodec``).
    var averageHeldEventBytes: Double
    var peakResidentBytes: Int

    /// Resident growth per live partial sequence.
    var bytesPerKey: Double { liveSequences > 0 ? Double(residentAfter - residentBefore) / Double(liveSequences) : 0 }
}

/// `tripline bench measure-sequence-memory`: feeds a sequence rule events that each open a partial
/// sequence under a new join key and never complete it, and reports resident memory per live key.
struct MeasureSequenceMemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure-sequence-memory",
        abstract: "Measure resident memory per live sequence key and print it as JSON (used by `tripline bench`).",
        shouldDisplay: false
    )

    // Option names differ from `bench`'s own, which ArgumentParser would otherwise take for the parent.
    @Option(help: "How many distinct join keys to open.")
    var openKeys: Int

    @Option(help: "The founding rules directory (its sequence rule is driven).")
    var rulesDirectory = "Rules"

    func run() throws {
        let loaded = try LoadedBenchRules.load(.founding, foundingPath: rulesDirectory, corpusPath: rulesDirectory)
        guard let rule = loaded.rules.first(where: { $0.query.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("sequence") }) else {
            throw BenchError.noSequenceRule(path: rulesDirectory)
        }
        // No cap below the number of keys, and no lateness: every event reaches the matcher at once.
        let ruleSet = RuleSet.compile([rule], extraFields: ["host.id"], options: CompileOptions(maxLivePartialSequences: openKeys * 2))
        var reader = EventReader(catalog: ruleSet.catalog, timestampPaths: ruleSet.timestampPaths)
        var evaluator = RuleEvaluator(ruleSet: ruleSet, allowedLateness: 0)
        var workload = OpenSequenceWorkload()
        var alerts: [Alert] = []
        let batchSize = 4096

        // A codec of its own, measuring the compressed form of the same events (what it makes is
        // dropped at once).
        let codec = RetainedEventCodec(reader: reader, wholeSpan: 0)
        func feed(_ count: Int) throws -> (events: Int, bytes: Int, heldBytes: Int) {
            var fed = 0, bytes = 0, heldBytes = 0
            while fed < count {
                let records = workload.nextRecords(min(batchSize, count - fed))
                var events: [Event] = []
                events.reserveCapacity(records.count)
                for record in records {
                    // Exactly sized bytes, as a source hands them over.
                    let event = try reader.read(bytes: Array(record.bytes[...]), origin: record.origin)
                    bytes += event.heapBytes
                    heldBytes += codec.retain(event).heapBytes
                    events.append(event)
                }
                evaluator.process(events, into: &alerts)
                fed += records.count
            }
            return (fed, bytes, heldBytes)
        }

        // Warm up allocator pools and lookup tables, and fill the codec's window of events kept whole
        // (RetainedEventCodec.defaultWholeByteLimit, about 15,000 of these events): a constant per
        // shard, not a cost per key.
        _ = try feed(min(openKeys, 30_000))
        let liveBefore = evaluator.statistics.liveSequences
        let residentBefore = ProcessResources.residentBytes ?? 0
        let fed = try feed(openKeys)
        let residentAfter = ProcessResources.residentBytes ?? 0
        let measurement = SequenceMemoryMeasurement(
            rule: rule.name, keys: fed.events, liveSequences: evaluator.statistics.liveSequences - liveBefore,
            residentBefore: residentBefore, residentAfter: residentAfter,
            averageEventBytes: Double(fed.bytes) / Double(max(1, fed.events)),
            averageHeldEventBytes: Double(fed.heldBytes) / Double(max(1, fed.events)),
            peakResidentBytes: ProcessResources.peakResidentBytes)
        print(String(decoding: try JSONEncoder().encode(measurement), as: UTF8.self))
    }
}
