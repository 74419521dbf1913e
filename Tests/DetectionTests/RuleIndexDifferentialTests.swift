import Detection
import ECS
import EQL
import Foundation
import Testing
import Workload

/// The rule index changes nothing: with every Linux rule of `../shared/rules-corpus`, the indexed
/// evaluator raises exactly the alerts (same uuids, same order) of testing every rule on every event.
@Suite struct RuleIndexDifferentialTests {
    static let corpus = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/rules-corpus")

    /// Every rule of the corpus tagged `OS: Linux`, read where it lies.
    static func linuxRules() throws -> [Rule] {
        let walker = FileManager.default.enumerator(atPath: corpus.path)
        let paths = (walker?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".toml") }.sorted()
        return try paths.map { try RuleFileReader.read(path: corpus.appendingPathComponent($0).path) }
            .filter { $0.tags.contains("OS: Linux") }
    }

    /// A seeded workload rich in planted attacks, on few hosts so that sequences correlate.
    static func workloadEvents(count: Int) -> [String] {
        let settings = WorkloadSettings(seed: 7, eventCount: count, hostCount: 12, scenarioFraction: 0.05)
        var lines: [String] = []
        _ = WorkloadGenerator(settings: settings).generate { lines.append(String(decoding: $0, as: UTF8.self)) }
        return lines
    }

    /// For the first values of the terms of each key the index requires, a workload event with the
    /// term's field set to the value, to its uppercase, (multi-valued) to a list holding it and to
    /// the value inside a longer string (what a containment term looks for), and for a prefix or
    /// suffix term to a longer string starting or ending with it; a presence term's field is set to a
    /// string: exercises every look-up path.
    static func craftedEvents(rules: RuleSet, bases: [String]) throws -> [String] {
        var lines: [String] = []
        var base = 0
        for rule in rules.rules {
            guard let requirement = rule.query.indexRequirement(in: rules.catalog) else { continue }
            for term in requirement.filters.prefix(2).flatMap({ $0 }).flatMap({ $0.terms.prefix(2) }) {
                let path = rules.catalog.path(of: term.field)
                for value in term.match == .present ? ["present"] : Array(term.strings.prefix(2)) {
                    var variants: [Any] = [value, value.uppercased(), ["other", value], "/x " + value.uppercased() + " y"]
                    if term.match == .prefix { variants.append(value.uppercased() + "x.sh") }
                    if term.match == .suffix { variants.append("/x/" + value.uppercased()) }
                    for variant in variants {
                        var document = try JSONSerialization.jsonObject(with: Data(bases[base % bases.count].utf8)) as! [String: Any]
                        base += 1
                        set(path.split(separator: ".").map(String.init), to: variant, in: &document)
                        lines.append(String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self))
                    }
                }
            }
        }
        return lines
    }

    static func set(_ path: [String], to value: Any, in document: inout [String: Any]) {
        guard let head = path.first else { return }
        if path.count == 1 { document[head] = value; return }
        var child = document[head] as? [String: Any] ?? [:]
        set(Array(path.dropFirst()), to: value, in: &child)
        document[head] = child
    }

    static func alerts(_ lines: [String], rules: RuleSet, indexed: Bool) throws -> [Alert] {
        try evaluated(lines, rules: rules, indexed: indexed).alerts
    }

    /// The alerts of `lines` and the evaluator's statistics; held events are kept whole (`compressed:
    /// false`) or compressed once `wholeHeldSpan` nanoseconds of event time old.
    static func evaluated(_ lines: [String], rules: RuleSet, indexed: Bool, compressed: Bool = true,
                          wholeHeldSpan: Int64 = RetainedEventCodec.defaultWholeSpan) throws -> (alerts: [Alert], statistics: EvaluatorStatistics) {
        var reader = EventReader(catalog: rules.catalog, timestampPaths: rules.timestampPaths)
        var evaluator = RuleEvaluator(ruleSet: rules, usesRuleIndex: indexed, compressesHeldEvents: compressed,
                                      wholeHeldSpan: wholeHeldSpan)
        let events = try lines.enumerated().map { index, line in try reader.read(bytes: Array(line.utf8), origin: .memory(index: index)) }
        var alerts: [Alert] = []
        for start in stride(from: 0, to: events.count, by: 512) {
            evaluator.process(Array(events[start ..< min(start + 512, events.count)]), into: &alerts)
        }
        evaluator.finish(into: &alerts)
        return (alerts, evaluator.statistics)
    }

    @Test func indexedEvaluationRaisesTheSameAlerts() throws {
        let rules = RuleSet.compile(try Self.linuxRules())
        #expect(rules.rules.count == 426)
        var keyFields: [String: Int] = [:]
        for rule in rules.rules {
            let key = rule.query.indexKey(in: rules.catalog)
            let fields = key.map { Set($0.terms.map { rules.catalog.path(of: $0.field) }).sorted().joined(separator: "|") }
            keyFields[fields ?? "(none)", default: 0] += 1
        }
        print("rule index keys: \(keyFields.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        let workload = Self.workloadEvents(count: 4_000)
        let sample = try String(contentsOf: packageRoot.appendingPathComponent("Config/sample-events.ndjson"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let crafted = try Self.craftedEvents(rules: rules, bases: workload)
        for (name, lines) in [("workload", workload), ("sample", sample), ("crafted", crafted)] {
            let reference = try Self.alerts(lines, rules: rules, indexed: false)
            let indexed = try Self.alerts(lines, rules: rules, indexed: true)
            #expect(indexed.map(\.uuid) == reference.map(\.uuid), "\(name)")
            let firing = Set(reference.map(\.rule.ruleID)).count
            print("rule index differential, \(name): \(lines.count) events, \(reference.count) alerts from \(firing) rules, identical: \(indexed.map(\.uuid) == reference.map(\.uuid))")
            #expect(!reference.isEmpty, "\(name) raises alerts")
        }
    }

    /// Sequence rules hold their events compressed (``RetainedEventCodec``), at once or once they are
    /// no longer recent; the alert documents, which reproduce those events, are byte for byte those of
    /// events held whole.
    @Test func compressedHeldEventsGiveTheSameAlertDocuments() throws {
        let rules = RuleSet.compile(try Self.linuxRules())
        let workload = Self.workloadEvents(count: 4_000)
        let whole = try Self.evaluated(workload, rules: rules, indexed: true, compressed: false)
        let atOnce = try Self.evaluated(workload, rules: rules, indexed: true, wholeHeldSpan: 0)
        // The workload's 4,000 events span about half a second: a tenth of it leaves some partial
        // sequences holding events compressed in place, and others completed or gone before.
        let deferred = try Self.evaluated(workload, rules: rules, indexed: true, wholeHeldSpan: 50_000_000)
        let sequenceAlerts = whole.alerts.filter { if case .buildingBlock = $0.kind { true } else { false } }
        print("""
            held events compressed or whole: \(whole.alerts.count) alerts, \(sequenceAlerts.count) of them building \
            blocks of sequences; \(atOnce.statistics.heldEventsCompressed) events compressed at once, \
            \(deferred.statistics.heldEventsCompressed) after 50 ms
            """)
        #expect(sequenceAlerts.count > 20, "the workload completes sequences")
        #expect(whole.statistics.heldEventsCompressed == 0)
        #expect(deferred.statistics.heldEventsCompressed > 0)
        #expect(deferred.statistics.heldEventsCompressed < atOnce.statistics.heldEventsCompressed)
        for (name, held) in [("at once", atOnce), ("after 50 ms", deferred)] {
            #expect(held.alerts.count == whole.alerts.count, "\(name)")
            for (alert, reference) in zip(held.alerts, whole.alerts) {
                #expect(alert.document(createdAt: 0) == reference.document(createdAt: 0), "\(name): \(reference.rule.name) \(reference.kind)")
            }
        }
    }
}
