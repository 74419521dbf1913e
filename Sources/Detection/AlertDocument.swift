import ECS

extension Alert {
    /// The alert as one JSON document (no trailing newline): the source event's fields as they were,
    /// then the `kibana.alert.*` fields, `threat`, and the enrichment, as dotted keys.
    ///
    /// `createdAt` becomes `@timestamp` when the source document has none of its own… it never does
    /// here: Elastic overwrites `@timestamp` with the alert's creation time, and so does Tripline, keeping
    /// the event's time in `kibana.alert.original_time`.
    public func document(createdAt: Int64) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((event?.documentLength ?? 0) + 2048)
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

        if let event {
            let inner = Self.objectMembers(of: event.document, dropping: "@timestamp")
            if !inner.isEmpty {
                output.append(contentsOf: inner)
                needsComma = true
            }
        }
        for field in commonFields { member(field.key, field.value) }
        member("@timestamp", .string(Timestamp.formatISO8601(createdAt)))
        member("kibana.alert.uuid", .string(uuid))
        member("kibana.alert.rule.rule_id", .string(rule.ruleID))
        member("kibana.alert.rule.uuid", .string(rule.ruleID))
        member("kibana.alert.rule.name", .string(rule.name))
        member("kibana.alert.rule.description", .string(rule.description))
        member("kibana.alert.rule.type", .string(rule.type))
        member("kibana.alert.rule.category", .string("Event Correlation Rule"))
        member("kibana.alert.rule.producer", .string("siem"))
        member("kibana.alert.rule.tags", .array(rule.tags.map(JSONValue.string)))
        if let version = rule.version { member("kibana.alert.rule.version", .string(String(version))) }
        member("kibana.alert.rule.parameters", .object([
            JSONMember("index", .array(rule.indexPatterns.map(JSONValue.string))),
            JSONMember("language", .string(rule.language)),
            JSONMember("query", .string(rule.query)),
        ] + (rule.timestampOverride.map { [JSONMember("timestamp_override", .string($0))] } ?? [])))
        member("kibana.alert.severity", .string(rule.severity))
        member("kibana.alert.risk_score", .integer(rule.riskScore))
        member("kibana.alert.original_time", .string(Timestamp.formatISO8601(originalTime)))
        member("kibana.alert.status", .string("active"))
        member("kibana.alert.workflow_status", .string("open"))
        member("kibana.alert.depth", .integer(1))
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
        member("threat", Self.threatJSON(rule.threat))
        member("kibana.alert.rule.threat", Self.threatJSON(rule.threat))
        for field in enrichment { member(field.key, field.value) }
        output.append(UInt8(ascii: "}"))
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

    /// The bytes between a JSON object's braces, without one top-level member (`@timestamp`, which
    /// the alert replaces). The document was validated when read, so a light scan suffices.
    static func objectMembers(of document: ArraySlice<UInt8>, dropping droppedKey: String) -> [UInt8] {
        let bytes = Array(document)
        var members: [(key: String, range: Range<Int>)] = []
        var index = 0
        func skipWhitespace() { while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 } }
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
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return [] }
        index += 1
        while index < bytes.count {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { break }
            let start = index
            skipString()
            let key = String(decoding: bytes[(start + 1) ..< (index - 1)], as: UTF8.self)
            skipWhitespace()
            index += 1 // ':'
            skipWhitespace()
            skipValue()
            members.append((key, start ..< index))
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: ",") { index += 1 }
        }
        var output: [UInt8] = []
        for member in members where member.key != droppedKey {
            if !output.isEmpty { output.append(UInt8(ascii: ",")) }
            output.append(contentsOf: bytes[member.range])
        }
        return output
    }
}
