import Crypto
import ECS

/// Turns rule matches into alerts with deterministic ids.
///
/// An event's identity is its `event.id` when it has one (Elastic Endpoint always does), otherwise
/// the SHA-256 of its original bytes; an alert's id is the SHA-256 of the rule id and its events'
/// identities, so the same events and rule give the same `kibana.alert.uuid` on every replay, whether
/// they came from a file or from Kafka.
public struct AlertFactory: Sendable {
    let eventIDField: FieldID?
    let hostIDField: FieldID?
    let reasonFields: ReasonFields

    /// The fields Elastic's alert reason names.
    struct ReasonFields {
        let category, processName, parentName, userName, hostName: FieldID?
    }

    /// Creates a factory reading `event.id`, `host.id` and the reason's fields through `catalog`.
    public init(catalog: FieldCatalog) {
        eventIDField = catalog.id(of: "event.id")
        hostIDField = catalog.id(of: "host.id")
        reasonFields = ReasonFields(category: catalog.id(of: "event.category"), processName: catalog.id(of: "process.name"),
                                    parentName: catalog.id(of: "process.parent.name"), userName: catalog.id(of: "user.name"),
                                    hostName: catalog.id(of: "host.name"))
    }

    /// The paths a factory reads; register them before building the catalog.
    public static let requiredFields = ["event.id", "host.id", "@timestamp", "event.category", "process.name",
                                        "process.parent.name", "user.name", "host.name"]

    /// The alert for a single-event rule.
    public func single(rule: Rule, event: Event) -> Alert {
        single(rule: rule, members: RuleAlertMembers(rule), event: event)
    }

    /// The alert for a single-event rule whose document members are serialized (`members`).
    func single(rule: Rule, members: RuleAlertMembers, event: Event) -> Alert {
        let uuid = Self.digest([rule.ruleID, identity(of: event)])
        return Alert(rule: rule, ruleMembers: members, kind: .single, uuid: uuid, groupID: nil, event: event.compacted(),
                     commonFields: [], originalTime: event.timestamp, hostID: hostID(of: event),
                     reason: reason(rule: rule, event: event), ancestors: [identity(of: event)])
    }

    /// The shell alert and one building-block alert per event of a completed sequence.
    /// `joinFields` are the `by` paths and `joinValues` their values, in order.
    public func sequence(rule: Rule, events: [Event], joinFields: [String], joinValues: [FieldValue]) -> [Alert] {
        sequence(rule: rule, members: RuleAlertMembers(rule), events: events, joinFields: joinFields, joinValues: joinValues)
    }

    /// ``sequence(rule:events:joinFields:joinValues:)`` for a rule whose document members are
    /// serialized (`members`).
    func sequence(rule: Rule, members: RuleAlertMembers, events: [Event], joinFields: [String],
                  joinValues: [FieldValue]) -> [Alert] {
        let identities = events.map(identity(of:))
        let shellID = Self.digest([rule.ruleID] + identities)
        let groupID = Self.digest(["group", rule.ruleID] + identities)
        let host = events.first.flatMap(hostID(of:))
        let common = zip(joinFields, joinValues).map { JSONMember($0, .scalar($1)) }
        let originalTime = events.first?.timestamp ?? Int64.min
        var alerts: [Alert] = []
        var buildingBlockIDs: [String] = []
        for (index, event) in events.enumerated() {
            let uuid = Self.digest([shellID, String(index), identities[index]])
            buildingBlockIDs.append(uuid)
            alerts.append(Alert(rule: rule, ruleMembers: members, kind: .buildingBlock(index: index), uuid: uuid,
                                groupID: groupID, event: event, commonFields: [], originalTime: event.timestamp,
                                hostID: hostID(of: event) ?? host, reason: reason(rule: rule, event: event),
                                ancestors: [identities[index]]))
        }
        let shell = Alert(rule: rule, ruleMembers: members, kind: .sequence, uuid: shellID, groupID: groupID, event: nil,
                          commonFields: common,
                          originalTime: originalTime, hostID: host,
                          reason: "sequence of \(events.count) events by \(zip(joinFields, joinValues).map { "\($0)=\($1)" }.joined(separator: ", ")) created \(rule.severity) alert \(rule.name).",
                          ancestors: buildingBlockIDs)
        return [shell] + alerts
    }

    /// Elastic's reason text: `process event with process openssl, parent process bash, by root on
    /// web-01 created low alert Openssl Client or Server Activity.`
    func reason(rule: Rule, event: Event) -> String {
        func value(_ field: FieldID?) -> String? { field.flatMap { event.string($0) } }
        var text = "\(value(reasonFields.category) ?? "") event"
        if let process = value(reasonFields.processName) { text += " with process \(process)," }
        if let parent = value(reasonFields.parentName) { text += " parent process \(parent)," }
        if let user = value(reasonFields.userName) { text += " by \(user)" }
        if let host = value(reasonFields.hostName) { text += " on \(host)" }
        if text.hasSuffix(",") { text.removeLast() }
        return text.trimmingPrefix(" ") + " created \(rule.severity) alert \(rule.name)."
    }

    func identity(of event: Event) -> String {
        if let eventIDField, let id = event.string(eventIDField) { return id }
        return Self.hex(SHA256.hash(data: event.document))
    }

    func hostID(of event: Event) -> String? {
        hostIDField.flatMap { event.string($0) }
    }

    static func digest(_ parts: [String]) -> String {
        var hasher = SHA256()
        for part in parts {
            hasher.update(data: Array(part.utf8))
            hasher.update(data: [0])
        }
        return hex(hasher.finalize())
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
