/// A recursive-descent parser for Elasticsearch's EQL grammar (`EqlBase.g4`), producing a ``QueryAST``.
///
/// Precedence, loosest first: `or`, `and`, `not`, comparison (`== != < <= > >= : !:`, one per
/// operand pair), `+ -`, `* / %`, unary `- +`, then a primary expression optionally followed by a
/// predicate (`[not] in (…)`, `in~`, `like`, `like~`, `regex`, `regex~`). `:` takes a constant, a
/// parenthesized list of them (`x : ("a*", "b")`) or any operand (`x - 1 : 81`, as the spec suite
/// writes it); `!:` is its negation. Syntax Elasticsearch parses but
/// rejects (`join`, `descendant of`, pipes other than `head`/`tail`, array indexes) is rejected here
/// with the same kind of message.
struct Parser {
    private let tokens: [Token]
    private var position = 0

    /// Parses a whole query.
    static func parse(_ text: String) throws(EQLError) -> QueryAST {
        var parser = Parser(tokens: try Lexer.tokenize(text))
        return try parser.parseStatement()
    }

    /// Parses a standalone expression (used by tests and tools).
    static func parseExpression(_ text: String) throws(EQLError) -> ExpressionAST {
        var parser = Parser(tokens: try Lexer.tokenize(text))
        let expression = try parser.parseExpression()
        try parser.expectEnd()
        return expression
    }

    private init(tokens: [Token]) {
        self.tokens = tokens
    }

    // MARK: Token helpers

    private var current: Token { tokens[position] }
    private var next: Token { tokens[min(position + 1, tokens.count - 1)] }

    private mutating func consume() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func isSymbol(_ symbol: Symbol) -> Bool { current.kind == .symbol(symbol) }
    private func isKeyword(_ keyword: Keyword) -> Bool { current.kind == .keyword(keyword) }

    private mutating func accept(_ symbol: Symbol) -> Bool {
        guard isSymbol(symbol) else { return false }
        _ = consume()
        return true
    }

    private mutating func accept(_ keyword: Keyword) -> Bool {
        guard isKeyword(keyword) else { return false }
        _ = consume()
        return true
    }

    private func unexpected(_ expected: String) -> EQLError {
        EQLError(at: current.location, "expected \(expected) but found '\(current.kind.display)'")
    }

    private mutating func expect(_ symbol: Symbol) throws(EQLError) {
        guard accept(symbol) else { throw unexpected("'\(symbol.rawValue)'") }
    }

    private mutating func expect(_ keyword: Keyword) throws(EQLError) {
        guard accept(keyword) else { throw unexpected("'\(keyword.rawValue)'") }
    }

    private mutating func expectEnd() throws(EQLError) {
        guard current.kind == .end else { throw unexpected("the end of the query") }
    }

    // MARK: Statement

    private mutating func parseStatement() throws(EQLError) -> QueryAST {
        let body: QueryBody
        if isKeyword(.sequence) {
            body = .sequence(try parseSequence())
        } else if isKeyword(.sample) {
            body = .sample(try parseSample())
        } else if isKeyword(.join) {
            throw EQLError(at: current.location, "queries using [join] are not supported; use [sequence] instead")
        } else {
            body = .event(try parseEventFilter())
        }
        var pipes: [PipeAST] = []
        while isSymbol(.pipe) {
            pipes.append(try parsePipe())
        }
        try expectEnd()
        return QueryAST(body: body, pipes: pipes)
    }

    private mutating func parsePipe() throws(EQLError) -> PipeAST {
        _ = consume() // '|'
        let location = current.location
        guard case .identifier(let name) = current.kind else { throw unexpected("a pipe name ('head' or 'tail')") }
        _ = consume()
        let kind: PipeAST.Kind
        switch name {
        case "head": kind = .head
        case "tail": kind = .tail
        default: throw EQLError(at: location, "pipe [\(name)] is not supported; only [head] and [tail] are")
        }
        var count = 10
        if case .integer(let value) = current.kind {
            _ = consume()
            guard value >= 0, value <= Int64(Int32.max) else {
                throw EQLError(at: location, "pipe [\(name)] expects a non-negative integer, found [\(value)]")
            }
            count = Int(value)
            if isSymbol(.comma) { throw EQLError(at: current.location, "pipe [\(name)] expects exactly one argument") }
        } else if !isSymbol(.pipe), current.kind != .end {
            throw unexpected("a non-negative integer after [\(name)]")
        }
        return PipeAST(kind: kind, count: count, location: location)
    }

