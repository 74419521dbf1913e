import ECS

/// A call of one of the ``EQLFunction``s.
struct FunctionNode: ValueNode {
    let function: EQLFunction
    let caseInsensitive: Bool
    let arguments: [any ValueNode]
    /// `cidrMatch`'s blocks, compiled once.
    let blocks: [CIDRBlock]

    func evaluate(_ scope: Scope) -> Value {
        let event = scope.event
        switch function {
        case .add: return ArithmeticNode.apply(.add, arguments[0].evaluate(scope), arguments[1].evaluate(scope))
        case .subtract: return ArithmeticNode.apply(.subtract, arguments[0].evaluate(scope), arguments[1].evaluate(scope))
        case .multiply: return ArithmeticNode.apply(.multiply, arguments[0].evaluate(scope), arguments[1].evaluate(scope))
        case .divide: return ArithmeticNode.apply(.divide, arguments[0].evaluate(scope), arguments[1].evaluate(scope))
        case .modulo: return ArithmeticNode.apply(.modulo, arguments[0].evaluate(scope), arguments[1].evaluate(scope))
        case .length:
            let source = arguments[0].evaluate(scope)
            return source.withStringBytes(in: event) { .integer(FunctionSemantics.length($0)) } ?? .null
        case .string:
            return arguments[0].evaluate(scope).stringForm(in: event).map(Value.text) ?? .null
        case .concat:
            var result: [UInt8] = []
            for argument in arguments {
                guard let form = argument.evaluate(scope).stringForm(in: event) else { return .null }
                result.append(contentsOf: form)
            }
            return .text(result)
        case .startsWith, .endsWith, .stringContains:
            let source = arguments[0].evaluate(scope)
            let part = arguments[1].evaluate(scope)
            let answer: Bool?? = source.withStringBytes(in: event) { haystack in
                part.withStringBytes(in: event) { needle in affix(haystack, needle) }
            }
            guard let answer, let answer else { return .null }
            return .bool(answer)
        case .between:
            guard let source = arguments[0].evaluate(scope).stringArray(in: event),
                  let left = arguments[1].evaluate(scope).stringArray(in: event),
                  let right = arguments[2].evaluate(scope).stringArray(in: event) else { return .null }
            var greedy = false
            if arguments.count > 3 {
                guard case .bool(let flag) = arguments[3].evaluate(scope) else { return .null }
                greedy = flag
            }
            return .text(FunctionSemantics.between(source, left, right, greedy: greedy, caseInsensitive: caseInsensitive))
        case .indexOf:
            guard let source = arguments[0].evaluate(scope).stringArray(in: event),
                  let needle = arguments[1].evaluate(scope).stringArray(in: event) else { return .null }
            var start: Int64 = 0
            if arguments.count > 2 {
                switch arguments[2].evaluate(scope) {
                case .integer(let value): start = value
                case .double(let value): start = Int64(value)
                case .null: start = 0
                default: return .null
                }
            }
            return FunctionSemantics.indexOf(source, needle, start: start, caseInsensitive: caseInsensitive).map(Value.integer) ?? .null
        case .substring:
            guard let source = arguments[0].evaluate(scope).stringArray(in: event) else { return .null }
            guard let start = integer(arguments[1].evaluate(scope)) else { return .null }
            var end: Int64?
            if arguments.count > 2 {
                let value = arguments[2].evaluate(scope)
                if case .null = value { end = nil } else {
                    guard let bound = integer(value) else { return .null }
                    end = bound
                }
            }
            return .text(FunctionSemantics.substring(source, start: start, end: end))
        case .number:
            guard let text = arguments[0].evaluate(scope).stringArray(in: event) else { return .null }
            var base: Int64 = 10
            if arguments.count > 1 {
                let given = arguments[1].evaluate(scope)
                if case .null = given { base = 10 } else {
                    guard let value = integer(given) else { return .null }
                    base = value
                }
            }
            return FunctionSemantics.number(text, base: base)
        case .cidrMatch:
            let source = arguments[0].evaluate(scope)
            guard let address = source.withStringBytes(in: event, { IPAddress.parse($0) }) else { return .null }
            guard let address else { return .bool(false) }
            return .bool(blocks.contains { $0.contains(address) })
        }
    }

    private func integer(_ value: Value) -> Int64? {
        switch value {
        case .integer(let number): number
        case .double(let number) where number.rounded(.towardZero) == number && abs(number) < 9e18: Int64(number)
        default: nil
        }
    }

    private func affix(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
        if caseInsensitive, !(ByteText.isASCII(haystack) && ByteText.isASCII(needle)) {
            let h = ByteText.lowercased(haystack), n = ByteText.lowercased(needle)
            return h.withUnsafeBufferPointer { hb in n.withUnsafeBufferPointer { nb in affixBytes(hb, nb, fold: false) } }
        }
        return affixBytes(haystack, needle, fold: caseInsensitive)
    }

    private func affixBytes(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>, fold: Bool) -> Bool {
        guard needle.count <= haystack.count else { return false }
        func equalAt(_ offset: Int) -> Bool {
            for i in 0 ..< needle.count {
                let a = haystack[offset + i], b = needle[i]
                if fold ? ByteText.fold(a) != ByteText.fold(b) : a != b { return false }
            }
            return true
        }
        switch function {
        case .startsWith: return equalAt(0)
        case .endsWith: return equalAt(haystack.count - needle.count)
        default:
            if needle.isEmpty { return true }
            for offset in 0 ... (haystack.count - needle.count) where equalAt(offset) { return true }
            return false
        }
    }
}
