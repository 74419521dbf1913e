import ArgumentParser
import ECS
import Foundation

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

    @Option(help: "Documents read from the start of the workload (kept in memory, one buffer).")
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
        // The bench pipeline's partition key, as `measure-pipeline` compiles the rules.
        let catalog = loaded.compile(extraFields: ["host.id"]).catalog
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
        roundNanoseconds.sort()
        let count = Double(records.count)
        let measurement = ReaderMeasurement(
            ruleSet: measured.ruleSet, documents: records.count,
            averageBytes: Double(records.reduce(0) { $0 + $1.bytes.count }) / count,
            paths: catalog.paths, valuesPerDocument: Double(values) / count,
            bestNanosecondsPerDocument: roundNanoseconds[0] / count,
            medianNanosecondsPerDocument: roundNanoseconds[roundNanoseconds.count / 2] / count)
        print(String(decoding: try JSONEncoder().encode(measurement), as: UTF8.self))
    }

    /// The first `count` non-empty lines of `path`, each a slice of one buffer (as a file source's
    /// records are slices of its read buffer).
    private static func firstRecords(of path: String, count: Int) throws -> [RawRecord] {
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw BenchError.unreadableWorkload(path: path, reason: "no such file, or not readable")
        }
        let buffer = [UInt8](contents)
        let source = InputName(path)
        var records: [RawRecord] = []
        var lineNumber = 0
        var start = 0
        while start < buffer.count, records.count < count {
            let end = buffer[start...].firstIndex(of: 0x0A) ?? buffer.count
            lineNumber += 1
            if end > start { records.append(RawRecord(bytes: buffer[start ..< end], origin: .line(source: source, number: lineNumber))) }
            start = end + 1
        }
        return records
    }
}