    // MARK: Sequence and sample

    private mutating func parseSequence() throws(EQLError) -> SequenceAST {
        let location = consume().location // 'sequence'
        var sharedKeys: [ExpressionAST] = []
        var maxspan: Int64?
        if isKeyword(.by) {
            sharedKeys = try parseJoinKeys()
            if isKeyword(.with) { maxspan = try parseMaxspan() }
        } else if isKeyword(.with) {
            maxspan = try parseMaxspan()
            if isKeyword(.by) {
                throw EQLError(at: current.location, "please specify sequence [by] before [with] not after")
            }
        }
        var stages: [StageAST] = []
        while isSymbol(.leftBracket) || isSymbol(.missingEventOpen) {
            stages.append(try parseStage(allowRuns: true))
        }
        if stages.isEmpty { throw unexpected("'[' to start a sequence stage") }
        var until: StageAST?
        if accept(.until) {
            guard isSymbol(.leftBracket) else { throw unexpected("'[' after [until]") }
            until = try parseStage(allowRuns: false)
        }
        return SequenceAST(sharedKeys: sharedKeys, maxspan: maxspan, stages: stages, until: until, location: location)
    }

    private mutating func parseSample() throws(EQLError) -> SampleAST {
        let location = consume().location // 'sample'
        var sharedKeys: [ExpressionAST] = []
        if isKeyword(.by) { sharedKeys = try parseJoinKeys() }
        var stages: [StageAST] = []
        while isSymbol(.leftBracket) || isSymbol(.missingEventOpen) {
            let stage = try parseStage(allowRuns: false)
            if stage.isMissing { throw EQLError(at: stage.location, "missing events [![…]] are not supported in [sample]") }
            stages.append(stage)
        }
        if stages.isEmpty { throw unexpected("'[' to start a sample stage") }
        return SampleAST(sharedKeys: sharedKeys, stages: stages, location: location)
    }

    private mutating func parseJoinKeys() throws(EQLError) -> [ExpressionAST] {
        _ = consume() // 'by'
        var keys = [try parseExpression()]
        while accept(.comma) { keys.append(try parseExpression()) }
        return keys
    }

    private mutating func parseMaxspan() throws(EQLError) -> Int64 {
        _ = consume() // 'with'
        guard accept(.maxspan) else { throw unexpected("'maxspan'") }
        guard accept(.assign) else { throw unexpected("'='") }
        let location = current.location
        let amount: Int64
        switch current.kind {
        case .integer(let value): amount = value
        case .decimal: throw EQLError(at: location, "decimal time intervals are not supported; use a whole number with a smaller unit")
        default: throw unexpected("a time interval such as 5s")
        }
        _ = consume()
        guard case .identifier(let unit) = current.kind, current.location.line == location.line else {
            throw EQLError(at: location, "no time unit specified, did you mean [s] as in [\(amount)s]?")
        }
        _ = consume()
        let nanosPerUnit: Int64
        switch unit {
        case "ms": nanosPerUnit = 1_000_000
        case "s": nanosPerUnit = 1_000_000_000
        case "m": nanosPerUnit = 60_000_000_000
        case "h": nanosPerUnit = 3_600_000_000_000
        case "d": nanosPerUnit = 86_400_000_000_000
        default: throw EQLError(at: location, "unknown time unit [\(unit)]: use one of ms, s, m, h, d")
        }
        guard amount > 0 else { throw EQLError(at: location, "maxspan must be positive, found [\(amount)\(unit)]") }
        let (nanos, overflow) = amount.multipliedReportingOverflow(by: nanosPerUnit)
        guard !overflow else { throw EQLError(at: location, "maxspan [\(amount)\(unit)] is too large") }
        return nanos
    }

