/// Checks a parsed query the way Elasticsearch's verifier does, before anything is compiled:
/// known functions with the right number and kinds of arguments, constant arguments where they
/// are required, valid regular expressions and CIDR blocks, boolean conditions, join keys that are
/// fields and agree in number across stages, sequences of at least two stages.
///
/// Without an index mapping, field types are unknown; type errors are reported whenever the types
/// involved are known (literals and function results).
enum Verifier {
    /// Verifies a whole query.
    static func verify(_ query: QueryAST) throws(EQLError) {
        switch query.body {
        case .event(let filter):
            try verifyFilter(filter)
        case .sequence(let sequence):
            try verifySequence(sequence)
        case .sample(let sample):
            try verifySample(sample)
        }
    }

    private static func verifyFilter(_ filter: EventFilterAST) throws(EQLError) {
        let type = try staticType(of: filter.condition)
        guard type.fits(.boolean) else {
            throw EQLError(at: filter.condition.location, "condition expression needs to be boolean, found [\(type.rawValue)]")
        }
    }

    private static func verifyKeys(_ keys: [ExpressionAST]) throws(EQLError) {
        for key in keys {
            let type = try staticType(of: key)
            if type == .null { throw EQLError(at: key.location, "a join key cannot be the constant null") }
        }
    }

    private static func verifyStages(_ stages: [StageAST], sharedKeys: [ExpressionAST], until: StageAST?) throws(EQLError) {
        try verifyKeys(sharedKeys)
        var expectedKeyCount: Int?
        for stage in stages + (until.map { [$0] } ?? []) {
            try verifyFilter(stage.filter)
            try verifyKeys(stage.keys)
            if let expected = expectedKeyCount, expected != stage.keys.count {
                throw EQLError(at: stage.location, "inconsistent number of join keys specified: [\(expected)] vs [\(stage.keys.count)]")
            }
            expectedKeyCount = stage.keys.count
        }
    }

    private static func verifySequence(_ sequence: SequenceAST) throws(EQLError) {
        try verifyStages(sequence.stages, sharedKeys: sequence.sharedKeys, until: sequence.until)
        let expanded = sequence.stages.reduce(0) { $0 + $1.runs }
        guard expanded >= 2 else {
            throw EQLError(at: sequence.location, "a sequence requires a minimum of 2 queries, found [\(expanded)]")
        }
        guard sequence.stages.contains(where: { !$0.isMissing }) else {
            throw EQLError(at: sequence.location, "a sequence requires at least one positive event query; found none")
        }
    }

    private static func verifySample(_ sample: SampleAST) throws(EQLError) {
        try verifyStages(sample.stages, sharedKeys: sample.sharedKeys, until: nil)
        guard sample.stages.count >= 2 else {
            throw EQLError(at: sample.location, "a sample requires a minimum of 2 queries, found [\(sample.stages.count)]")
        }
        guard sample.stages.count <= 5 else {
            throw EQLError(at: sample.location, "a sample cannot have more than 5 queries, found [\(sample.stages.count)]")
        }
    }

