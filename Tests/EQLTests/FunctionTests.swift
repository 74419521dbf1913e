import ECS
@testable import EQL
import Testing

/// The Elasticsearch EQL functions, including their null handling and `~` forms.
@Suite struct FunctionTests {
    @Test func arithmetic() throws {
        #expect(try evaluate("add(4, 5)") == .integer(9))
        #expect(try evaluate("add(4, 0.5)") == .double(4.5))
        #expect(try evaluate("add(null, 4)") == .null)
        #expect(try evaluate("subtract(10, -2)") == .integer(12))
        #expect(try evaluate("multiply(6, 7)") == .integer(42))
        #expect(try evaluate("divide(4, 3)") == .integer(1))
        #expect(try evaluate("divide(-1, 2)") == .integer(0))
        #expect(try evaluate("divide(30, 4.0)") == .double(7.5))
        #expect(try evaluate("divide(1, 0)") == .null)
        #expect(try evaluate("modulo(11, 10)") == .integer(1))
        #expect(try evaluate("modulo(-11, 10)") == .integer(-1))
        #expect(try evaluate("1 + 2 * 3 - 8 / 4 % 3") == .integer(5))
        #expect(try evaluate("-x", #"{"x": 3}"#) == .integer(-3))
    }

    @Test func between() throws {
        let path = #"{"p": "C:\\Windows\\System32\\cmd.exe"}"#
        #expect(try evaluate(#"between(p, "System32\\", ".exe")"#, path) == .string("cmd"))
        #expect(try evaluate(#"between(p, "system32\\", ".exe")"#, path) == .string(""))
        #expect(try evaluate(#"between~(p, "system32\\", ".exe")"#, path) == .string("cmd"))
        #expect(try evaluate(#"between("welcome to the planet", "welcome", "e", false)"#) == .string(" to th"))
        #expect(try evaluate(#"between("welcome to the planet", "welcome", "e", true)"#) == .string(" to the plan"))
        #expect(try evaluate(#"between("welcome", "x", "e")"#) == .string(""))
        #expect(try evaluate(#"between(null, "a", "b")"#) == .null)
    }

    @Test func cidrMatch() throws {
        #expect(try evaluate(#"cidrMatch(ip, "10.0.0.0/8", "192.168.0.0/16")"#, #"{"ip": "192.168.4.2"}"#) == .bool(true))
        #expect(try evaluate(#"cidrMatch(ip, "10.0.0.0/8")"#, #"{"ip": "11.0.0.1"}"#) == .bool(false))
        #expect(try evaluate(#"cidrMatch(ip, "fe80::/10")"#, #"{"ip": "fe80::1"}"#) == .bool(true))
        #expect(try evaluate(#"cidrMatch(ip, "::ffff:10.0.0.0/104")"#, #"{"ip": "10.1.2.3"}"#) == .bool(true))
        #expect(try evaluate(#"cidrMatch(ip, "10.0.0.0/8")"#, #"{"ip": "not an ip"}"#) == .bool(false))
        #expect(try evaluate(#"cidrMatch(ip, "10.0.0.0/8")"#) == .null)
        #expect(try matches(#"cidrMatch(ip, "10.0.0.0/8")"#, #"{"ip": ["8.8.8.8", "10.9.9.9"]}"#))
    }

    @Test func concatAndString() throws {
        #expect(try evaluate(#"concat("a", 1, true, 2.5)"#) == .string("a1true2.5"))
        #expect(try evaluate(#"concat("a", null)"#) == .null)
        #expect(try evaluate("string(5)") == .string("5"))
        #expect(try evaluate("string(4.0)") == .string("4.0"))
        #expect(try evaluate("string(null)") == .null)
    }

    @Test func affixes() throws {
        #expect(try evaluate(#"startsWith("explorer.exe", "explorer")"#) == .bool(true))
        #expect(try evaluate(#"startsWith("explorer.exe", "EXPLORER")"#) == .bool(false))
        #expect(try evaluate(#"startsWith~("explorer.exe", "EXPLORER")"#) == .bool(true))
        #expect(try evaluate(#"endsWith("explorer.exe", ".exe")"#) == .bool(true))
        #expect(try evaluate(#"endsWith~("explorer.exe", ".EXE")"#) == .bool(true))
        #expect(try evaluate(#"stringContains("explorer.exe", "lore")"#) == .bool(true))
        #expect(try evaluate(#"stringContains~("ÉCOLE", "éco")"#) == .bool(true))
        #expect(try evaluate(#"stringContains("a", "")"#) == .bool(true))
        #expect(try evaluate(#"endsWith(null, "a")"#) == .null)
    }

    @Test func indexOf() throws {
        #expect(try evaluate(#"indexOf("explorer.exe", "plore")"#) == .integer(2))
        #expect(try evaluate(#"indexOf("explorer.exe", "e", 1)"#) == .integer(6))
        #expect(try evaluate(#"indexOf("explorer.exe", "PLORE")"#) == .null)
        #expect(try evaluate(#"indexOf~("explorer.exe", "PLORE")"#) == .integer(2))
        #expect(try evaluate(#"indexOf("explorer.exe", "plore", 100)"#) == .null)
        #expect(try evaluate(#"indexOf(null, "a")"#) == .null)
    }

    @Test func lengthAndSubstring() throws {
        #expect(try evaluate(#"length("python.exe")"#) == .integer(10))
        #expect(try evaluate(#"length("😀")"#) == .integer(2)) // UTF-16 units, as Java
        #expect(try evaluate("length(x)") == .null)
        #expect(try evaluate(#"substring("start.exe", 0, 5)"#) == .string("start"))
        #expect(try evaluate(#"substring("start.exe", -4)"#) == .string(".exe"))
        #expect(try evaluate(#"substring("start.exe", -4, -1)"#) == .string(".ex"))
        #expect(try evaluate(#"substring("start.exe", 5, 2)"#) == .string(""))
        #expect(try evaluate(#"substring(null, 1)"#) == .null)
    }

    @Test func number() throws {
        #expect(try evaluate(#"number("1337")"#) == .integer(1337))
        #expect(try evaluate(#"number("-1.5")"#) == .double(-1.5))
        #expect(try evaluate(#"number("0x32", 16)"#) == .integer(50))
        #expect(try evaluate(#"number("31", 13)"#) == .integer(40))
        #expect(try evaluate(#"number("12", null)"#) == .integer(12))
        #expect(try evaluate(#"number("abc")"#) == .null)
        #expect(try evaluate("number(null)") == .null)
    }

    @Test func namesAreCaseInsensitive() throws {
        #expect(try evaluate(#"STARTSWITH("abc", "a")"#) == .bool(true))
        #expect(try evaluate(#"stringcontains("abc", "b")"#) == .bool(true))
    }
}
