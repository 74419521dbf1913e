/// The syntax tree of a parsed EQL query, before verification and compilation.
///
/// Nodes keep their ``SourceLocation`` so that the verifier and compiler can report errors at the
/// right place.
struct QueryAST: Sendable {
    /// The query proper: one event filter, a sequence or a sample.
    var body: QueryBody
    /// `| head N` / `| tail N` pipes, in order.
    var pipes: [PipeAST]
}

/// What kind of query the text is.
enum QueryBody: Sendable {
    /// `<category> where <condition>` (or `any where …`).
    case event(EventFilterAST)
    /// `sequence [by …] [with maxspan=…] [stage]… [until [stage]]`.
    case sequence(SequenceAST)
    /// `sample [by …] [stage]…`.
    case sample(SampleAST)
}

/// `<category> where <condition>`.
struct EventFilterAST: Sendable {
    /// The event category to match, `nil` for `any`.
    var category: String?
    /// The condition.
    var condition: ExpressionAST
    /// Where the filter starts.
    var location: SourceLocation
}

/// One bracketed stage of a sequence or sample: `[filter] by keys with runs=N`, or `![filter]`.
struct StageAST: Sendable {
    var filter: EventFilterAST
    /// The stage's own `by` keys (the shared keys of the query are not included).
    var keys: [ExpressionAST]
    /// `with runs=N` (1 when absent).
    var runs: Int
    /// Whether this is a missing-event stage `![…]`.
    var isMissing: Bool
    var location: SourceLocation
}

/// `sequence …`.
struct SequenceAST: Sendable {
    /// Keys after `sequence by`, shared by every stage.
    var sharedKeys: [ExpressionAST]
    /// `with maxspan=…` in nanoseconds, `nil` when absent.
    var maxspan: Int64?
    var stages: [StageAST]
    var until: StageAST?
    var location: SourceLocation
}

/// `sample …`.
struct SampleAST: Sendable {
    var sharedKeys: [ExpressionAST]
    var stages: [StageAST]
    var location: SourceLocation
}

/// `| head N` or `| tail N`.
struct PipeAST: Sendable {
    enum Kind: Sendable { case head, tail }
    var kind: Kind
    var count: Int
    var location: SourceLocation
}

/// A literal constant.
enum LiteralValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
}

/// Comparison operators.
enum ComparisonOperator: String, Sendable {
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
}

/// Arithmetic operators.
enum ArithmeticOperator: String, Sendable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case modulo = "%"
}

/// String pattern operators that take constant patterns.
enum PatternOperator: Sendable, Equatable {
    /// `:` — case-insensitive equality, or a case-insensitive wildcard match when a pattern has `*`/`?`.
    case insensitiveEquals
    /// `like` / `like~`.
    case like(caseInsensitive: Bool)
    /// `regex` / `regex~`.
    case regex(caseInsensitive: Bool)
}

/// An expression node with its location.
struct ExpressionAST: Sendable {
    indirect enum Kind: Sendable {
        case literal(LiteralValue)
        /// A field path; `optional` for `?field`.
        case field(path: String, optional: Bool)
        case not(ExpressionAST)
        case and(ExpressionAST, ExpressionAST)
        case or(ExpressionAST, ExpressionAST)
        case comparison(ComparisonOperator, ExpressionAST, ExpressionAST)
        /// `value [not] in (…)` / `in~`.
        case membership(ExpressionAST, [ExpressionAST], negated: Bool, caseInsensitive: Bool)
        /// `value : pattern`, `value like (…)`, `value regex~ "…"` — patterns are string constants.
        case pattern(PatternOperator, ExpressionAST, [ExpressionAST])
        case arithmetic(ArithmeticOperator, ExpressionAST, ExpressionAST)
        case negate(ExpressionAST)
        /// A function call; `caseInsensitive` for the `name~(…)` form.
        case function(name: String, caseInsensitive: Bool, arguments: [ExpressionAST])
    }

    var kind: Kind
    var location: SourceLocation

    init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }
}
