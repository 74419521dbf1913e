import ECS

/// A compiled boolean condition over one event, in Elasticsearch's semantics.
///
/// Boolean structure (`and`, `or`, `not`) is Kleene three-valued logic; the leaves below it give
/// the semantics of multi-valued fields: a leaf is true when *any* combination of the values of
/// the fields it reads makes it true (`process.args == "x"` holds when one argument is `"x"`), so
/// `not` of a leaf holds when *no* value satisfies it. Leaves that Elasticsearch runs as Lucene
/// queries (a field compared with constants) are two-valued: a missing or null field makes them
/// false, never unknown, exactly as a term query does not match a document without the field.
/// Leaves that Elasticsearch runs as scripts (functions, arithmetic, field against field) keep
/// null as unknown. A filter keeps an event only when its condition is true.
///
/// Conditions are subclasses of one abstract class (`and`/`or` share ``JunctionCondition``; the rest
/// are final): testing one passes a reference, where a struct would copy (and retain the contents
/// of) an existential box at every level of the tree, and `and`/`or` can test their operands without
/// retaining them (``BorrowedCondition``), which a protocol existential does not allow.
class Condition: @unchecked Sendable {
    // @unchecked (here and restated by each subclass): every subclass is immutable.
    /// The truth of the condition for `event`. With a `memo` (of the pool the condition was compiled
    /// with, begun for this event), shared leaves are tested once per event.
    func test(_ event: Event, memo: LeafMemo.Slots?) -> Truth { preconditionFailure("\(type(of: self)) must override test(_:)") }
}

/// A constant condition (`true`, `false`, `null`).
final class ConstantCondition: Condition, @unchecked Sendable {
    let truth: Truth
    init(truth: Truth) {
        self.truth = truth
    }
    override func test(_ event: Event, memo: LeafMemo.Slots?) -> Truth { truth }
}

/// Kleene `not`.
final class NotCondition: Condition, @unchecked Sendable {
    let operand: Condition
    init(operand: Condition) {
        self.operand = operand
    }
    override func test(_ event: Event, memo: LeafMemo.Slots?) -> Truth { operand.test(event, memo: memo).map { !$0 } }
}

/// Kleene `and` or `or` over two or more conditions, evaluated left to right with short-circuit:
/// the first operand that is `decisive` (`false` for `and`, `true` for `or`) decides; otherwise the
/// result is unknown if any operand was, else `!decisive`. Operands are tested through unretained
/// references (``BorrowedCondition``).
class JunctionCondition: Condition, @unchecked Sendable {
    let operands: [Condition]
    private let borrowed: [BorrowedCondition]
    private let decisive: Bool

    init(operands: [Condition], decisive: Bool) {
        self.operands = operands
        self.decisive = decisive
        borrowed = operands.map(BorrowedCondition.init)
    }

    override func test(_ event: Event, memo: LeafMemo.Slots?) -> Truth {
        var unknown = false
        for index in borrowed.indices {
            switch borrowed[index].test(event, memo: memo) {
            case decisive?: return decisive
            case nil: unknown = true
            default: continue
            }
        }
        return unknown ? nil : !decisive
    }
}

/// Kleene `and`.
final class AndCondition: JunctionCondition, @unchecked Sendable {
    init(operands: [Condition]) {
        super.init(operands: operands, decisive: false)
    }
}

/// Kleene `or`.
final class OrCondition: JunctionCondition, @unchecked Sendable {
    init(operands: [Condition]) {
        super.init(operands: operands, decisive: true)
    }
}

/// A condition referenced without ownership, for the hot loops over many conditions: whoever made
/// it keeps the condition alive (an `and`'s `operands`), so testing it needs no retain and release
/// (which cost more than most leaf tests).
struct BorrowedCondition {
    private let condition: Unmanaged<Condition>
    init(_ condition: Condition) {
        self.condition = Unmanaged.passUnretained(condition)
    }
    @inline(__always) func test(_ event: Event, memo: LeafMemo.Slots?) -> Truth {
        condition._withUnsafeGuaranteedRef { $0.test(event, memo: memo) }
    }
}

/// `field == "a"`, `field in ("a", "b")`, `field : "a*"`, `field like~ …`, `field regex …`:
/// true when any value of the field matches.
final class FieldStringCondition: Condition, @unchecked Sendable {
    let field: FieldID
    let matcher: StringMatcher
    /// This condition's slot in a ``LeafMemo`` (it may be shared by many rules: see ``LeafPool``).
    let memoSlot: Int32
    init(field: FieldID, matcher: StringMatcher, memoSlot: Int32) {
        self.field = field
        self.matcher = matcher
        self.memoSlot = memoSlot
    }
    override func test(_ event: Event, memo: LeafMemo.Slots?) -> Truth {
        if let memo {
            if let known = memo.result(memoSlot) { return known }
            let result = evaluate(event)
            memo.record(result, memoSlot)
            return result
        }
        return evaluate(event)
    }
    private func evaluate(_ event: Event) -> Bool {
        let range = event.slotRange(of: field)
        if range.isEmpty { return false }
        return event.storage.withUnsafeBufferPointer { storage in
            for index in range {
                let slot = event.slots[index]
                if slot.kind == .string {
                    let bytes = slot.stringBytes
                    if matcher.matches(UnsafeBufferPointer(rebasing: storage[bytes.range])) { return true }
                } else if slot.kind != .null, matcher.matches(Value.of(slot), in: event) {
                    return true
                }
            }
            return false
        }
    }
}

