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

    /// A wildcard match by the definition (recursion over scalars), the reference for the fast paths.
    static func referenceMatch(_ pattern: [Character], _ text: [Character]) -> Bool {
        guard let head = pattern.first else { return text.isEmpty }
        switch head {
        case "*": return (0 ... text.count).contains { referenceMatch(Array(pattern.dropFirst()), Array(text.dropFirst($0))) }
        case "?": return !text.isEmpty && referenceMatch(Array(pattern.dropFirst()), Array(text.dropFirst()))
        default: return text.first == head && referenceMatch(Array(pattern.dropFirst()), Array(text.dropFirst()))
        }
    }

    @Test func wildcardShapesMatchAsTheDefinitionSays() {
        #expect(WildcardPattern("curl*", caseInsensitive: true).shape == .prefix(Array("curl".utf8)))
        #expect(WildcardPattern("*.sh", caseInsensitive: false).shape == .suffix(Array(".sh".utf8)))
        #expect(WildcardPattern("*/TMP/*", caseInsensitive: true).shape == .contains(Array("/tmp/".utf8)))
        #expect(WildcardPattern("*a*b*", caseInsensitive: false).shape == .segments(leading: [], middle: [[0x61], [0x62]], trailing: []))
        #expect(WildcardPattern("/TMP/*.SH", caseInsensitive: true).shape
                == .segments(leading: Array("/tmp/".utf8), middle: [], trailing: Array(".sh".utf8)))
        #expect(WildcardPattern(#"*\x*\x*"#, caseInsensitive: true).shape == .segments(leading: [], middle: [[0x5C, 0x78], [0x5C, 0x78]], trailing: []))
        #expect(WildcardPattern("a?c*", caseInsensitive: false).shape == .general)
        #expect(WildcardPattern("*", caseInsensitive: false).shape == .general)
        // Random patterns and texts over a small alphabet (upper case, a two-byte scalar, the wildcards),
        // case-sensitive against the definition; case-insensitive against the definition on lowercased text.
        var random = SplitMix64(state: 20_261_125)
        let letters: [Character] = ["a", "b", "A", "é", "É", "/"]
        for _ in 0 ..< 4_000 {
            let pattern = (0 ..< Int.random(in: 0 ... 5, using: &random)).map { _ in (letters + ["*", "*", "?"]).randomElement(using: &random)! }
            let text = (0 ..< Int.random(in: 0 ... 7, using: &random)).map { _ in letters.randomElement(using: &random)! }
            let sensitive = WildcardPattern(String(pattern), caseInsensitive: false).matches(String(text))
            #expect(sensitive == Self.referenceMatch(pattern, text), "\(String(pattern)) ~ \(String(text))")
            let insensitive = WildcardPattern(String(pattern), caseInsensitive: true).matches(String(text))
            #expect(insensitive == Self.referenceMatch(Array(String(pattern).lowercased()), Array(String(text).lowercased())),
                    "\(String(pattern)) ~ \(String(text)) ignoring case")
        }
        // Several literal runs between `*`s (the segments shape) on longer texts, where a run occurs
        // more than once and the leading and trailing runs compete for the same bytes.
        for _ in 0 ..< 3_000 {
            let pattern = (0 ..< Int.random(in: 2 ... 7, using: &random)).map { _ in (letters + ["*", "*"]).randomElement(using: &random)! }
            let text = (0 ..< Int.random(in: 0 ... 16, using: &random)).map { _ in letters.randomElement(using: &random)! }
            #expect(WildcardPattern(String(pattern), caseInsensitive: false).matches(String(text)) == Self.referenceMatch(pattern, text),
                    "\(String(pattern)) ~ \(String(text))")
            #expect(WildcardPattern(String(pattern), caseInsensitive: true).matches(String(text))
                    == Self.referenceMatch(Array(String(pattern).lowercased()), Array(String(text).lowercased())),
                    "\(String(pattern)) ~ \(String(text)) ignoring case")
        }
    }

    @Test func regexesMatchWholeValuesAndDotMatchesEverything() throws {
        #expect(LuceneRegex.anywhereCore(of: #".*[0-9]{1,3}\.[0-9]{1,3}.*"#) == #"[0-9]{1,3}\.[0-9]{1,3}"#)
        #expect(LuceneRegex.anywhereCore(of: ".*a|b.*") == nil, "a top-level alternative is not enclosed by both .*")
        #expect(LuceneRegex.anywhereCore(of: ".*(a|b).*") == "(a|b)")
        #expect(LuceneRegex.anywhereCore(of: ".*[|]x.*") == "[|]x")
        #expect(LuceneRegex.anywhereCore(of: #".*a\.*"#) == nil, "the last dot is escaped: a followed by dots")
        #expect(LuceneRegex.anywhereCore(of: ".*?a.*") == nil)
        #expect(LuceneRegex.anywhereCore(of: ".*.*") == nil, "nothing between: left whole (an empty expression does not compile)")
        #expect(try LuceneRegex.compile(".*.*", caseInsensitive: false).get().matches("anything"))
        func matches(_ pattern: String, _ text: String, caseInsensitive: Bool = false) throws -> Bool {
            try LuceneRegex.compile(pattern, caseInsensitive: caseInsensitive).get().matches(text)
        }
        // Searched anywhere or anchored, the whole value must match the whole pattern.
        for (pattern, text, expected) in [(".*b.*", "abc", true), (".*b.*", "ac", false), (".*a|b.*", "xa", true),
                                          (".*a|b.*", "bx", true), (".*a|b.*", "xbx", false), ("b", "abc", false),
                                          (#".*a\.*"#, "xa..", true), (#".*a\.*"#, "xa.b", false),
                                          (".*b.*", "a\nb\nc", true), ("a.c", "a\nc", true)] {
            #expect(try matches(pattern, text) == expected, "\(pattern) on \(text.debugDescription)")
        }
        #expect(try matches(".*B.*", "abc", caseInsensitive: true))
    }

    @Test func regexesNeedTheBytesTheyRequire() throws {
        func required(_ pattern: String, caseInsensitive: Bool = false) -> String {
            String(decoding: RegexFacts(pattern: pattern, caseInsensitive: caseInsensitive).required, as: UTF8.self)
        }
        #expect(required(#".*[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}:[0-9]{1,5}:[0-9]{1,3}.*"#) == ".:")
        #expect(required(#"/[a-z0-9\s_\-\\./]+\s"#, caseInsensitive: true) == "/")
        #expect(required("-[A-NP-Za-np-z][A-Za-z]*[RLDwW][A-Za-z]*") == "-")
        #expect(required("abc", caseInsensitive: true) == "", "letters are not required ignoring case")
        #expect(required("abc") == "abc")
        #expect(required("a|b") == "", "a top-level alternative")
        #expect(required("x?y*z{0,2}w{1,3}v+") == "wv")
        #expect(required(#"(ab)c\d\1"#) == "c", "groups, class escapes and references require nothing")
        #expect(required("(?i)abc") == "", "an inline flag: nothing is known")
        // Characters written several times must occur as many times.
        let tunnel = RegexFacts(pattern: #".*[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}:[0-9]{1,5}:[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}:[0-9]{1,5}.*"#,
                                caseInsensitive: false)
        #expect(tunnel.repeated.map { "\(UnicodeScalar($0.byte))\($0.count)" } == [".6", ":3"])
        func admitted(_ facts: RegexFacts, _ text: String) -> Bool { Array(text.utf8).withUnsafeBufferPointer { facts.admits($0) } }
        #expect(!admitted(tunnel, "/usr/bin/curl -s http://127.0.0.1:8080/metrics"), "two colons, three dots")
        #expect(admitted(tunnel, "ssh -L 127.0.0.1:8080:10.0.0.2:22 jump"))
        #expect(RegexFacts(pattern: "a:?b:*c::", caseInsensitive: false).repeated.map(\.count) == [2], "only the colons that must occur")
        // The literal the rule index looks for: the longest run, or the rarest character required.
        func contained(_ pattern: String, caseInsensitive: Bool = false) -> String {
            String(decoding: RegexFacts(pattern: pattern, caseInsensitive: caseInsensitive).containedLiteral, as: UTF8.self)
        }
        #expect(tunnel.containedLiteral == Array(":".utf8), "colons are rarer than dots")
        #expect(contained(#".*curl\s+-[a-z]*o\s.*"#) == "curl")
        #expect(contained(#"x?ab+cdE\.f"#, caseInsensitive: true) == "cde.f", "after the repeated b, lowercased")
        #expect(contained("a|b") == "" && contained("[ab]+") == "")
        #expect(contained("abc", caseInsensitive: false) == "abc")
        // First and last characters of whole-value matches.
        let masquerade = RegexFacts(pattern: #"/[a-z0-9\s_\-\\./]+\s"#, caseInsensitive: true)
        func admits(_ facts: RegexFacts, _ text: String) -> Bool { Array(text.utf8).withUnsafeBufferPointer { facts.admits($0) } }
        #expect(admits(masquerade, "/usr/bin/ls "))
        #expect(!admits(masquerade, "/usr/bin/ls"), "must end with a space")
        #expect(!admits(masquerade, "usr/bin/ls "), "must start with /")
        #expect(admits(masquerade, "/usr/bin/ls\u{A0}"), "a non-ASCII last character may be Unicode white space")
        let php = RegexFacts(pattern: #"php?[0-9]?\.?[0-9]{0,2}"#, caseInsensitive: true)
        #expect(admits(php, "php7.4") && admits(php, "PHP") && !admits(php, "ruby") && !admits(php, ""))
        #expect(php.last == nil, "the last element is optional")
        // Sound on random patterns: whatever matches contains the required bytes.
        var random = SplitMix64(state: 7)
        // (No empty group: ICU takes a second on `()+?`.)
        let atoms = ["a", "b", "A", ".", #"\."#, ":", "[ab]", "(a|b)", "(:)", #"\s"#, #"\w"#, #"\d"#]
        let quantifiers = ["", "", "?", "*", "+", "{0,2}", "{1,2}", "+?"]
        var checked = 0
        var withLiteral = 0
        for _ in 0 ..< 3_000 {
            var pattern = (0 ..< Int.random(in: 1 ... 4, using: &random)).map { _ in
                atoms.randomElement(using: &random)! + quantifiers.randomElement(using: &random)!
            }.joined()
            if Int.random(in: 0 ..< 5, using: &random) == 0 { pattern += "|" + atoms.randomElement(using: &random)! }
            let caseInsensitive = Bool.random(using: &random)
            guard case .success(let regex) = LuceneRegex.compile(pattern, caseInsensitive: caseInsensitive) else { continue }
            for _ in 0 ..< 8 {
                let text = String((0 ..< Int.random(in: 0 ... 5, using: &random)).map { _ in "abAB.: ".randomElement(using: &random)! })
                guard regex.matches(text) else { continue }
                checked += 1
                #expect(Array(text.utf8).withUnsafeBufferPointer { regex.mayMatch($0) }, "\(pattern) matched \(text) without its bytes")
                // The rule index's contained literal is in every match (folded when case is ignored).
                let literal = regex.facts.containedLiteral
                let searched = caseInsensitive ? Array(text.utf8).map(ByteText.fold) : Array(text.utf8)
                #expect(literal.isEmpty || searched.indices.contains { searched[$0...].starts(with: literal) },
                        "\(pattern) matched \(text) without \(String(decoding: literal, as: UTF8.self))")
                if !literal.isEmpty { withLiteral += 1 }
            }
        }
        #expect(checked > 500)
        #expect(withLiteral > 100, "matches whose pattern has a contained literal: \(withLiteral)")
    }

    @Test func stringSetsFindEveryMemberAndNothingElse() {
        let members = ["", "sh", "bash", "BASH", "/usr/bin/python3", String(repeating: "x", count: 63), String(repeating: "x", count: 64),
                       String(repeating: "y", count: 200), "été"]
        let sensitive = ByteStringSet(members, caseInsensitive: false)
        let insensitive = ByteStringSet(members, caseInsensitive: true)
        func probe(_ set: ByteStringSet, _ text: String) -> Bool { Array(text.utf8).withUnsafeBufferPointer { set.contains($0) } }
        for member in members {
            #expect(probe(sensitive, member), "\(member)")
            #expect(probe(insensitive, member.uppercased()), "\(member) in upper case")
        }
        for other in ["s", "bas", "Bash", "/usr/bin/python", String(repeating: "x", count: 65), String(repeating: "y", count: 201), "ete"] {
            #expect(!probe(sensitive, other), "\(other)")
        }
        #expect(probe(insensitive, "Bash") && probe(insensitive, "ÉTÉ"))
        #expect(!probe(insensitive, String(repeating: "X", count: 62)))
        #expect(sensitive.normalizedMembers.count == members.count)
        #expect(insensitive.normalizedMembers.count == members.count - 1, "BASH and bash are one member ignoring case")
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
