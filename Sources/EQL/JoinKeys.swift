import ECS

/// The join key of a sequence: the values of the `by` fields of one event.
struct SequenceKey: Hashable, Sendable {
    /// One value per key field; a multi-valued field is kept whole, so keys compare as Elasticsearch
    /// compares the extracted lists.
    enum Component: Hashable, Sendable {
        case single(FieldValue)
        case list([FieldValue])

        var first: FieldValue {
            switch self {
            case .single(let value): value
            case .list(let values): values.first ?? .null
            }
        }
    }

    let components: [Component]

    init(components: [Component]) {
        self.components = components
    }

    /// The key as public join values.
    var joinValues: [FieldValue] { components.map(\.first) }
}

/// How a stage reads its join key from an event: `by` fields, or computed `by` expressions
/// (`by unique_pid * 2`), shared keys first.
struct JoinKeyReader: Sendable {
    /// One key.
    enum Part: Sendable {
        case field(FieldID)
        /// An expression over the fields it reads, evaluated with the first value of each.
        case expression(any ValueNode, fields: [FieldID])
    }

    let parts: [Part]

    /// The fields of field keys, in order (expression keys have none).
    var fields: [FieldID] {
        parts.compactMap { if case .field(let id) = $0 { id } else { nil } }
    }

    /// Reads the key of `event`.
    func key(of event: Event) -> SequenceKey {
        var components: [SequenceKey.Component] = []
        components.reserveCapacity(parts.count)
        for part in parts {
            switch part {
            case .field(let field):
                let range = event.slotRange(of: field)
                switch range.count {
                case 0: components.append(.single(.null))
                case 1: components.append(.single(event.value(of: event.slots[range.lowerBound])))
                default: components.append(.list(range.map { event.value(of: event.slots[$0]) }))
                }
            case .expression(let node, let fields):
                let value = withUnsafeTemporaryAllocation(of: Int.self, capacity: max(1, fields.count)) { buffer in
                    for (index, field) in fields.enumerated() {
                        let range = event.slotRange(of: field)
                        buffer[index] = range.isEmpty ? -1 : range.lowerBound
                    }
                    return node.evaluate(Scope(event: event, choices: buffer.baseAddress!))
                }
                components.append(.single(value.fieldValue(in: event)))
            }
        }
        return SequenceKey(components: components)
    }
}
