import ECS
@testable import EQL
import Testing

/// Multi-valued fields, nulls and case: the semantics of conditions.
@Suite struct SemanticsTests {
    let args = #"{"process": {"args": ["openssl", "s_client", "-connect"]}, "n": [1, 5, 9], "x": null}"#

    @Test func anyElementSemantics() throws {
        #expect(try matches(#"process.args == "s_client""#, args))
        #expect(try !matches(#"process.args == "S_CLIENT""#, args))
        #expect(try matches(#"process.args : "S_CLIENT""#, args))
        #expect(try matches(#"process.args : "*conn*""#, args))
        #expect(try !matches(#"process.args != "s_client""#, args)) // some element equals it
        #expect(try matches(#"process.args != "x""#, args))
        #expect(try matches(#"process.args in ("a", "-connect")"#, args))
        #expect(try !matches(#"not process.args in ("a", "-connect")"#, args))
        #expect(try matches(#"not process.args in ("a", "b")"#, args))
        #expect(try matches(#"process.args like "s_*""#, args))
        #expect(try matches(#"process.args regex "-c[a-z]+""#, args))
        #expect(try !matches(#"process.args regex "c[a-z]+""#, args)) // anchored
        #expect(try matches("n > 8", args))
        #expect(try matches("n < 2", args))
        #expect(try !matches("n > 9", args))
        #expect(try matches("n == 5 and n == 9", args))
        #expect(try matches("n + 1 == 6", args)) // scripts see each value too
        #expect(try matches(#"length(process.args) == 7"#, args))
    }

    @Test func missingFieldsAndNulls() throws {
        let event = #"{"a": "v", "x": null}"#
        #expect(try matches("missing == null", event))
        #expect(try matches("x == null", event))
        #expect(try !matches("a == null", event))
        #expect(try matches("a != null", event))
        #expect(try !matches("x != null", event))
        #expect(try matches("missing : null", event))
        #expect(try !matches(#"missing == "v""#, event))
        #expect(try matches(#"missing != "v""#, event)) // the negation of a term query
        #expect(try matches(#"not missing in ("v")"#, event))
        #expect(try !matches("missing < 5", event))
        #expect(try matches("not missing < 5", event))
        // Scripts keep null as unknown, and a filter drops unknown.
        #expect(try !matches("length(missing) > 1", event))
        #expect(try !matches("not length(missing) > 1", event))
        #expect(try !matches("null", event))
        #expect(try matches("null or true", event))
        #expect(try !matches("null and true", event))
        #expect(try !matches("not (null and true)", event))
        #expect(try matches("not (null and false)", event))
        #expect(try matches("?missing == null", event))
        #expect(try !matches("?missing", event))
    }

    @Test func caseSensitivity() throws {
        let event = #"{"name": "CMD.exe", "ü": "ÄBC"}"#
        #expect(try !matches(#"name == "cmd.exe""#, event))
        #expect(try matches(#"name : "cmd.exe""#, event))
        #expect(try matches(#"name : "cmd*""#, event))
        #expect(try !matches(#"name like "cmd*""#, event))
        #expect(try matches(#"name like~ "cmd*""#, event))
        #expect(try !matches(#"name in ("cmd.exe")"#, event))
        #expect(try matches(#"name in~ ("cmd.exe")"#, event))
        #expect(try matches(#"name regex~ "cmd\\.EXE""#, event))
        #expect(try matches(#"`ü` : "äbc""#, event))
        #expect(try matches(#"`ü` : "ä?c""#, event))
    }

    @Test func wildcards() {
        #expect(WildcardPattern("*:*", caseInsensitive: true).matches("example.com:443"))
        #expect(!WildcardPattern("*:*", caseInsensitive: true).matches("example.com"))
        #expect(WildcardPattern("a?c", caseInsensitive: false).matches("aéc"))
        #expect(WildcardPattern("*a*b*c*", caseInsensitive: false).matches("xxaxxbxxcxx"))
        #expect(!WildcardPattern("*a*b*c", caseInsensitive: false).matches("xxaxxbxxcxx"))
        #expect(WildcardPattern("", caseInsensitive: false).matches(""))
        #expect(WildcardPattern("**", caseInsensitive: false).matches(""))
        #expect(WildcardPattern("PERL*", caseInsensitive: true).matches("perl5.36"))
    }

    @Test func categoriesAndDates() throws {
        let event = #"{"@timestamp": "2024-07-30T12:00:00.500Z", "event": {"category": ["process", "file"]}}"#
        var harness = Harness()
        let file = try harness.compile("file where true")
        let network = try harness.compile("network where true")
        let after = try harness.compile(#"any where @timestamp > "2024-07-30T12:00:00Z""#)
        let exact = try harness.compile(#"any where @timestamp == "2024-07-30T12:00:00.500Z""#)
        let millis = try harness.compile("any where @timestamp == 1722340800500")
        let read = try harness.event(event)
        #expect(file.matches(read) && !network.matches(read))
        #expect(after.matches(read) && exact.matches(read) && millis.matches(read))
    }

    @Test func sequenceQueriesReportWhichEventsMatter() throws {
        var harness = Harness()
        let query = try harness.compile(#"sequence [process where true] [file where x == 1] until [network where true]"#)
        #expect(query.matches(try harness.event(#"{"event": {"category": "network"}}"#)))
        #expect(!query.matches(try harness.event(#"{"event": {"category": "dns"}}"#)))
    }
}
