import ECS
@testable import EQL
import Foundation
import Testing
import TOMLKit

/// The test suite of Elastic's original (Python) EQL package, a secondary source of cases: its
/// queries run over the same events as Elasticsearch's suite, and its string-function folding
/// tests run through the evaluator. It is written in EQL's original dialect, so many entries are
/// listed in `KnownDeviations.toml` with the dialect difference that makes them fail.
@Suite(.serialized) struct PythonEQLConformanceTests {
    static let queriesFile = "python-eql/test_queries.toml"
    static let functionsFile = "python-eql/test_string_functions.toml"

    func listed(_ file: String) throws -> [String: String] {
        Dictionary(try KnownDeviation.load().filter { $0.file == file }.map { ($0.name, $0.reason) }, uniquingKeysWith: { a, _ in a })
    }

    func check(_ file: String, name: String, failure: String?, listed: [String: String], passed: inout Int, deviated: inout Int) {
        switch (failure, listed[name]) {
        case (nil, nil): passed += 1
        case (nil, .some): Issue.record("\(file) [\(name)] passes but is listed in KnownDeviations.toml: remove it")
        case (.some, .some): deviated += 1
        case (.some(let problem), nil):
            print("conformance failure \(file) [\(name)] \(problem)")
            Issue.record("\(file) [\(name)] \(problem)")
        }
    }

    @Test func queries() throws {
        let listed = try listed(Self.queriesFile)
        let entries = try SpecEntry.load(SharedFiles.pythonEQL.appendingPathComponent("test_queries.toml"))
        let runner = ConformanceRunner(dataset: try Dataset.endgame())
        var passed = 0
        var deviated = 0
        for entry in entries {
            let failure = ElasticsearchConformanceTests.failure(of: entry, file: Self.queriesFile, runner: runner, maxSamplesPerKey: 1)
            let oneLine = entry.query.split(whereSeparator: \.isNewline).joined(separator: " ")
            check(Self.queriesFile, name: entry.name, failure: failure.map { "\($0) | query: \(oneLine)" }, listed: listed,
                  passed: &passed, deviated: &deviated)
        }
        print("conformance \(Self.queriesFile): \(passed)/\(entries.count) pass, \(deviated) known deviations")
        #expect(entries.count == 241)
    }

    @Test func stringFunctions() throws {
        let listed = try listed(Self.functionsFile)
        let table = try TOMLTable(string: try SharedFiles.text(SharedFiles.pythonEQL.appendingPathComponent("test_string_functions.toml")))
        var passed = 0
        var deviated = 0
        var total = 0
        for section in table.keys.sorted() {
            guard let group = table[section]?.table else { continue }
            let folds = group["fold"]?.table?["tests"]?.array ?? group["tests"]?.array
            for (index, test) in (folds ?? []).enumerated() {
                guard let entry = test.table, let expression = entry["expression"]?.string else { continue }
                total += 1
                let expected = entry["expected"].map(Self.fieldValue) ?? .null
                var failure: String?
                do {
                    let actual = try evaluate(expression)
                    if actual != expected { failure = "\(expression): expected \(expected), got \(actual)" }
                } catch {
                    failure = "\(expression): \(error)"
                }
                check(Self.functionsFile, name: "\(section).fold#\(index + 1)", failure: failure, listed: listed, passed: &passed, deviated: &deviated)
            }
            for (index, test) in (group["verifier"]?.table?["failures"]?.array ?? []).enumerated() {
                guard let expression = test.table?["expression"]?.string else { continue }
                total += 1
                let failure: String? = (try? Verifier.staticType(of: Parser.parseExpression(expression))) == nil
                    ? nil : "\(expression) should be rejected but verifies"
                check(Self.functionsFile, name: "\(section).verifier#\(index + 1)", failure: failure, listed: listed, passed: &passed, deviated: &deviated)
            }
        }
        print("conformance \(Self.functionsFile): \(passed)/\(total) pass, \(deviated) known deviations")
        #expect(total > 100)
    }

    static func fieldValue(_ value: any TOMLValueConvertible) -> FieldValue {
        if let bool = value.bool { return .bool(bool) }
        if let int = value.int { return .integer(Int64(int)) }
        if let double = value.double { return .double(double) }
        if let string = value.string { return .string(string) }
        return .null
    }
}
