import ECS

/// What a value node sees while it evaluates: the event, and for each field the current condition
/// reads, which of the field's values (slot index, or -1 when absent) is being tried.
struct Scope {
    let event: Event
    let choices: UnsafeMutablePointer<Int>
}

/// A compiled expression producing a ``Value`` for one event.
protocol ValueNode: Sendable {
    func evaluate(_ scope: Scope) -> Value
}

/// A constant.
struct ConstantNode: ValueNode {
    let value: Value
    func evaluate(_ scope: Scope) -> Value { value }
}

/// The value of a field currently chosen in the scope (see ``LeafCondition``).
struct FieldNode: ValueNode {
    /// Position of the field in the enclosing condition's field list.
    let binding: Int
    func evaluate(_ scope: Scope) -> Value {
        let slot = scope.choices[binding]
        return slot < 0 ? .null : Value.of(scope.event.slots[slot])
    }
}

/// Kleene `not`.
struct NotNode: ValueNode {
    let operand: any ValueNode
    func evaluate(_ scope: Scope) -> Value {
        guard let truth = operand.evaluate(scope).truth else { return .null }
        return .bool(!truth)
    }
}

/// Kleene `and`/`or`.
struct LogicNode: ValueNode {
    let isAnd: Bool
    let left: any ValueNode
    let right: any ValueNode
    func evaluate(_ scope: Scope) -> Value {
        let l = left.evaluate(scope).truth
        if isAnd, l == false { return .bool(false) }
        if !isAnd, l == true { return .bool(true) }
        let r = right.evaluate(scope).truth
        if isAnd {
            if r == false { return .bool(false) }
            return l == true && r == true ? .bool(true) : .null
        }
        if r == true { return .bool(true) }
        return l == false && r == false ? .bool(false) : .null
    }
}

/// `value == null` / `value != null` (Elasticsearch rewrites both to null checks).
struct IsNullNode: ValueNode {
    let operand: any ValueNode
    let negated: Bool
    func evaluate(_ scope: Scope) -> Value {
        if case .null = operand.evaluate(scope) { return .bool(!negated) }
        return .bool(negated)
    }
}

/// Shared comparison semantics of `==`, `<`, … on two values.
enum Comparison {
    /// Orders two non-null values: numbers numerically, strings by code point, booleans false < true.
    /// `nil` when the types cannot be compared.
    static func order(_ left: Value, _ right: Value, in event: Event, caseInsensitive: Bool = false) -> Int? {
        if let a = left.number, let b = right.number {
            if case .integer(let x) = left, case .integer(let y) = right { return x == y ? 0 : (x < y ? -1 : 1) }
            return a == b ? 0 : (a < b ? -1 : (a > b ? 1 : nil))
        }
        if case .bool(let a) = left, case .bool(let b) = right { return a == b ? 0 : (a ? 1 : -1) }
        guard left.isString, right.isString else { return nil }
        return left.withStringBytes(in: event) { a in
            right.withStringBytes(in: event) { b in
                if caseInsensitive {
                    if ByteText.equal(a, b, caseInsensitive: true) { return 0 }
                    let x = ByteText.lowercased(a), y = ByteText.lowercased(b)
                    return x.withUnsafeBufferPointer { p in y.withUnsafeBufferPointer { ByteText.compare(p, $0) } }
                }
                return ByteText.compare(a, b)
            }!
        }!
    }

    /// Applies `operation`; null operands give null, incomparable types give false.
    static func apply(_ operation: ComparisonOperator, _ left: Value, _ right: Value, in event: Event) -> Value {
        if case .null = left { return .null }
        if case .null = right { return .null }
        guard let order = order(left, right, in: event) else { return .bool(operation == .notEqual) }
        switch operation {
        case .equal: return .bool(order == 0)
        case .notEqual: return .bool(order != 0)
        case .less: return .bool(order < 0)
        case .lessOrEqual: return .bool(order <= 0)
        case .greater: return .bool(order > 0)
        case .greaterOrEqual: return .bool(order >= 0)
        }
    }
}

