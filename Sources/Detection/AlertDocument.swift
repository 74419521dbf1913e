import ECS

extension Alert {
    /// The alert as one JSON document (no trailing newline): the source event's fields as they were,
    /// then the `kibana.alert.*` fields, `threat`, and the enrichment, as dotted keys.
    ///
    /// `createdAt` becomes `@timestamp` when the source document has none of its own… it never does
    /// here: Elastic overwrites `@timestamp` with the alert's creation time, and so does Tripline, keeping
    /// the event's time in `kibana.alert.original_time`. The members that depend only on the rule come
    /// serialized from ``RuleAlertMembers``.
    public func document(createdAt: Int64) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((event?.documentLength ?? 0) + ruleMembers.byteCount + 1024)
        output.append(UInt8(ascii: "{"))
        var needsComma = false
        func member(_ key: String, _ write: (inout [UInt8]) -> Void) {
            if needsComma { output.append(UInt8(ascii: ",")) }
            JSONText.appendString(key, to: &output)
            output.append(UInt8(ascii: ":"))
            write(&output)
            needsComma = true
        }
        func member(_ key: String, _ value: JSONValue) { member(key) { value.append(to: &$0) } }

        if let event, Self.appendObjectMembers(of: event.document, dropping: "@timestamp", to: &output) {
            needsComma = true
        }
        for field in commonFields { member(field.key, field.value) }
        member("@timestamp", .string(Timestamp.formatISO8601(createdAt)))
        member("kibana.alert.uuid", .string(uuid))
        output.append(contentsOf: ruleMembers.identity)
        member("kibana.alert.original_time", .string(Timestamp.formatISO8601(originalTime)))
        output.append(contentsOf: RuleAlertMembers.state)
        member("kibana.alert.reason", .string(reason))
        member("kibana.alert.ancestors", .array(ancestors.map { id in
            .object([JSONMember("id", .string(id)), JSONMember("type", .string(kind == .sequence ? "signal" : "event")),
                     JSONMember("depth", .integer(kind == .sequence ? 1 : 0))])
        }))
        switch kind {
        case .single:
            break
        case .sequence:
            if let groupID { member("kibana.alert.group.id", .string(groupID)) }
        case .buildingBlock(let index):
            member("kibana.alert.building_block_type", .string("default"))
            if let groupID { member("kibana.alert.group.id", .string(groupID)) }
            member("kibana.alert.group.index", .integer(index))
        }
        output.append(contentsOf: ruleMembers.threat)
        for field in enrichment { member(field.key, field.value) }
        output.append(UInt8(ascii: "}"))
        return output
    }

    /// Appends the bytes between a JSON object's braces without one top-level member (`@timestamp`,
    /// which the alert replaces; its key compared as written); false when there was none to append.
    /// The document was validated when read, so a light scan suffices.
    static func appendObjectMembers(of document: ArraySlice<UInt8>, dropping droppedKey: StaticString,
                                    to output: inout [UInt8]) -> Bool {
        let dropped = UnsafeBufferPointer(start: droppedKey.utf8Start, count: droppedKey.utf8CodeUnitCount)
        return document.withUnsafeBufferPointer { bytes in
            var index = 0
            func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
            func skipWhitespace() { while index < bytes.count, isWhitespace(bytes[index]) { index += 1 } }
            func skipString() {
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                index += 1
            }
            func skipValue() {
                var depth = 0
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: "\""): skipString(); if depth == 0 { return }; continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        if depth == 0 { return }
                        depth -= 1
                        if depth == 0 { index += 1; return }
                    case UInt8(ascii: ","): if depth == 0 { return }
                    default: break
                    }
                    index += 1
                }
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return false }
            index += 1
            var appended = false
            while index < bytes.count {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { break }
                let start = index
                skipString()
                let key = UnsafeBufferPointer(rebasing: bytes[(start + 1) ..< (index - 1)])
                skipWhitespace()
                index += 1 // ':'
                skipWhitespace()
                skipValue()
                if !key.elementsEqual(dropped) {
                    if appended { output.append(UInt8(ascii: ",")) }
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start ..< index]))
                    appended = true
                }
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: ",") { index += 1 }
            }
            return appended
        }
    }
}

