import ECS

/// Turns verified expressions into ``Condition``s and ``ValueNode``s, interning every field path
/// in the catalog builder, precompiling wildcards, string sets, regular expressions and CIDR blocks.
struct ExpressionCompiler {
    /// Where field paths are registered.
    var fields: FieldCatalog.Builder
    /// Paths compared as dates (see ``CompileOptions/dateFields``).
    let dateFields: Set<String>
    /// Where string comparisons are shared with the other queries compiled alongside.
    let leaves: LeafPool

    /// The condition comparing `field` with string constants, shared with every identical one of
    /// the pool.
    private func stringCondition(_ field: FieldID, exact: [String] = [], wildcards: [String] = [], regexes: [String] = [],
                                 caseInsensitive: Bool) -> FieldStringCondition {
        // Each list is its length then its strings, each its UTF-8 length then itself: unambiguous.
        let key = ([caseInsensitive ? "i" : "s"] + [exact, wildcards, regexes].flatMap { ["\($0.count)"] + $0.map { "\($0.utf8.count):\($0)" } })
            .joined(separator: ",")
        return leaves.stringCondition(field: field, key: key) { slot in
            let matcher = StringMatcher(exact: exact, wildcards: wildcards, regexes: regexes, caseInsensitive: caseInsensitive)
            return FieldStringCondition(field: field, matcher: matcher, memoSlot: slot)
        }
    }

    /// Compiles a condition (the `where` clause of a filter).
    mutating func condition(_ expression: ExpressionAST) throws(EQLError) -> Condition {
        switch expression.kind {
        case .and:
            var operands: [Condition] = []
            try flatten(expression, isAnd: true, into: &operands)
            return AndCondition(operands: operands)
        case .or:
            var operands: [Condition] = []
            try flatten(expression, isAnd: false, into: &operands)
            return OrCondition(operands: operands)
        case .not(let operand):
            return NotCondition(operand: try condition(operand))
        case .literal(let literal):
            switch literal {
            case .bool(let value): return ConstantCondition(truth: value)
            case .null: return ConstantCondition(truth: nil)
            default: return ConstantCondition(truth: false)
            }
        case .field(let path, _):
            return FieldComparisonCondition(field: fields.intern(path), operation: .equal, constant: .bool(true))
        case .comparison(let operation, let left, let right):
            return try comparison(operation, left, right, expression)
        case .membership(let value, let list, let negated, let caseInsensitive):
            let positive = try membership(value, list, caseInsensitive: caseInsensitive, expression)
            return negated ? NotCondition(operand: positive) : positive
        case .pattern(let operation, let value, let patterns):
            return try pattern(operation, value, patterns, expression)
        case .function(let name, _, let arguments):
            if EQLFunction.named(name) == .cidrMatch, case .field(let path, _) = arguments[0].kind {
                return FieldCIDRCondition(field: fields.intern(path), blocks: cidrBlocks(arguments))
            }
            let queryLike = [.startsWith, .endsWith, .stringContains].contains(EQLFunction.named(name))
                && isField(arguments[0]) && arguments.dropFirst().allSatisfy(isLiteral)
            return try leaf(expression, nullIsFalse: queryLike)
        case .arithmetic, .negate:
            return try leaf(expression, nullIsFalse: false)
        }
    }

    private mutating func flatten(_ expression: ExpressionAST, isAnd: Bool, into operands: inout [Condition]) throws(EQLError) {
        switch expression.kind {
        case .and(let left, let right) where isAnd, .or(let left, let right) where !isAnd:
            try flatten(left, isAnd: isAnd, into: &operands)
            try flatten(right, isAnd: isAnd, into: &operands)
        default:
            operands.append(try condition(expression))
        }
    }

    private func isField(_ expression: ExpressionAST) -> Bool {
        if case .field = expression.kind { return true }
        return false
    }

    private func isLiteral(_ expression: ExpressionAST) -> Bool {
        if case .literal = expression.kind { return true }
        return false
    }

