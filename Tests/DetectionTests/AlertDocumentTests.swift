import Detection
import ECS
import Foundation
import Testing

/// The alert document: the rule's members serialized once per rule (``RuleAlertMembers``) give the
/// bytes an alert made from the rule alone gives, and the event's members are copied as they were.
@Suite("Alert documents")
struct AlertDocumentTests {
    /// `alert` again through the public initializer, which serializes the rule's members itself.
    func remade(_ alert: Alert) -> Alert {
        Alert(rule: alert.rule, kind: alert.kind, uuid: alert.uuid, groupID: alert.groupID, event: alert.event,
              commonFields: alert.commonFields, originalTime: alert.originalTime, hostID: alert.hostID,
              reason: alert.reason, ancestors: alert.ancestors)
    }

    @Test("the evaluator's alerts, single and of a sequence, read as alerts made from their rule alone")
    func ruleMembersPrecomputed() throws {
        let rules = try loadFoundingRules()
        var lines = [ProcessEventFixture().json]
        for index in 0 ..< 10 {
            var fixture = ProcessEventFixture()
            fixture.time = ProcessEventFixture.time(Double(index) * 0.1)
            fixture.eventID = "enc-\(index)"
            fixture.args = ["openssl", "enc", "-aes-256-cbc", "-in", "f\(index)", "-out", "f\(index).enc", "-k", "pw"]
            lines.append(fixture.json)
        }
        let alerts = try evaluate(lines, rules: rules)
        #expect(Set(alerts.map(\.rule.name)).count == 2, "both founding rules fire")
        #expect(alerts.contains { $0.kind == .sequence } && alerts.contains { $0.kind == .single })
        for alert in alerts {
            let document = alert.document(createdAt: 1_800_000_000_000_000_000)
            #expect(document == remade(alert).document(createdAt: 1_800_000_000_000_000_000), "\(alert.rule.name) \(alert.kind)")
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(document)) as? [String: Any])
            #expect(parsed["kibana.alert.rule.rule_id"] as? String == alert.rule.ruleID)
            #expect(parsed["kibana.alert.status"] as? String == "active")
            #expect((parsed["kibana.alert.rule.parameters"] as? [String: Any])?["query"] as? String == alert.rule.query)
        }
    }

    @Test("the event's members are copied byte for byte, its @timestamp dropped wherever it is")
    func eventMembers() throws {
        let rule = Rule(ruleID: "r-1", name: "Rule", query: "any where true")
        let catalog = FieldCatalog.Builder(paths: ["@timestamp", "a"]).build()
        var reader = EventReader(catalog: catalog)
        let document = #"{ "a" : {"b":[1, {"c":"}"}]}, "@timestamp":"2026-11-25T09:00:00Z" ,"k\"ey":"v,\\" , "@timestampx":true}"#
        let event = try reader.read(bytes: Array(document.utf8), origin: .memory(index: 0))
        let alert = Alert(rule: rule, kind: .single, uuid: "u", groupID: nil, event: event, commonFields: [],
                          originalTime: event.timestamp, hostID: nil)
        let text = String(decoding: alert.document(createdAt: 0), as: UTF8.self)
        #expect(text.hasPrefix(#"{"a" : {"b":[1, {"c":"}"}]},"k\"ey":"v,\\","@timestampx":true,"@timestamp":"1970-01-01T00:00:00.000Z","#), "\(text)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["kibana.alert.original_time"] as? String == "2026-11-25T09:00:00.000Z")
    }
}
