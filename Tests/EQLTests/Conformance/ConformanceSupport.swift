import ECS
@testable import EQL
import Foundation
import TOMLKit

/// Where the shared, read-only test material lives: `../shared` beside the package root.
enum SharedFiles {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static let elasticsearch = shared.appendingPathComponent("conformance/elasticsearch-eql")
    static let pythonEQL = shared.appendingPathComponent("conformance/python-eql")
    static let rulesCorpus = shared.appendingPathComponent("rules-corpus")

    static func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }
}

/// One `[[queries]]` entry of a spec file.
struct SpecEntry {
    /// The entry's name, or `#N` (1-based position) for unnamed entries.
    let name: String
    let query: String
    /// Acceptable results: each a flat list of ids (sequences flattened, -1 for missing stages).
    let expected: [[Int64]]
    let joinKeys: [String]?

    /// Reads the entries of a TOML spec file.
    static func load(_ url: URL) throws -> [SpecEntry] {
        let table = try TOMLTable(string: try SharedFiles.text(url))
        guard let queries = table["queries"]?.array else { return [] }
        return queries.enumerated().compactMap { index, value in
            guard let entry = value.table, let query = entry["query"]?.string else { return nil }
            let name = entry["name"]?.string ?? "#\(index + 1)"
            var expected: [[Int64]] = []
            if let ids = entry["expected_event_ids"]?.array {
                if ids.count > 0, ids[0].array != nil {
                    expected = ids.compactMap { $0.array.map { $0.compactMap { $0.int.map(Int64.init) } } }
                } else {
                    expected = [ids.compactMap { $0.int.map(Int64.init) }]
                }
            }
            let joinKeys = entry["join_keys"]?.array.map { $0.compactMap { $0.string } }
            return SpecEntry(name: name, query: query.trimmingCharacters(in: .whitespacesAndNewlines), expected: expected, joinKeys: joinKeys)
        }
    }
}

/// An index of the Elasticsearch suite: documents as Elasticsearch would index them under their mapping.
struct Dataset {
    /// Documents after the mapping's effects (aliases, `null_value`, epoch-millis dates), in load order.
    let documents: [JSONValue]
    /// The field holding the ids the spec files refer to.
    let idField: String
    /// The tiebreaker field of the spec test case, if any.
    let tiebreaker: String?

    /// What a mapping does to documents at index time.
    struct MappingEffects {
        var aliases: [(alias: String, target: String)] = []
        var nullValues: [(path: String, value: JSONValue)] = []
        var dates: [String] = []

        init(_ mapping: JSONValue) {
            collect(mapping["properties"], prefix: "")
        }

        private mutating func collect(_ properties: JSONValue?, prefix: String) {
            guard case .object(let members)? = properties else { return }
            for member in members {
                let name = member.key, definition = member.value
                let path = prefix.isEmpty ? name : prefix + "." + name
                if case .scalar(.string(let type))? = definition["type"] {
                    if type == "alias", case .scalar(.string(let target))? = definition["path"] { aliases.append((path, target)) }
                    if type == "date" || type == "date_nanos" { dates.append(path) }
                }
                if let nullValue = definition["null_value"] { nullValues.append((path, nullValue)) }
                collect(definition["properties"], prefix: path)
            }
        }

        func apply(to document: inout JSONValue) {
            for path in dates {
                if case .scalar(.string(let text))? = document[path], let millis = Int64(text) { document.set(path, .scalar(.integer(millis))) }
            }
            for (path, value) in nullValues where document[path] == .scalar(.null) {
                document.set(path, value)
            }
            for (alias, target) in aliases {
                if let value = document.value(at: target) { document.set(alias, value) }
            }
        }
    }