/// `field OP constant` for numbers, booleans and ordered string comparisons: true when any value
/// of the field satisfies it.
final class FieldComparisonCondition: Condition, @unchecked Sendable {
    let field: FieldID
    let operation: ComparisonOperator
    let constant: Value
    init(field: FieldID, operation: ComparisonOperator, constant: Value) {
        self.field = field
        self.operation = operation
        self.constant = constant
    }
    override func test(_ event: Event, memo: LeafMemo.Slots?) -> Truth {
        for index in event.slotRange(of: field) {
            let value = Value.of(event.slots[index])
            if case .bool(true) = Comparison.apply(operation, value, constant, in: event) { return true }
        }
        return false
    }
}

/// `field == null` (no non-null value) or `field != null` (some non-null value).
final class FieldIsNullCondition: Condition, @unchecked Sendable {
    let field: FieldID
    let negated: Bool
    init(field: FieldID, negated: Bool) {
        self.field = field
        self.negated = negated
    }
    override func test(_ event: Event, memo: LeafMemo.Slots?) -> Truth {
        var present = false
        for index in event.slotRange(of: field) where event.slots[index].kind != .null {
            present = true
            break
        }
        return present == negated
    }
}

/// `cidrMatch(field, "10.0.0.0/8", …)`: true when any value of the field is an address in a block.
final class FieldCIDRCondition: Condition, @unchecked Sendable {
    let field: FieldID
    let blocks: [CIDRBlock]
    init(field: FieldID, blocks: [CIDRBlock]) {
        self.field = field
        self.blocks = blocks
    }
    override func test(_ event: Event, memo: LeafMemo.Slots?) -> Truth {
        for index in event.slotRange(of: field) {
            let slot = event.slots[index]
            guard slot.kind == .string else { continue }
            let address = event.withBytes(of: slot.stringBytes) { IPAddress.parse($0) }
            if let address, blocks.contains(where: { $0.contains(address) }) { return true }
        }
        return false
    }
}

/// Any other leaf: an expression evaluated for every combination of the values of the fields it
/// reads (each absent field contributes one null).
final class LeafCondition: Condition, @unchecked Sendable {
    let node: any ValueNode
    let fields: [FieldID]
    /// Whether a null result counts as false (Lucene query semantics) rather than unknown.
    let nullIsFalse: Bool

    init(node: any ValueNode, fields: [FieldID], nullIsFalse: Bool) {
        self.node = node
        self.fields = fields
        self.nullIsFalse = nullIsFalse
    }
    override func test(_ event: Event, memo: LeafMemo.Slots?) -> Truth {
        let count = fields.count
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: max(1, count * 3)) { buffer in
            let choices = buffer.baseAddress!
            let lower = choices + count
            let upper = choices + 2 * count
            for i in 0 ..< count {
                let range = event.slotRange(of: fields[i])
                lower[i] = range.lowerBound
                upper[i] = range.upperBound
                choices[i] = range.isEmpty ? -1 : range.lowerBound
            }
            let scope = Scope(event: event, choices: choices)
            var sawFalse = false
            while true {
                switch node.evaluate(scope).truth {
                case true?: return true
                case false?: sawFalse = true
                case nil: break
                }
                // Advance the odometer over the value combinations.
                var position = count - 1
                while position >= 0 {
                    if choices[position] >= 0, choices[position] + 1 < upper[position] {
                        choices[position] += 1
                        break
                    }
                    choices[position] = upper[position] > lower[position] ? lower[position] : -1
                    position -= 1
                }
                if position < 0 { break }
            }
            return sawFalse || nullIsFalse ? false : nil
        }
    }
}

/// The event-category test of `<category> where`: any value of `event.category` equals the
/// category (case-sensitively, as Elasticsearch's term query).
final class CategoryCondition: Condition, @unchecked Sendable {
    let field: FieldID
    let category: [UInt8]
    init(field: FieldID, category: [UInt8]) {
        self.field = field
        self.category = category
    }
    override func test(_ event: Event, memo: LeafMemo.Slots?) -> Truth {
        for index in event.slotRange(of: field) {
            let slot = event.slots[index]
            guard slot.kind == .string else { continue }
            let equal = event.withBytes(of: slot.stringBytes) { bytes in
                category.withUnsafeBufferPointer { ByteText.equal(bytes, $0, caseInsensitive: false) }
            }
            if equal { return true }
        }
        return false
    }
}

/// `dateField OP constant` on a field with date semantics: each value (ISO 8601 string or epoch
/// milliseconds) is compared as an instant at millisecond precision.
final class FieldTimeComparisonCondition: Condition, @unchecked Sendable {
    let field: FieldID
    let operation: ComparisonOperator
    let millis: Int64
    init(field: FieldID, operation: ComparisonOperator, millis: Int64) {
        self.field = field
        self.operation = operation
        self.millis = millis
    }
    override func test(_ event: Event, memo: LeafMemo.Slots?) -> Truth {
        for index in event.slotRange(of: field) {
            let slot = event.slots[index]
            let value: Int64?
            switch slot.kind {
            case .integer: value = slot.integerValue
            case .double: value = Int64(exactly: slot.doubleValue.rounded(.down))
            case .string: value = event.withBytes(of: slot.stringBytes, Timestamp.parseISO8601).map(ExpressionCompiler.floorMillis)
            default: value = nil
            }
            guard let value else { continue }
            if case .bool(true) = Comparison.apply(operation, .integer(value), .integer(millis), in: event) { return true }
        }
        return false
    }
}
