import ECS
@testable import EQL
import Foundation

/// Compiles queries and reads JSON events against the resulting catalog.
struct Harness {
    var fields = FieldCatalog.Builder()
    var timestampPaths = ["@timestamp"]

    /// Compiles `text`, registering its fields.
    mutating func compile(_ text: String, options: CompileOptions = .init()) throws -> CompiledQuery {
        try CompiledQuery(Query.parse(text), fields: &fields, options: options)
    }

    /// Reads JSON documents (after every query is compiled).
    func events(_ documents: [String]) throws -> [Event] {
        var catalog = fields
        for path in timestampPaths { catalog.intern(path) }
        var reader = EventReader(catalog: catalog.build(), timestampPaths: timestampPaths)
        return try documents.enumerated().map { index, json in
            try reader.read(bytes: Array(json.utf8), origin: .memory(index: index))
        }
    }

    /// Reads one JSON document.
    func event(_ json: String) throws -> Event { try events([json])[0] }
}

/// Runs a sequence query over events in the given order with ordinals from their timestamps.
func runSequence(_ query: CompiledQuery, _ events: [Event], advanceEach: Bool = false) -> [SequenceMatch] {
    var matcher = query.makeMatcher()
    var matches: [SequenceMatch] = []
    for (index, event) in events.enumerated() {
        matcher.process(event, ordinal: Ordinal(timestamp: event.timestamp, tiebreaker: 0, arrival: UInt64(index)), into: &matches)
        if advanceEach { matcher.advance(to: event.timestamp, into: &matches) }
    }
    matcher.finish(into: &matches)
    return matches
}

extension Event {
    /// The string value of a path in the original document (test convenience, via Foundation).
    func documentValue(_ path: String) -> Any? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(document)) as? [String: Any] else { return nil }
        return object[path]
    }
}

/// Evaluates an EQL expression against one JSON event (first value of each field), for function tests.
func evaluate(_ expression: String, _ json: String = "{}") throws -> FieldValue {
    let ast = try Parser.parseExpression(expression)
    try _ = Verifier.staticType(of: ast)
    var compiler = ExpressionCompiler(fields: FieldCatalog.Builder(), dateFields: [], leaves: LeafPool())
    var bindings: [FieldID] = []
    let node = try compiler.value(ast, &bindings)
    var reader = EventReader(catalog: compiler.fields.build())
    let event = try reader.read(bytes: Array(json.utf8), origin: .memory(index: 0))
    var choices = bindings.map { field -> Int in
        let range = event.slotRange(of: field)
        return range.isEmpty ? -1 : range.lowerBound
    }
    return choices.withUnsafeMutableBufferPointer { buffer in
        node.evaluate(Scope(event: event, choices: buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)).fieldValue(in: event)
    }
}

/// Whether `any where <condition>` matches the JSON event.
func matches(_ condition: String, _ json: String) throws -> Bool {
    var harness = Harness()
    let query = try harness.compile("any where " + condition)
    return query.matches(try harness.event(json))
}

/// SplitMix64: a small, fast, seeded generator, so randomized tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