    private mutating func parseStage(allowRuns: Bool) throws(EQLError) -> StageAST {
        let location = current.location
        let isMissing = consume().kind == .symbol(.missingEventOpen)
        let filter = try parseEventFilter()
        try expect(.rightBracket)
        var keys: [ExpressionAST] = []
        if isKeyword(.by) { keys = try parseJoinKeys() }
        var runs = 1
        if allowRuns, isKeyword(.with), next.kind != .keyword(.maxspan) {
            _ = consume()
            let optionLocation = current.location
            guard case .identifier(let option) = current.kind else { throw unexpected("'runs'") }
            guard option == "runs" else { throw EQLError(at: optionLocation, "unrecognized option [\(option)], expecting [runs]") }
            _ = consume()
            guard accept(.assign) else { throw unexpected("'='") }
            let valueLocation = current.location
            guard case .integer(let value) = current.kind else { throw unexpected("a whole number of runs") }
            _ = consume()
            guard value > 0 else { throw EQLError(at: valueLocation, "a positive runs value is required; found [\(value)]") }
            guard value <= 100 else { throw EQLError(at: valueLocation, "a query cannot be repeated more than 100 times; found [\(value)]") }
            runs = Int(value)
        }
        return StageAST(filter: filter, keys: keys, runs: runs, isMissing: isMissing, location: location)
    }

    private mutating func parseEventFilter() throws(EQLError) -> EventFilterAST {
        let location = current.location
        let category: String?
        switch current.kind {
        case .keyword(.any): category = nil
        case .identifier(let name): category = name
        case .string(let name): category = name
        default: throw unexpected("an event category or 'any'")
        }
        _ = consume()
        try expect(.where)
        let condition = try parseExpression()
        return EventFilterAST(category: category, condition: condition, location: location)
    }

    // MARK: Expressions

    mutating func parseExpression() throws(EQLError) -> ExpressionAST {
        try parseOr()
    }

    private mutating func parseOr() throws(EQLError) -> ExpressionAST {
        var left = try parseAnd()
        while isKeyword(.or) {
            let location = consume().location
            let right = try parseAnd()
            left = ExpressionAST(.or(left, right), at: location)
        }
        return left
    }

    private mutating func parseAnd() throws(EQLError) -> ExpressionAST {
        var left = try parseNot()
        while isKeyword(.and) {
            let location = consume().location
            let right = try parseNot()
            left = ExpressionAST(.and(left, right), at: location)
        }
        return left
    }