/// The members of an alert document that depend only on its rule (or on nothing), serialized once
/// per rule instead of once per alert: each begins with the comma that separates it from the member
/// before. The rules of a ``RuleSet`` carry theirs (``DetectionRule/alertMembers``).
public final class RuleAlertMembers: Sendable {
    /// `kibana.alert.rule.*` from `rule_id` to `parameters`, `kibana.alert.severity` and
    /// `kibana.alert.risk_score`.
    let identity: [UInt8]
    /// `threat` and `kibana.alert.rule.threat`.
    let threat: [UInt8]
    /// The bytes of both.
    var byteCount: Int { identity.count + threat.count }

    /// `kibana.alert.status`, `kibana.alert.workflow_status` and `kibana.alert.depth`, the same for
    /// every alert.
    static let state = serialized([
        JSONMember("kibana.alert.status", .string("active")),
        JSONMember("kibana.alert.workflow_status", .string("open")),
        JSONMember("kibana.alert.depth", .integer(1)),
    ])

    /// Serializes `rule`'s members.
    public init(_ rule: Rule) {
        var identity: [JSONMember] = [
            JSONMember("kibana.alert.rule.rule_id", .string(rule.ruleID)),
            JSONMember("kibana.alert.rule.uuid", .string(rule.ruleID)),
            JSONMember("kibana.alert.rule.name", .string(rule.name)),
            JSONMember("kibana.alert.rule.description", .string(rule.description)),
            JSONMember("kibana.alert.rule.type", .string(rule.type)),
            JSONMember("kibana.alert.rule.category", .string("Event Correlation Rule")),
            JSONMember("kibana.alert.rule.producer", .string("siem")),
            JSONMember("kibana.alert.rule.tags", .array(rule.tags.map(JSONValue.string))),
        ]
        if let version = rule.version { identity.append(JSONMember("kibana.alert.rule.version", .string(String(version)))) }
        identity += [
            JSONMember("kibana.alert.rule.parameters", .object([
                JSONMember("index", .array(rule.indexPatterns.map(JSONValue.string))),
                JSONMember("language", .string(rule.language)),
                JSONMember("query", .string(rule.query)),
            ] + (rule.timestampOverride.map { [JSONMember("timestamp_override", .string($0))] } ?? []))),
            JSONMember("kibana.alert.severity", .string(rule.severity)),
            JSONMember("kibana.alert.risk_score", .integer(rule.riskScore)),
        ]
        self.identity = Self.serialized(identity)
        let threat = Self.threatJSON(rule.threat)
        self.threat = Self.serialized([JSONMember("threat", threat), JSONMember("kibana.alert.rule.threat", threat)])
    }

    /// `members` as `,"key":value` each.
    private static func serialized(_ members: [JSONMember]) -> [UInt8] {
        var output: [UInt8] = []
        for member in members {
            output.append(UInt8(ascii: ","))
            JSONText.appendString(member.key, to: &output)
            output.append(UInt8(ascii: ":"))
            member.value.append(to: &output)
        }
        return output
    }

    static func threatJSON(_ threat: [ThreatMapping]) -> JSONValue {
        func reference(_ ref: ThreatReference) -> [JSONMember] {
            [JSONMember("id", .string(ref.id)), JSONMember("name", .string(ref.name)),
             JSONMember("reference", .string(ref.reference))]
        }
        return .array(threat.map { mapping in
            .object([
                JSONMember("framework", .string(mapping.framework)),
                JSONMember("tactic", .object(reference(mapping.tactic))),
                JSONMember("technique", .array(mapping.techniques.map { technique in
                    .object(reference(technique.technique) + [
                        JSONMember("subtechnique", .array(technique.subtechniques.map { .object(reference($0)) })),
                    ])
                })),
            ])
        })
    }
}