    private mutating func comparison(_ operation: ComparisonOperator, _ left: ExpressionAST, _ right: ExpressionAST,
                                     _ whole: ExpressionAST) throws(EQLError) -> Condition {
        // `x == null` and `x != null` are null checks (Elasticsearch's ReplaceNullChecks).
        if operation == .equal || operation == .notEqual {
            let other: ExpressionAST? = if case .literal(.null) = right.kind { left }
                else if case .literal(.null) = left.kind { right } else { nil }
            if let other {
                if case .field(let path, _) = other.kind {
                    return FieldIsNullCondition(field: fields.intern(path), negated: operation == .notEqual)
                }
                var bindings: [FieldID] = []
                let node = IsNullNode(operand: try value(other, &bindings), negated: operation == .notEqual)
                return LeafCondition(node: node, fields: bindings, nullIsFalse: true)
            }
        }
        // `field OP constant` (or `constant OP field`) is a Lucene query in Elasticsearch.
        var field: ExpressionAST?
        var constant: LiteralValue?
        var effective = operation
        if case .field = left.kind, case .literal(let literal) = right.kind {
            field = left
            constant = literal
        } else if case .literal(let literal) = left.kind, case .field = right.kind {
            field = right
            constant = literal
            effective = Self.flipped(operation)
        }
        if let field, case .field(let path, _) = field.kind, let constant {
            let id = fields.intern(path)
            if dateFields.contains(path), let millis = Self.epochMillis(constant) {
                let condition = FieldTimeComparisonCondition(field: id, operation: effective == .notEqual ? .equal : effective, millis: millis)
                return effective == .notEqual ? NotCondition(operand: condition) : condition
            }
            if effective == .notEqual {
                return NotCondition(operand: fieldEquals(id, constant))
            }
            if effective == .equal { return fieldEquals(id, constant) }
            return FieldComparisonCondition(field: id, operation: effective, constant: Value(constant))
        }
        if operation == .notEqual {
            var bindings: [FieldID] = []
            let node = ComparisonNode(operation: .equal, left: try value(left, &bindings), right: try value(right, &bindings))
            return NotCondition(operand: LeafCondition(node: node, fields: bindings, nullIsFalse: false))
        }
        return try leaf(whole, nullIsFalse: false)
    }

    /// A date constant as epoch milliseconds: an ISO 8601 string or a number of milliseconds.
    private static func epochMillis(_ constant: LiteralValue) -> Int64? {
        switch constant {
        case .integer(let millis): millis
        case .string(let text): Timestamp.parseISO8601(text).map { Self.floorMillis($0) }
        default: nil
        }
    }

    static func floorMillis(_ nanos: Int64) -> Int64 {
        nanos >= 0 ? nanos / 1_000_000 : (nanos - 999_999) / 1_000_000
    }

    private func fieldEquals(_ field: FieldID, _ constant: LiteralValue) -> Condition {
        if case .string(let text) = constant {
            return stringCondition(field, exact: [text], caseInsensitive: false)
        }
        return FieldComparisonCondition(field: field, operation: .equal, constant: Value(constant))
    }

    private static func flipped(_ operation: ComparisonOperator) -> ComparisonOperator {
        switch operation {
        case .less: .greater
        case .lessOrEqual: .greaterOrEqual
        case .greater: .less
        case .greaterOrEqual: .lessOrEqual
        default: operation
        }
    }

    private mutating func membership(_ subject: ExpressionAST, _ list: [ExpressionAST], caseInsensitive: Bool,
                                     _ whole: ExpressionAST) throws(EQLError) -> Condition {
        if case .field(let path, _) = subject.kind, list.allSatisfy(isLiteral) {
            let id = fields.intern(path)
            var strings: [String] = []
            var others: [Condition] = []
            for item in list {
                guard case .literal(let literal) = item.kind else { continue }
                switch literal {
                case .string(let text): strings.append(text)
                case .null: continue
                default: others.append(FieldComparisonCondition(field: id, operation: .equal, constant: Value(literal)))
                }
            }
            if !strings.isEmpty {
                others.insert(stringCondition(id, exact: strings, caseInsensitive: caseInsensitive), at: 0)
            }
            return others.count == 1 ? others[0] : OrCondition(operands: others)
        }
        var bindings: [FieldID] = []
        let node = MembershipNode(value: try value(subject, &bindings), list: try list.map { (item) throws(EQLError) in try value(item, &bindings) },
                                  negated: false, caseInsensitive: caseInsensitive)
        return LeafCondition(node: node, fields: bindings, nullIsFalse: false)
    }

    /// The constants of a pattern operator, sorted by how they compare, and its case sensitivity;
    /// non-string constants of `:` are returned separately as values to compare for equality.
    /// Regular expressions are kept as their text (the verifier rejected those that do not compile).
    private func patternParts(_ operation: PatternOperator, _ patterns: [ExpressionAST])
        -> (exact: [String], wildcards: [String], regexes: [String], others: [LiteralValue], caseInsensitive: Bool) {
        var exact: [String] = []
        var wildcards: [String] = []
        var regexes: [String] = []
        var others: [LiteralValue] = []
        let caseInsensitive: Bool
        switch operation {
        case .insensitiveEquals: caseInsensitive = true
        case .like(let flag), .regex(let flag): caseInsensitive = flag
        }
        for pattern in patterns {
            guard case .literal(let literal) = pattern.kind else { continue }
            guard case .string(let text) = literal else { others.append(literal); continue }
            switch operation {
            case .insensitiveEquals, .like:
                if WildcardPattern.hasWildcards(text) { wildcards.append(text) } else { exact.append(text) }
            case .regex:
                regexes.append(text)
            }
        }
        return (exact, wildcards, regexes, others, caseInsensitive)
    }

