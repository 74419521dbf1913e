import ECS
@testable import EQL
import Foundation
import Testing
import TOMLKit

/// A query of a conformance suite that does not give Elasticsearch's result, with the reason.
struct KnownDeviation: Hashable {
    let file: String
    let name: String
    let reason: String

    /// Reads `KnownDeviations.toml` beside this test.
    static func load() throws -> [KnownDeviation] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("KnownDeviations.toml")
        let table = try TOMLTable(string: try SharedFiles.text(url))
        return (table["deviation"]?.array ?? []).compactMap { value in
            guard let entry = value.table, let file = entry["file"]?.string, let name = entry["name"]?.string,
                  let reason = entry["reason"]?.string, !reason.isEmpty else { return nil }
            return KnownDeviation(file: file, name: name, reason: reason)
        }
    }
}

/// Runs every entry of the Elasticsearch EQL spec files over their datasets and compares with
/// the expected ids (and join keys). A failure is allowed only when `KnownDeviations.toml` lists
/// it; a listed query that passes is an error too, so the list stays exact.
@Suite(.serialized) struct ElasticsearchConformanceTests {
    struct SuiteFile: CustomTestStringConvertible, Sendable {
        let file: String
        let datasetName: String
        var testDescription: String { file }
    }

    static let files: [SuiteFile] = [
        SuiteFile(file: "test_queries.toml", datasetName: "endgame"),
        SuiteFile(file: "additional_test_queries.toml", datasetName: "endgame"),
        SuiteFile(file: "test_queries_supported.toml", datasetName: "endgame"),
        SuiteFile(file: "test_between_queries.toml", datasetName: "endgame"),
        SuiteFile(file: "test_queries_date.toml", datasetName: "endgame"),
        SuiteFile(file: "test_extra.toml", datasetName: "extra"),
        SuiteFile(file: "test_missing_events.toml", datasetName: "missing-events"),
        SuiteFile(file: "test_sample.toml", datasetName: "sample"),
        SuiteFile(file: "test_sample_multi.toml", datasetName: "sample-multi"),
        SuiteFile(file: "test_sampling.toml", datasetName: "sampling"),
    ]

    static func dataset(_ name: String) throws -> Dataset {
        switch name {
        case "endgame": try Dataset.endgame()
        case "extra": try Dataset.named(["extra"], idField: "sequence", tiebreaker: "sequence")
        case "missing-events": try Dataset.named(["missing-events"], idField: "sequence", tiebreaker: "sequence")
        case "sample": try Dataset.named(["sample1", "sample2", "sample3"], idField: "id", tiebreaker: nil)
        case "sample-multi": try Dataset.named(["sample-multi"], idField: "id", tiebreaker: nil)
        default: try Dataset.named(["sampling1", "sampling2", "sampling3"], idField: "id", tiebreaker: nil)
        }
    }

    /// The query text as run: `test_missing_events.toml` predates Elasticsearch's `![` spelling of
    /// missing-event stages and writes them `-[`; that is the only rewrite.
    static func normalized(_ query: String, file: String) -> String {
        guard file == "test_missing_events.toml" else { return query }
        return query.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let trimmed = line.drop { $0 == " " }
            return trimmed.hasPrefix("-[") ? line.replacingOccurrences(of: "-[", with: "![") : String(line)
        }.joined(separator: "\n")
    }

    /// Runs one entry; `nil` when it passes, else what went wrong.
    static func failure(of entry: SpecEntry, file: String, runner: ConformanceRunner, maxSamplesPerKey: Int) -> String? {
        do {
            let run = try runner.run(normalized(entry.query, file: file), maxSamplesPerKey: maxSamplesPerKey)
            guard entry.expected.contains(run.ids) else {
                return "expected \(entry.expected.count == 1 ? "\(entry.expected[0])" : "one of \(entry.expected)"), got \(run.ids)"
            }
            if let keys = entry.joinKeys, keys != run.joinKeys {
                return "expected join keys \(keys), got \(run.joinKeys)"
            }
            return nil
        } catch {
            return "error: \(error)"
        }
    }

    @Test(arguments: files)
    func specFile(_ suite: SuiteFile) throws {
        let deviations = try KnownDeviation.load().filter { $0.file == suite.file }
        let listed = Dictionary(deviations.map { ($0.name, $0.reason) }, uniquingKeysWith: { first, _ in first })
        let entries = try SpecEntry.load(SharedFiles.elasticsearch.appendingPathComponent(suite.file))
        let maxSamples = try Self.maxSamplesPerKey(suite.file)
        let runner = ConformanceRunner(dataset: try Self.dataset(suite.datasetName))
        var passed = 0
        var deviated = 0
        for entry in entries {
            let failure = Self.failure(of: entry, file: suite.file, runner: runner, maxSamplesPerKey: maxSamples[entry.name] ?? 1)
            switch (failure, listed[entry.name]) {
            case (nil, nil):
                passed += 1
            case (nil, .some):
                Issue.record("\(suite.file) [\(entry.name)] passes but is listed in KnownDeviations.toml: remove it")
            case (.some, .some):
                deviated += 1
            case (.some(let problem), nil):
                let oneLine = entry.query.split(whereSeparator: \.isNewline).joined(separator: " ")
                print("conformance failure \(suite.file) [\(entry.name)] \(problem) | query: \(oneLine)")
                Issue.record("\(suite.file) [\(entry.name)] \(problem)\n  query: \(entry.query)")
            }
        }
        print("conformance \(suite.file): \(passed)/\(entries.count) pass, \(deviated) known deviations")
        #expect(entries.count > 0)
    }

    /// `max_samples_per_key` of each entry (only `test_sample_multi.toml` sets it).
    static func maxSamplesPerKey(_ file: String) throws -> [String: Int] {
        let table = try TOMLTable(string: try SharedFiles.text(SharedFiles.elasticsearch.appendingPathComponent(file)))
        var result: [String: Int] = [:]
        for value in table["queries"]?.array ?? [] {
            if let entry = value.table, let name = entry["name"]?.string, let samples = entry["max_samples_per_key"]?.int {
                result[name] = samples
            }
        }
        return result
    }
}
