@testable import EQL
import Testing

@Suite struct ParserTests {
    func parseError(_ text: String) -> EQLError? {
        do {
            _ = try Query.parse(text)
            return nil
        } catch {
            return error
        }
    }

    /// Renders an expression with explicit parentheses, to check precedence.
    func render(_ expression: ExpressionAST) -> String {
        switch expression.kind {
        case .literal(let literal): "\(literal)"
        case .field(let path, let optional): (optional ? "?" : "") + path
        case .not(let operand): "(not \(render(operand)))"
        case .and(let l, let r): "(\(render(l)) and \(render(r)))"
        case .or(let l, let r): "(\(render(l)) or \(render(r)))"
        case .comparison(let op, let l, let r): "(\(render(l)) \(op.rawValue) \(render(r)))"
        case .membership(let v, let list, let negated, let ci):
            "(\(render(v)) \(negated ? "not " : "")in\(ci ? "~" : "") [\(list.map(render).joined(separator: ", "))])"
        case .pattern(let op, let v, let list): "(\(render(v)) \(op) [\(list.map(render).joined(separator: ", "))])"
        case .arithmetic(let op, let l, let r): "(\(render(l)) \(op.rawValue) \(render(r)))"
        case .negate(let operand): "(-\(render(operand)))"
        case .function(let name, let ci, let args): "\(name)\(ci ? "~" : "")(\(args.map(render).joined(separator: ", ")))"
        }
    }

    func expression(_ text: String) throws -> String { render(try Parser.parseExpression(text)) }

    @Test func precedence() throws {
        #expect(try expression("not a and b or c") == "(((not a) and b) or c)")
        #expect(try expression("a or b and not c") == "(a or (b and (not c)))")
        #expect(try expression("a + b * c == d - -1") == "((a + (b * c)) == (d - integer(-1)))")
        #expect(try expression("x not in (1, 2)") == "(x not in [integer(1), integer(2)])")
        #expect(try expression("x in~ (\"a\")") == "(x in~ [string(\"a\")])")
        #expect(try expression("x - 1 : 81") == "((x - integer(1)) insensitiveEquals [integer(81)])")
        #expect(try expression("x : (\"a\", \"b*\")") == "(x insensitiveEquals [string(\"a\"), string(\"b*\")])")
        #expect(try expression("x !: \"a\"") == "(not (x insensitiveEquals [string(\"a\")]))")
        #expect(try expression("x like~ (\"a*\", \"b\")") == "(x like(caseInsensitive: true) [string(\"a*\"), string(\"b\")])")
        #expect(try expression("?a.b == `c d`.e") == "(?a.b == c d.e)")
        #expect(try expression("event.sequence > 1") == "(event.sequence > integer(1))")
        #expect(try expression("startsWith~(a, \"b\")") == "startsWith~(a, string(\"b\"))")
    }

    @Test func eventQuery() throws {
        let query = try Query.parse("process where true")
        #expect(!query.isSequence)
        guard case .event(let filter) = query.ast.body else { Issue.record("not an event query"); return }
        #expect(filter.category == "process")
        #expect(try Query.parse("any where true").isSequence == false)
        #expect(try Query.parse("\"my category\" where true").isSequence == false)
    }

    @Test func sequenceWithEverything() throws {
        let query = try Query.parse("""
        sequence by host.id with maxspan=5m
          [process where true] by process.pid with runs=3
          ![file where true] by process.pid
          [network where true] by process.pid
        until [process where event.type == "end"] by process.pid
        | head 5
        """)
        #expect(query.isSequence)
        guard case .sequence(let sequence) = query.ast.body else { Issue.record("not a sequence"); return }
        #expect(sequence.maxspan == 300_000_000_000)
        #expect(sequence.sharedKeys.count == 1)
        #expect(sequence.stages.map(\.runs) == [3, 1, 1])
        #expect(sequence.stages.map(\.isMissing) == [false, true, false])
        #expect(sequence.until != nil)
        #expect(query.limit == .head(5))
    }