/// `left OP right` for any two expressions.
struct ComparisonNode: ValueNode {
    let operation: ComparisonOperator
    let left: any ValueNode
    let right: any ValueNode
    func evaluate(_ scope: Scope) -> Value {
        Comparison.apply(operation, left.evaluate(scope), right.evaluate(scope), in: scope.event)
    }
}

/// `value [not] in (…)` / `in~` where list items may be expressions.
struct MembershipNode: ValueNode {
    let value: any ValueNode
    let list: [any ValueNode]
    let negated: Bool
    let caseInsensitive: Bool
    func evaluate(_ scope: Scope) -> Value {
        let subject = value.evaluate(scope)
        if case .null = subject { return .null }
        var sawNull = false
        for item in list {
            let candidate = item.evaluate(scope)
            if case .null = candidate { sawNull = true; continue }
            if Comparison.order(subject, candidate, in: scope.event, caseInsensitive: caseInsensitive) == 0 {
                return .bool(!negated)
            }
        }
        return sawNull ? .null : .bool(negated)
    }
}

/// `value : "…"`, `like`, `regex` applied to a computed value.
struct PatternNode: ValueNode {
    let value: any ValueNode
    let matcher: StringMatcher
    func evaluate(_ scope: Scope) -> Value {
        let subject = value.evaluate(scope)
        if case .null = subject { return .null }
        return .bool(matcher.matches(subject, in: scope.event))
    }
}

/// `left : right` where `right` is not a constant string: case-insensitive equality of strings,
/// plain equality of other values.
struct InsensitiveEqualsNode: ValueNode {
    let left: any ValueNode
    let right: any ValueNode
    func evaluate(_ scope: Scope) -> Value {
        let l = left.evaluate(scope), r = right.evaluate(scope)
        if case .null = l { return .null }
        if case .null = r { return .null }
        return .bool(Comparison.order(l, r, in: scope.event, caseInsensitive: true) == 0)
    }
}

/// `-value`.
struct NegateNode: ValueNode {
    let operand: any ValueNode
    func evaluate(_ scope: Scope) -> Value {
        switch operand.evaluate(scope) {
        case .integer(let value): value == .min ? .null : .integer(-value)
        case .double(let value): .double(-value)
        default: .null
        }
    }
}

/// `+ - * / %` and the functions `add`, `subtract`, `multiply`, `divide`, `modulo`.
struct ArithmeticNode: ValueNode {
    let operation: ArithmeticOperator
    let left: any ValueNode
    let right: any ValueNode

    func evaluate(_ scope: Scope) -> Value {
        Self.apply(operation, left.evaluate(scope), right.evaluate(scope))
    }

    /// Integer arithmetic when both operands are integers (overflow and division by zero give
    /// null, where Elasticsearch fails the query), floating point otherwise.
    static func apply(_ operation: ArithmeticOperator, _ l: Value, _ r: Value) -> Value {
        if case .integer(let a) = l, case .integer(let b) = r {
            switch operation {
            case .add: let (v, o) = a.addingReportingOverflow(b); return o ? .null : .integer(v)
            case .subtract: let (v, o) = a.subtractingReportingOverflow(b); return o ? .null : .integer(v)
            case .multiply: let (v, o) = a.multipliedReportingOverflow(by: b); return o ? .null : .integer(v)
            case .divide: let (v, o) = a.dividedReportingOverflow(by: b); return o ? .null : .integer(v)
            case .modulo: let (v, o) = a.remainderReportingOverflow(dividingBy: b); return o ? .null : .integer(v)
            }
        }
        guard let a = l.number, let b = r.number else { return .null }
        switch operation {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide: return .double(a / b)
        case .modulo: return .double(a.truncatingRemainder(dividingBy: b))
        }
    }
}