    private mutating func pattern(_ operation: PatternOperator, _ subject: ExpressionAST, _ patterns: [ExpressionAST],
                                  _ whole: ExpressionAST) throws(EQLError) -> Condition {
        // `null : x` is a null check of x, like `x : null`.
        if operation == .insensitiveEquals, case .literal(.null) = subject.kind, patterns.count == 1 {
            return try comparison(.equal, patterns[0], subject, whole)
        }
        guard case .field(let path, _) = subject.kind, patterns.allSatisfy(isLiteral) else {
            return try leaf(whole, nullIsFalse: false)
        }
        let id = fields.intern(path)
        let parts = patternParts(operation, patterns)
        var operands: [Condition] = [stringCondition(id, exact: parts.exact, wildcards: parts.wildcards, regexes: parts.regexes,
                                                     caseInsensitive: parts.caseInsensitive)]
        let others = parts.others
        for literal in others {
            operands.append(literal == .null
                ? FieldIsNullCondition(field: id, negated: false)
                : FieldComparisonCondition(field: id, operation: .equal, constant: Value(literal)))
        }
        return operands.count == 1 ? operands[0] : OrCondition(operands: operands)
    }

    private func cidrBlocks(_ arguments: [ExpressionAST]) -> [CIDRBlock] {
        arguments.dropFirst().compactMap { argument in
            if case .literal(.string(let text)) = argument.kind { return CIDRBlock(text) }
            return nil
        }
    }

    /// A leaf evaluated over every combination of the values of the fields it reads.
    private mutating func leaf(_ expression: ExpressionAST, nullIsFalse: Bool) throws(EQLError) -> Condition {
        var bindings: [FieldID] = []
        let node = try value(expression, &bindings)
        return LeafCondition(node: node, fields: bindings, nullIsFalse: nullIsFalse)
    }

    /// Compiles an expression to a value node; `bindings` collects the fields it reads.
    mutating func value(_ expression: ExpressionAST, _ bindings: inout [FieldID]) throws(EQLError) -> any ValueNode {
        switch expression.kind {
        case .literal(let literal):
            return ConstantNode(value: Value(literal))
        case .field(let path, _):
            let id = fields.intern(path)
            if let index = bindings.firstIndex(of: id) { return FieldNode(binding: index) }
            bindings.append(id)
            return FieldNode(binding: bindings.count - 1)
        case .not(let operand):
            return NotNode(operand: try value(operand, &bindings))
        case .and(let left, let right):
            return LogicNode(isAnd: true, left: try value(left, &bindings), right: try value(right, &bindings))
        case .or(let left, let right):
            return LogicNode(isAnd: false, left: try value(left, &bindings), right: try value(right, &bindings))
        case .comparison(let operation, let left, let right):
            if operation == .equal || operation == .notEqual {
                if case .literal(.null) = right.kind { return IsNullNode(operand: try value(left, &bindings), negated: operation == .notEqual) }
                if case .literal(.null) = left.kind { return IsNullNode(operand: try value(right, &bindings), negated: operation == .notEqual) }
            }
            return ComparisonNode(operation: operation, left: try value(left, &bindings), right: try value(right, &bindings))
        case .membership(let subject, let list, let negated, let caseInsensitive):
            return MembershipNode(value: try value(subject, &bindings),
                                  list: try list.map { (item) throws(EQLError) in try value(item, &bindings) },
                                  negated: negated, caseInsensitive: caseInsensitive)
        case .pattern(let operation, let subject, let patterns):
            if operation == .insensitiveEquals, case .literal(.null) = subject.kind, patterns.count == 1 {
                return IsNullNode(operand: try value(patterns[0], &bindings), negated: false)
            }
            let parts = patternParts(operation, patterns)
            let matcher = StringMatcher(exact: parts.exact, wildcards: parts.wildcards, regexes: parts.regexes,
                                        caseInsensitive: parts.caseInsensitive)
            let operand = try value(subject, &bindings)
            var node: any ValueNode = PatternNode(value: operand, matcher: matcher)
            for pattern in patterns {
                switch pattern.kind {
                case .literal(.string):
                    continue
                case .literal(.null):
                    node = LogicNode(isAnd: false, left: node, right: IsNullNode(operand: operand, negated: false))
                default:
                    let other = InsensitiveEqualsNode(left: operand, right: try value(pattern, &bindings))
                    node = LogicNode(isAnd: false, left: node, right: other)
                }
            }
            return node
        case .arithmetic(let operation, let left, let right):
            return ArithmeticNode(operation: operation, left: try value(left, &bindings), right: try value(right, &bindings))
        case .negate(let operand):
            return NegateNode(operand: try value(operand, &bindings))
        case .function(let name, let caseInsensitive, let arguments):
            guard let function = EQLFunction.named(name) else {
                throw EQLError(at: expression.location, "unknown function [\(name)]")
            }
            let nodes = try arguments.map { (argument) throws(EQLError) in try value(argument, &bindings) }
            return FunctionNode(function: function, caseInsensitive: caseInsensitive, arguments: nodes,
                                blocks: function == .cidrMatch ? cidrBlocks(arguments) : [])
        }
    }
}
