import ArgumentParser
import ECS
import Foundation
import Pipeline

/// The JSON reader's speed alone, as `tripline bench measure-reader` reports it (one JSON line).
struct ReaderMeasurement: Codable {
    var ruleSet: BenchRuleSet
    /// Documents read per round, and their mean size in bytes.
    var documents: Int
    var averageBytes: Double
    /// The paths the reader keeps (the rule set's catalog and the bench pipeline's partition key).
    var paths: [String]
    /// Values kept per document, on average.
    var valuesPerDocument: Double
    /// Nanoseconds per document: the fastest round and the median round.
    var bestNanosecondsPerDocument: Double
    var medianNanosecondsPerDocument: Double
}

/// `tripline bench measure-reader`: reads the first documents of a workload into memory, then times
/// `EventReader` alone on them (validating each document and keeping the rule set's fields, as a
/// shard does), round after round. `scripts/simdjson-floor.sh` sets it beside simdjson on the same
/// documents and paths.
struct MeasureReaderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure-reader",
        abstract: "Time the JSON reader alone on a workload's documents and print the figures as JSON.",
        shouldDisplay: false
    )

    @OptionGroup var measured: MeasurementOptions

    @Option(help: "Documents read from the start of the workload (kept in memory, as the file source reads them).")
    var documentCount = 100_000

    @Option(help: "Timed rounds over all the documents.")
    var rounds = 5

    func validate() throws {
        guard documentCount > 0 else { throw ValidationError("--document-count must be at least 1") }
        guard rounds > 0 else { throw ValidationError("--rounds must be at least 1") }
    }

    func run() throws {
        let loaded = try measured.loadRules()
        let eventsFile = measured.eventsFile
        // The fields `measure-pipeline` reads: the rules' and the bench pipeline's partition key.
        let catalog = loaded.compile(extraFields: [MeasurementOptions.partitionKey]).catalog
        let records = try Self.firstRecords(of: eventsFile, count: documentCount)
        guard !records.isEmpty else { throw BenchError.unreadableWorkload(path: eventsFile, reason: "no documents") }
        var reader = EventReader(catalog: catalog)
        var values = 0
        var roundNanoseconds: [Double] = []
        for _ in 0 ..< rounds {
            values = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for record in records {
                do throws(EventReadError) {
                    values &+= try reader.read(record).slots.count
                } catch {
                    throw BenchError.unreadableDocument(origin: record.origin, reason: error.description)
                }
            }
            roundNanoseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start))
        }
        let count = Double(records.count)
        let measurement = ReaderMeasurement(
            ruleSet: measured.ruleSet, documents: records.count,
            averageBytes: Double(records.reduce(0) { $0 + $1.bytes.count }) / count,
            paths: catalog.paths, valuesPerDocument: Double(values) / count,
            bestNanosecondsPerDocument: roundNanoseconds.min()! / count,
            medianNanosecondsPerDocument: roundNanoseconds.median / count)
        print(String(decoding: try JSONEncoder().encode(measurement), as: UTF8.self))
    }

    /// The first `count` records of `path`, read by the pipeline's own `FileSource` (blank lines
    /// skipped, line numbers kept, each record a slice of the source's read buffer).
    private static func firstRecords(of path: String, count: Int) throws -> [RawRecord] {
        var records: [RawRecord] = []
        let stop = StopSignal()
        try FileSource(path: path).run(stop: stop) { batch in
            records += batch.records.prefix(count - records.count)
            if records.count == count { stop.stop() }
        }
        return records
    }
}
