/// One lexical unit of an EQL query.
struct Token: Sendable, Equatable {
    /// What the token is.
    var kind: TokenKind
    /// Where it starts in the query text.
    var location: SourceLocation
}

/// The kinds of tokens in Elasticsearch's EQL grammar (`EqlBase.g4`).
enum TokenKind: Sendable, Equatable {
    /// A plain identifier: `process`, `process_name`, `@timestamp`.
    case identifier(String)
    /// A back-quoted identifier: `` `my field` ``, with ``` `` ``` unescaped to one back quote.
    case quotedIdentifier(String)
    /// An identifier followed directly by `~`: a case-insensitive function name such as `startsWith~`.
    case tildeIdentifier(String)
    /// A string literal, unescaped.
    case string(String)
    /// An integer literal that fits in 64 bits.
    case integer(Int64)
    /// A decimal literal (or an integer too large for 64 bits).
    case decimal(Double)
    /// A reserved word.
    case keyword(Keyword)
    /// An operator or punctuation.
    case symbol(Symbol)
    /// End of the query text.
    case end

    /// A short rendering for "expected X but found Y" messages.
    var display: String {
        switch self {
        case .identifier(let name), .quotedIdentifier(let name): name
        case .tildeIdentifier(let name): name + "~"
        case .string(let text): "\"" + text + "\""
        case .integer(let value): String(value)
        case .decimal(let value): String(value)
        case .keyword(let keyword): keyword.rawValue
        case .symbol(let symbol): symbol.rawValue
        case .end: "<end of query>"
        }
    }
}

/// EQL's reserved words (they are lower case and case-sensitive, as in Elasticsearch).
enum Keyword: String, Sendable, CaseIterable {
    case and, any, by, `false`, `in`, join, like, maxspan, not, null, of, or, regex, sample, sequence
    case `true`, until, `where`, with
    case inInsensitive = "in~"
    case likeInsensitive = "like~"
    case regexInsensitive = "regex~"
}

/// EQL's operators and punctuation.
enum Symbol: String, Sendable {
    case colon = ":"
    case assign = "="
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case plus = "+"
    case minus = "-"
    case asterisk = "*"
    case slash = "/"
    case percent = "%"
    case dot = "."
    case comma = ","
    case leftBracket = "["
    case rightBracket = "]"
    case leftParenthesis = "("
    case rightParenthesis = ")"
    case pipe = "|"
    case questionMark = "?"
    case missingEventOpen = "!["
    /// `!:`, the negation of `:` (from the dialect the conformance suite was written in).
    case notColon = "!:"
}