    /// Loads `.data` files (JSON arrays; whole-line `//` comments dropped) with their `.mapping`s.
    static func load(indices: [(data: URL, mapping: URL)], idField: String, tiebreaker: String?,
                     transform: ((inout JSONValue) -> Void)? = nil) throws -> Dataset {
        var documents: [JSONValue] = []
        for (dataURL, mappingURL) in indices {
            let mappingText = try SharedFiles.text(mappingURL).split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("#") }.joined(separator: "\n")
                .replacingOccurrences(of: "[runtime_random_keyword_type]", with: "keyword")
            let effects = MappingEffects(try JSONValue.parse(mappingText))
            let dataText = try SharedFiles.text(dataURL).split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
            guard case .array(let items) = try JSONValue.parse(dataText) else { continue }
            for var item in items {
                transform?(&item)
                effects.apply(to: &item)
                documents.append(item)
            }
        }
        return Dataset(documents: documents, idField: idField, tiebreaker: tiebreaker)
    }

    /// `test_data.json` as the `endgame-140` index: `@timestamp` in epoch millis from the FILETIME `timestamp`.
    static func endgame() throws -> Dataset {
        let base = SharedFiles.elasticsearch
        return try load(indices: [(base.appendingPathComponent("test_data.json"), base.appendingPathComponent("mapping-default.json"))],
                        idField: "serial_event_id", tiebreaker: "serial_event_id") { document in
            if let filetime = document["timestamp"]?.integer {
                document.set("@timestamp", .scalar(.integer(filetime / 10_000 - 11_644_473_600_000)))
            }
        }
    }

    /// A dataset from `data/<name>.data` and `data/<name>.mapping` files.
    static func named(_ names: [String], idField: String, tiebreaker: String?) throws -> Dataset {
        let data = SharedFiles.elasticsearch.appendingPathComponent("data")
        return try load(indices: names.map { (data.appendingPathComponent("\($0).data"), data.appendingPathComponent("\($0).mapping")) },
                        idField: idField, tiebreaker: tiebreaker)
    }
}

/// The result of running one query over a dataset.
struct QueryRun {
    /// Ids in result order (sequences flattened, -1 at missing-event stages).
    var ids: [Int64] = []
    /// Join keys, flattened over results.
    var joinKeys: [String] = []
}

/// Streams a dataset through the engine, the way the pipeline would: sorted by Elasticsearch's
/// ordinal (timestamp, tiebreaker, then load order), one event at a time.
struct ConformanceRunner {
    let dataset: Dataset
    /// Whether `advance(to:)` is called after every event (exercising expiry) — results must not change.
    var advanceEachEvent = true

    func run(_ text: String, maxSamplesPerKey: Int = 1) throws -> QueryRun {
        let query = try Query.parse(text)
        var fields = FieldCatalog.Builder()
        let timestampField = fields.intern("@timestamp")
        _ = timestampField
        let idField = fields.intern(dataset.idField)
        let tiebreakerField = dataset.tiebreaker.map { fields.intern($0) }
        let compiled = try CompiledQuery(query, fields: &fields, options: CompileOptions(maxSamplesPerKey: maxSamplesPerKey))
        var reader = EventReader(catalog: fields.build(), timestampPaths: ["@timestamp"])
        var events: [(event: Event, ordinal: Ordinal)] = []
        for (index, document) in dataset.documents.enumerated() {
            let event = try reader.read(bytes: document.serialized(), origin: .memory(index: index))
            var tiebreaker: Int64 = 0
            if let tiebreakerField, case .integer(let value)? = event.firstValue(of: tiebreakerField) { tiebreaker = value }
            events.append((event, Ordinal(timestamp: event.timestamp, tiebreaker: tiebreaker, arrival: UInt64(index))))
        }
        // Samples have no time order: Elasticsearch takes each stage's hits in index order, which is load order.
        let loadOrder = events
        events.sort { $0.ordinal < $1.ordinal }
        func id(_ event: Event) -> Int64 {
            if case .integer(let value)? = event.firstValue(of: idField) { return value }
            return Int64.min
        }
        var result = QueryRun()
        switch compiled.plan {
        case .event:
            let matched = events.filter { compiled.matches($0.event) }.map { id($0.event) }
            result.ids = query.limit.map { $0.apply(matched) } ?? matched
        case .sequence(let plan):
            var matcher = compiled.makeMatcher()
            var matches: [SequenceMatch] = []
            for (event, ordinal) in events {
                matcher.process(event, ordinal: ordinal, into: &matches)
                if advanceEachEvent { matcher.advance(to: event.timestamp, into: &matches) }
            }
            matcher.finish(into: &matches)
            if plan.stages.last!.isMissing, plan.limit == nil {
                // Matches waiting on a trailing missing stage are released late; Elasticsearch orders
                // results by their last event.
                matches.sort { $0.ordinals.last! < $1.ordinals.last! }
            }
            for match in matches {
                var positive = match.events.makeIterator()
                for stage in plan.stages {
                    result.ids.append(stage.isMissing ? -1 : id(positive.next()!))
                }
                result.joinKeys += match.joinValues.map(\.description)
            }
        case .sample:
            var matcher = compiled.makeMatcher()
            var matches: [SequenceMatch] = []
            for (event, ordinal) in loadOrder { matcher.process(event, ordinal: ordinal, into: &matches) }
            matcher.finish(into: &matches)
            for match in matches {
                result.ids += match.events.map(id)
                result.joinKeys += match.joinValues.map(\.description)
            }
        }
        return result
    }
}