    @Test(arguments: [("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000), ("d", 86_400_000_000_000)] as [(String, Int64)])
    func maxspanUnits(_ unit: String, _ nanos: Int64) throws {
        let query = try Query.parse("sequence with maxspan=2\(unit) [a where true] [b where true]")
        guard case .sequence(let sequence) = query.ast.body else { return }
        #expect(sequence.maxspan == 2 * nanos)
    }

    @Test func sampleQuery() throws {
        let query = try Query.parse("sample by host [a where true] by user [b where true] by user")
        #expect(query.isSequence && query.isSample)
    }

    @Test func pipesCombineAsElasticsearch() throws {
        #expect(try Query.parse("a where true | tail 5 | head 2").limit == ResultLimit(fromEnd: true, count: 2, offset: 3))
        #expect(try Query.parse("a where true | head 5 | tail 2").limit == ResultLimit(fromEnd: false, count: 2, offset: 3))
        #expect(try Query.parse("a where true | head 5 | head 2").limit == .head(2))
        #expect(try Query.parse("a where true | tail 3 | head 7").limit == .tail(3))
        #expect(ResultLimit(fromEnd: true, count: 2, offset: 3).apply(Array(1 ... 10)) == [6, 7])
        #expect(ResultLimit(fromEnd: false, count: 2, offset: 3).apply(Array(1 ... 10)) == [4, 5])
    }

    @Test func syntaxErrorsPointAtTheToken() {
        #expect(parseError("sequence\n  [process where true with runs=2") == EQLError(line: 2, column: 23, message: "expected ']' but found 'with'"))
        #expect(parseError("process where") == EQLError(line: 1, column: 14, message: "expected an expression but found '<end of query>'"))
        #expect(parseError("process where x == ") == EQLError(line: 1, column: 20, message: "expected an expression but found '<end of query>'"))
        #expect(parseError("process x == 1")?.message == "expected 'where' but found 'x'")
        #expect(parseError("process where (a == 1") == EQLError(line: 1, column: 22, message: "expected ')' but found '<end of query>'"))
        #expect(parseError("process where a = 1")?.message == "use '==' for equality, not '='")
        #expect(parseError("process where true | sort a")?.message == "pipe [sort] is not supported; only [head] and [tail] are")
        #expect(parseError("process where true | head -1") != nil)
        #expect(parseError("join [a where true] [b where true]")?.message.contains("[join]") == true)
        #expect(parseError("process where descendant of [a where true]")?.message.contains("not supported") == true)
        #expect(parseError("sequence with maxspan=5 [a where true] [b where true]")?.message == "no time unit specified, did you mean [s] as in [5s]?")
        #expect(parseError("sequence with maxspan=5w [a where true] [b where true]")?.message == "unknown time unit [w]: use one of ms, s, m, h, d")
        #expect(parseError("sequence with maxspan=5s by a [a where true] [b where true]")?.message == "please specify sequence [by] before [with] not after")
        #expect(parseError("sequence [a where true] with runs=0")?.message == "a positive runs value is required; found [0]")
        #expect(parseError("sequence [a where true] with repeats=2")?.message == "unrecognized option [repeats], expecting [runs]")
        #expect(parseError("a where x[0] == 1")?.message == "array indexes in field names are not supported")
    }

    @Test func verifierErrors() {
        #expect(parseError("a where foo(x)")?.message.hasPrefix("unknown function [foo]") == true)
        #expect(parseError("a where length(x, y)") == EQLError(line: 1, column: 9, message: "function [length] expects exactly 1 argument, found [2]"))
        #expect(parseError("a where between(x)")?.message == "function [between] expects 3 to 4 arguments, found [1]")
        #expect(parseError("a where length~(x) > 1")?.message == "function [length] has no case-insensitive [~] form")
        #expect(parseError("a where length(5) > 1") == EQLError(line: 1, column: 16, message: "first argument of [length] must be [string], found [number]"))
        #expect(parseError("a where \"x\" + 1 > 2")?.message == "operand of [+] must be [number], found [string]")
        #expect(parseError("a where \"a\" < 1")?.message == "cannot compare [string] with [number] using [<]")
        #expect(parseError("a where 1")?.message == "condition expression needs to be boolean, found [number]")
        #expect(parseError("a where cidrMatch(ip, \"999.1.1.1/8\")")?.message.hasPrefix("invalid CIDR block") == true)
        #expect(parseError("a where cidrMatch(ip, x)")?.message == "second argument of [cidrMatch] must be a constant")
        #expect(parseError("a where x regex \"[\"")?.message == "invalid regular expression \"[\"")
        #expect(parseError("a where x like 5")?.message == "[like] and [regex] patterns must be strings")
        #expect(parseError("sequence [a where true]")?.message == "a sequence requires a minimum of 2 queries, found [1]")
        #expect(parseError("sequence ![a where true] ![b where true]")?.message == "a sequence requires at least one positive event query; found none")
        #expect(parseError("sequence [a where true] by x [b where true] by x, y")?.message == "inconsistent number of join keys specified: [1] vs [2]")
        #expect(parseError("sample [a where true]")?.message == "a sample requires a minimum of 2 queries, found [1]")
        #expect(parseError("sequence [a where true] with runs=2") == nil)
    }
}
