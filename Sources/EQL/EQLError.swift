/// A query that could not be parsed, verified or compiled, with the place in the query text.
///
/// `line` and `column` are 1-based and count characters (Unicode scalars) of the query text, so an
/// editor can put the cursor on the problem. ``description`` reads like a compiler diagnostic:
///
/// ```
/// line 2, column 17: expected ']' but found 'with'
/// ```
public struct EQLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line of the offending token.
    public let line: Int
    /// 1-based column of the offending token.
    public let column: Int
    /// What was wrong and, where possible, what was expected instead.
    public let message: String

    /// Creates an error at a position.
    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// Creates an error at a source location.
    init(at location: SourceLocation, _ message: String) {
        self.init(line: location.line, column: location.column, message: message)
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// A 1-based line and column in the query text.
struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    var line: Int
    var column: Int

    static let start = SourceLocation(line: 1, column: 1)

    var description: String { "line \(line), column \(column)" }
}
