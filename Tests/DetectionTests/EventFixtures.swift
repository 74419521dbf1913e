import Detection
import ECS
import Foundation

/// Builds Elastic Defend-shaped process events for tests.
struct ProcessEventFixture {
    var time = "2026-11-25T09:00:00.000Z"
    var hostID = "host-1"
    var osType = "linux"
    var eventType = "start"
    var action = "exec"
    var userName = "root"
    var name = "openssl"
    var args: [String] = ["openssl", "s_client", "-connect", "203.0.113.5:443"]
    var parentName = "bash"
    var parentEntityID = "parent-1"
    var eventID: String? = nil

    /// The event as one NDJSON line.
    var json: String {
        var event: [String: Any] = [
            "@timestamp": time,
            "event": ["type": [eventType], "action": action, "category": ["process"], "kind": "event"]
                .merging(eventID.map { ["id": $0] } ?? [:]) { $1 },
            "host": ["id": hostID, "name": hostID, "os": ["type": osType]],
            "user": ["name": userName],
            "process": [
                "name": name, "args": args, "command_line": args.joined(separator: " "),
                "entity_id": UUID().uuidString,
                "parent": ["name": parentName, "entity_id": parentEntityID],
            ],
        ]
        if eventID == nil { event["event.sequence"] = Int.random(in: 0 ..< Int.max) }
        let data = try! JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// The time `seconds` after 09:00:00 on the fixture day.
    static func time(_ seconds: Double) -> String {
        Timestamp.formatISO8601(Timestamp.parseISO8601("2026-11-25T09:00:00Z")! + Int64(seconds * 1_000_000_000))
    }
}

/// The package root, to find `Rules/` and `../shared`.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Loads the rules under `Rules/` (or one file of it).
func loadFoundingRules(_ file: String? = nil) throws -> RuleSet {
    let path = packageRoot.appendingPathComponent("Rules").appendingPathComponent(file ?? "").path
    return try RuleSet.load(from: path)
}

/// Runs `lines` (in arrival order) through a fresh evaluator and returns every alert.
func evaluate(_ lines: [String], rules: RuleSet, lateness: Int64 = 5_000_000_000) throws -> [Alert] {
    var reader = EventReader(catalog: rules.catalog, timestampPaths: rules.timestampPaths)
    var evaluator = RuleEvaluator(ruleSet: rules, allowedLateness: lateness)
    var alerts: [Alert] = []
    let events = try lines.enumerated().map { index, line in
        try reader.read(bytes: Array(line.utf8), origin: .memory(index: index))
    }
    evaluator.process(events, into: &alerts)
    evaluator.finish(into: &alerts)
    return alerts
}
