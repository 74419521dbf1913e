import ECS

/// A parsed and verified EQL query, independent of any field catalog.
///
/// ```swift
/// let query = try Query.parse(#"process where process.name == "openssl""#)
/// query.isSequence   // false
/// ```
///
/// Parsing runs the lexer, the parser and the ``Verifier``: a query that parses is free of unknown
/// functions, wrong arities, type errors visible without a mapping, and malformed sequences. Every
/// failure is an ``EQLError`` with the line and column in `text`.
public final class Query: Sendable {
    /// The query text as given.
    public let text: String
    let ast: QueryAST

    private init(text: String, ast: QueryAST) {
        self.text = text
        self.ast = ast
    }

    /// Parses and verifies `text`.
    public static func parse(_ text: String) throws(EQLError) -> Query {
        let ast = try Parser.parse(text)
        try Verifier.verify(ast)
        return Query(text: text, ast: ast)
    }

    /// Whether this is a `sequence` or `sample` query, which keeps state across events and needs
    /// its input in order (see ``SequenceMatcher``).
    public var isSequence: Bool {
        if case .event = ast.body { return false }
        return true
    }

    /// Whether this is a `sample` query.
    public var isSample: Bool {
        if case .sample = ast.body { return true }
        return false
    }

    /// The result limit of the query's pipes, combined as Elasticsearch does (`| tail 5 | head 2`
    /// keeps the first 2 of the last 5).
    public var limit: ResultLimit? {
        var limit: ResultLimit?
        for pipe in ast.pipes {
            let next: ResultLimit = pipe.kind == .head ? .head(pipe.count) : .tail(pipe.count)
            limit = limit.map { $0.combined(with: next) } ?? next
        }
        return limit
    }
}

/// What the `head`/`tail` pipes of a query ask for, combined as Elasticsearch combines them.
///
/// On a stream, `head N` means: the first N results, after which the query stops matching.
/// `tail N` means: the last N results, which exist only at the end of the input, so a
/// ``SequenceMatcher`` holds them back and emits them from ``SequenceMatcher/finish(into:)``.
/// For event queries, ``CompiledQuery/matches(_:)`` is a pure predicate and ignores the limit;
/// the caller applies it if it wants to (``apply(_:)``).
public struct ResultLimit: Sendable, Equatable {
    /// Whether results are counted from the end (`tail`) rather than the start (`head`).
    public let fromEnd: Bool
    /// How many results are kept.
    public let count: Int
    /// How many results at that end are skipped first (`| tail 5 | head 2` skips the last 3).
    public let offset: Int

    /// The first `count` results.
    public static func head(_ count: Int) -> ResultLimit { ResultLimit(fromEnd: false, count: count, offset: 0) }
    /// The last `count` results.
    public static func tail(_ count: Int) -> ResultLimit { ResultLimit(fromEnd: true, count: count, offset: 0) }

    /// Creates a limit.
    public init(fromEnd: Bool, count: Int, offset: Int) {
        self.fromEnd = fromEnd
        self.count = count
        self.offset = offset
    }

    /// The limit after another pipe is applied to this one's results (Elasticsearch's `CombineLimits`).
    func combined(with next: ResultLimit) -> ResultLimit {
        if fromEnd == next.fromEnd { return ResultLimit(fromEnd: fromEnd, count: min(count, next.count), offset: offset) }
        // The secondary limit cannot reach beyond the primary one; when it is smaller, it moves the window.
        guard next.count < count else { return self }
        return ResultLimit(fromEnd: fromEnd, count: next.count, offset: offset + count - next.count)
    }

    /// Selects the results this limit keeps from all results, in order.
    public func apply<T>(_ all: [T]) -> [T] {
        if fromEnd { return Array(all.dropLast(offset).suffix(count)) }
        return Array(all.dropFirst(offset).prefix(count))
    }
}

/// Knobs for compiling a query.
public struct CompileOptions: Sendable {
    /// The most partial sequences one ``SequenceMatcher`` keeps; when a new one would exceed it,
    /// the oldest is evicted and counted in ``SequenceMatcher/evictions``.
    public var maxLivePartialSequences: Int
    /// The field holding the event category that `<category> where` tests.
    public var categoryField: String
    /// How many samples a `sample` query returns per join key (Elasticsearch's `max_samples_per_key`).
    public var maxSamplesPerKey: Int
    /// Fields with date semantics: comparing one with a date string (`@timestamp < "2024-07-30"`)
    /// or a number (epoch milliseconds) compares instants at millisecond precision, as
    /// Elasticsearch does for `date` fields, whether the event holds an ISO 8601 string or a number.
    public var dateFields: Set<String>

    /// Creates options; the defaults keep 100,000 partial sequences per matcher.
    public init(maxLivePartialSequences: Int = 100_000, categoryField: String = "event.category", maxSamplesPerKey: Int = 1,
                dateFields: Set<String> = ["@timestamp", "event.ingested", "event.created"]) {
        self.maxLivePartialSequences = max(1, maxLivePartialSequences)
        self.categoryField = categoryField
        self.maxSamplesPerKey = max(1, maxSamplesPerKey)
        self.dateFields = dateFields
    }
}