    /// The static type of an expression, checking everything inside it.
    static func staticType(of expression: ExpressionAST) throws(EQLError) -> StaticType {
        switch expression.kind {
        case .literal(let literal):
            switch literal {
            case .null: return .null
            case .bool: return .boolean
            case .integer, .double: return .number
            case .string: return .string
            }
        case .field:
            return .unknown
        case .not(let operand):
            try expectType(operand, .boolean, role: "argument of [not]")
            return .boolean
        case .and(let left, let right), .or(let left, let right):
            try expectType(left, .boolean, role: "operand of a boolean operator")
            try expectType(right, .boolean, role: "operand of a boolean operator")
            return .boolean
        case .comparison(let operation, let left, let right):
            let l = try staticType(of: left), r = try staticType(of: right)
            if l != .unknown, r != .unknown, l != .null, r != .null, l != r {
                throw EQLError(at: expression.location, "cannot compare [\(l.rawValue)] with [\(r.rawValue)] using [\(operation.rawValue)]")
            }
            if operation != .equal, operation != .notEqual, l == .boolean || r == .boolean {
                throw EQLError(at: expression.location, "cannot order booleans with [\(operation.rawValue)]")
            }
            return .boolean
        case .membership(let value, let list, _, _):
            let valueType = try staticType(of: value)
            for item in list {
                let itemType = try staticType(of: item)
                if valueType != .unknown, valueType != .null, itemType != .unknown, itemType != .null, itemType != valueType {
                    throw EQLError(at: item.location, "[in] list item of type [\(itemType.rawValue)] does not match the value's type [\(valueType.rawValue)]")
                }
            }
            return .boolean
        case .pattern(let operation, let value, let patterns):
            let valueType = try staticType(of: value)
            for pattern in patterns {
                guard case .literal(let literal) = pattern.kind else { continue }
                switch (operation, literal) {
                case (.insensitiveEquals, _):
                    break
                case (.like, .string), (.regex, .string):
                    break
                default:
                    throw EQLError(at: pattern.location, "[like] and [regex] patterns must be strings")
                }
                if case .regex(let caseInsensitive) = operation, case .string(let source) = literal,
                   case .failure = LuceneRegex.compile(source, caseInsensitive: caseInsensitive) {
                    throw EQLError(at: pattern.location, "invalid regular expression \"\(source)\"")
                }
            }
            if valueType == .boolean, operation != .insensitiveEquals {
                throw EQLError(at: value.location, "[like] and [regex] apply to strings, found [boolean]")
            }
            return .boolean
        case .arithmetic(let operation, let left, let right):
            try expectType(left, .number, role: "operand of [\(operation.rawValue)]")
            try expectType(right, .number, role: "operand of [\(operation.rawValue)]")
            return .number
        case .negate(let operand):
            try expectType(operand, .number, role: "operand of unary [-]")
            return .number
        case .function(let name, let caseInsensitive, let arguments):
            return try verifyCall(name: name, caseInsensitive: caseInsensitive, arguments: arguments, at: expression.location)
        }
    }

    private static func expectType(_ expression: ExpressionAST, _ expected: StaticType, role: String) throws(EQLError) {
        let actual = try staticType(of: expression)
        guard actual.fits(expected) else {
            throw EQLError(at: expression.location, "\(role) must be [\(expected.rawValue)], found [\(actual.rawValue)]")
        }
    }

    private static func verifyCall(name: String, caseInsensitive: Bool, arguments: [ExpressionAST], at location: SourceLocation) throws(EQLError) -> StaticType {
        guard let function = EQLFunction.named(name) else {
            throw EQLError(at: location, "unknown function [\(name)]; EQL functions are: \(EQLFunction.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if caseInsensitive, !function.supportsInsensitive {
            throw EQLError(at: location, "function [\(function.rawValue)] has no case-insensitive [~] form")
        }
        let arity = function.arity
        guard arity.contains(arguments.count) else {
            let expected = arity.lowerBound == arity.upperBound ? "exactly \(arity.lowerBound)"
                : arity.upperBound == Int.max ? "at least \(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)"
            throw EQLError(at: location, "function [\(function.rawValue)] expects \(expected) argument\(arity.upperBound == 1 ? "" : "s"), found [\(arguments.count)]")
        }
        for (index, argument) in arguments.enumerated() {
            let expected = function.parameterType(index)
            let actual = try staticType(of: argument)
            guard actual.fits(expected) else {
                throw EQLError(at: argument.location, "\(ordinal(index)) argument of [\(function.rawValue)] must be [\(expected.rawValue)], found [\(actual.rawValue)]")
            }
            if function.requiresConstant(index) {
                guard case .literal(let literal) = argument.kind else {
                    throw EQLError(at: argument.location, "\(ordinal(index)) argument of [\(function.rawValue)] must be a constant")
                }
                if function == .cidrMatch {
                    guard case .string(let block) = literal, CIDRBlock(block) != nil else {
                        throw EQLError(at: argument.location, "invalid CIDR block in [cidrMatch]: \(literal)")
                    }
                }
            }
        }
        return function.resultType
    }

    private static func ordinal(_ index: Int) -> String {
        switch index {
        case 0: "first"
        case 1: "second"
        case 2: "third"
        case 3: "fourth"
        default: "argument \(index + 1):"
        }
    }
}