    private mutating func parseNot() throws(EQLError) -> ExpressionAST {
        if isKeyword(.not) {
            let location = consume().location
            return ExpressionAST(.not(try parseNot()), at: location)
        }
        if case .identifier(let relationship) = current.kind, next.kind == .keyword(.of) {
            throw EQLError(at: current.location, "process relationships [\(relationship) of] are not supported")
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(EQLError) -> ExpressionAST {
        let left = try parseAdditive()
        let comparison: ComparisonOperator
        switch current.kind {
        case .symbol(.equal): comparison = .equal
        case .symbol(.notEqual): comparison = .notEqual
        case .symbol(.less): comparison = .less
        case .symbol(.lessOrEqual): comparison = .lessOrEqual
        case .symbol(.greater): comparison = .greater
        case .symbol(.greaterOrEqual): comparison = .greaterOrEqual
        case .symbol(.colon), .symbol(.notColon):
            let negated = current.kind == .symbol(.notColon)
            let location = consume().location
            let right = try parseInsensitiveOperands()
            let comparison = ExpressionAST(.pattern(.insensitiveEquals, left, right), at: location)
            return negated ? ExpressionAST(.not(comparison), at: location) : comparison
        case .symbol(.assign):
            throw EQLError(at: current.location, "use '==' for equality, not '='")
        default: return left
        }
        let location = consume().location
        let right = try parseAdditive()
        return ExpressionAST(.comparison(comparison, left, right), at: location)
    }

    private mutating func parseAdditive() throws(EQLError) -> ExpressionAST {
        var left = try parseMultiplicative()
        while true {
            let operation: ArithmeticOperator
            if isSymbol(.plus) { operation = .add } else if isSymbol(.minus) { operation = .subtract } else { return left }
            let location = consume().location
            let right = try parseMultiplicative()
            left = ExpressionAST(.arithmetic(operation, left, right), at: location)
        }
    }

    private mutating func parseMultiplicative() throws(EQLError) -> ExpressionAST {
        var left = try parseUnary()
        while true {
            let operation: ArithmeticOperator
            switch current.kind {
            case .symbol(.asterisk): operation = .multiply
            case .symbol(.slash): operation = .divide
            case .symbol(.percent): operation = .modulo
            default: return left
            }
            let location = consume().location
            let right = try parseUnary()
            left = ExpressionAST(.arithmetic(operation, left, right), at: location)
        }
    }

    private mutating func parseUnary() throws(EQLError) -> ExpressionAST {
        if isSymbol(.minus) {
            let location = consume().location
            let operand = try parseUnary()
            // Fold negative number literals right away, so `-5` is a constant.
            switch operand.kind {
            case .literal(.integer(let value)): return ExpressionAST(.literal(.integer(-value)), at: location)
            case .literal(.double(let value)): return ExpressionAST(.literal(.double(-value)), at: location)
            default: return ExpressionAST(.negate(operand), at: location)
            }
        }
        if isSymbol(.plus) {
            _ = consume()
            return try parseUnary()
        }
        let primary = try parsePrimary()
        return try parsePredicate(on: primary)
    }

    private mutating func parsePredicate(on value: ExpressionAST) throws(EQLError) -> ExpressionAST {
        let location = current.location
        var negated = false
        if isKeyword(.not), next.kind == .keyword(.in) || next.kind == .keyword(.inInsensitive) {
            _ = consume()
            negated = true
        }
        switch current.kind {
        case .keyword(.in), .keyword(.inInsensitive):
            let caseInsensitive = consume().kind == .keyword(.inInsensitive)
            try expect(.leftParenthesis)
            var list = [try parseExpression()]
            while accept(.comma) { list.append(try parseExpression()) }
            try expect(.rightParenthesis)
            return ExpressionAST(.membership(value, list, negated: negated, caseInsensitive: caseInsensitive), at: location)
        case .keyword(.like), .keyword(.likeInsensitive):
            let caseInsensitive = consume().kind == .keyword(.likeInsensitive)
            return ExpressionAST(.pattern(.like(caseInsensitive: caseInsensitive), value, try parseConstantList()), at: location)
        case .keyword(.regex), .keyword(.regexInsensitive):
            let caseInsensitive = consume().kind == .keyword(.regexInsensitive)
            return ExpressionAST(.pattern(.regex(caseInsensitive: caseInsensitive), value, try parseConstantList()), at: location)
        default:
            return value
        }
    }

    /// The right side of `:`: an operand, or a parenthesized list of them (`x : ("a*", "b")`).
    private mutating func parseInsensitiveOperands() throws(EQLError) -> [ExpressionAST] {
        guard isSymbol(.leftParenthesis) else { return [try parseAdditive()] }
        let start = position
        _ = consume()
        var list = [try parseExpression()]
        while accept(.comma) { list.append(try parseExpression()) }
        try expect(.rightParenthesis)
        if list.count == 1 {
            // A parenthesized operand may continue: `x : (a + 1) * 2`.
            position = start
            return [try parseAdditive()]
        }
        return list
    }

    /// `constant` or `(constant, constant, …)`.
    private mutating func parseConstantList() throws(EQLError) -> [ExpressionAST] {
        if accept(.leftParenthesis) {
            var list = [try parseConstant()]
            while accept(.comma) { list.append(try parseConstant()) }
            try expect(.rightParenthesis)
            return list
        }
        return [try parseConstant()]
    }

    private mutating func parseConstant() throws(EQLError) -> ExpressionAST {
        let location = current.location
        switch current.kind {
        case .string(let text): _ = consume(); return ExpressionAST(.literal(.string(text)), at: location)
        case .integer(let value): _ = consume(); return ExpressionAST(.literal(.integer(value)), at: location)
        case .decimal(let value): _ = consume(); return ExpressionAST(.literal(.double(value)), at: location)
        case .keyword(.null): _ = consume(); return ExpressionAST(.literal(.null), at: location)
        case .keyword(.true): _ = consume(); return ExpressionAST(.literal(.bool(true)), at: location)
        case .keyword(.false): _ = consume(); return ExpressionAST(.literal(.bool(false)), at: location)
        case .symbol(.minus):
            _ = consume()
            switch current.kind {
            case .integer(let value): _ = consume(); return ExpressionAST(.literal(.integer(-value)), at: location)
            case .decimal(let value): _ = consume(); return ExpressionAST(.literal(.double(-value)), at: location)
            default: throw unexpected("a number after '-'")
            }
        default: throw unexpected("a constant (string, number, boolean or null)")
        }
    }

    private mutating func parsePrimary() throws(EQLError) -> ExpressionAST {
        let location = current.location
        switch current.kind {
        case .string, .integer, .decimal, .keyword(.null), .keyword(.true), .keyword(.false):
            return try parseConstant()
        case .symbol(.leftParenthesis):
            _ = consume()
            let inner = try parseExpression()
            try expect(.rightParenthesis)
            return inner
        case .tildeIdentifier(let name):
            _ = consume()
            guard isSymbol(.leftParenthesis) else { throw unexpected("'(' after function name '\(name)~'") }
            return try parseCall(name: name, caseInsensitive: true, at: location)
        case .identifier(let name) where next.kind == .symbol(.leftParenthesis):
            _ = consume()
            return try parseCall(name: name, caseInsensitive: false, at: location)
        case .symbol(.questionMark):
            _ = consume()
            guard case .identifier = current.kind else {
                if case .quotedIdentifier = current.kind { return try parseFieldPath(optional: true, at: location) }
                throw unexpected("a field name after '?'")
            }
            return try parseFieldPath(optional: true, at: location)
        case .identifier, .quotedIdentifier:
            return try parseFieldPath(optional: false, at: location)
        default:
            throw unexpected("an expression")
        }
    }

    private mutating func parseCall(name: String, caseInsensitive: Bool, at location: SourceLocation) throws(EQLError) -> ExpressionAST {
        try expect(.leftParenthesis)
        var arguments: [ExpressionAST] = []
        if !isSymbol(.rightParenthesis) {
            arguments.append(try parseExpression())
            while accept(.comma) { arguments.append(try parseExpression()) }
        }
        try expect(.rightParenthesis)
        return ExpressionAST(.function(name: name, caseInsensitive: caseInsensitive, arguments: arguments), at: location)
    }

    private mutating func parseFieldPath(optional: Bool, at location: SourceLocation) throws(EQLError) -> ExpressionAST {
        var path = try fieldSegment()
        while true {
            if isSymbol(.dot) {
                _ = consume()
                path += "." + (try fieldSegment(afterDot: true))
            } else if isSymbol(.leftBracket), case .integer = next.kind {
                throw EQLError(at: current.location, "array indexes in field names are not supported")
            } else {
                break
            }
        }
        return ExpressionAST(.field(path: path, optional: optional), at: location)
    }

    /// One segment of a dotted field name. After a dot, reserved words are accepted as names
    /// (`event.sequence`), since nothing else can follow a dot.
    private mutating func fieldSegment(afterDot: Bool = false) throws(EQLError) -> String {
        switch current.kind {
        case .identifier(let name), .quotedIdentifier(let name):
            _ = consume()
            return name
        case .keyword(let keyword) where afterDot && !keyword.rawValue.hasSuffix("~"):
            _ = consume()
            return keyword.rawValue
        case .integer(let value) where afterDot:
            _ = consume()
            return String(value)
        default:
            throw unexpected("a field name")
        }
    }
}
