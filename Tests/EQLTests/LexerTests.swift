@testable import EQL
import Testing

@Suite struct LexerTests {
    func kinds(_ text: String) throws -> [TokenKind] {
        try Lexer.tokenize(text).map(\.kind)
    }

    func error(_ text: String) -> EQLError? {
        do {
            _ = try Lexer.tokenize(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func keywordsIdentifiersAndSymbols() throws {
        #expect(try kinds("process where process.name == \"a\"") == [
            .identifier("process"), .keyword(.where), .identifier("process"), .symbol(.dot), .identifier("name"),
            .symbol(.equal), .string("a"), .end,
        ])
        #expect(try kinds("x in~ (1) and y like~ \"a\" or z regex~ \"b\"") == [
            .identifier("x"), .keyword(.inInsensitive), .symbol(.leftParenthesis), .integer(1), .symbol(.rightParenthesis),
            .keyword(.and), .identifier("y"), .keyword(.likeInsensitive), .string("a"), .keyword(.or), .identifier("z"),
            .keyword(.regexInsensitive), .string("b"), .end,
        ])
        #expect(try kinds("startsWith~(a, b)").first == .tildeIdentifier("startsWith"))
        #expect(try kinds("![ != !: <= >= < > = == : ? |") == [
            .symbol(.missingEventOpen), .symbol(.notEqual), .symbol(.notColon), .symbol(.lessOrEqual), .symbol(.greaterOrEqual),
            .symbol(.less), .symbol(.greater), .symbol(.assign), .symbol(.equal), .symbol(.colon), .symbol(.questionMark),
            .symbol(.pipe), .end,
        ])
        #expect(try kinds("@timestamp _x a1") == [.identifier("@timestamp"), .identifier("_x"), .identifier("a1"), .end])
    }

    @Test func numbers() throws {
        #expect(try kinds("12 1.5 .5 2e3 1.5E-2 5s") == [
            .integer(12), .decimal(1.5), .decimal(0.5), .decimal(2000), .decimal(0.015), .integer(5), .identifier("s"), .end,
        ])
        #expect(try kinds("99999999999999999999") == [.decimal(1e20), .end])
    }

    @Test func stringEscapes() throws {
        #expect(try kinds(#""a\tb\n\"q\" \\ \' \u{41}\u{1F600}""#) == [.string("a\tb\n\"q\" \\ ' A😀"), .end])
        #expect(try kinds(#""""raw \n "quoted" \d""""#) == [.string(#"raw \n "quoted" \d"#), .end])
    }

    @Test func backquotedIdentifiers() throws {
        #expect(try kinds("`my field` `a``b`") == [.quotedIdentifier("my field"), .quotedIdentifier("a`b"), .end])
    }

    @Test func commentsAreSkipped() throws {
        #expect(try kinds("a // line\n/* block /* nested */ still */ b") == [.identifier("a"), .identifier("b"), .end])
    }

    @Test func positionsAreOneBasedLinesAndColumns() throws {
        let tokens = try Lexer.tokenize("process where\n  x == 1")
        #expect(tokens[2].location == SourceLocation(line: 2, column: 3))
        #expect(tokens[3].location == SourceLocation(line: 2, column: 5))
    }

    @Test func errorsSayWhatToWrite() {
        #expect(error("x == 'a'") == EQLError(line: 1, column: 6, message: "use double quotes [\"] to define string literals, not single quotes [']"))
        #expect(error("x == ?\"a\"")?.message.contains("triple double quotes") == true)
        #expect(error("x == \"abc")?.message.hasPrefix("unterminated string") == true)
        #expect(error("x == \"a\\qb\"") == EQLError(line: 1, column: 8, message: #"invalid escape sequence '\q' in string: use one of \b \t \n \f \r \" \' \\ \u{…}"#))
        #expect(error("x == \"\\u{110000}\"")?.message.hasPrefix("invalid unicode escape") == true)
        #expect(error("a /* open")?.message == "unterminated comment: expected '*/'")
        #expect(error("a\n  # b") == EQLError(line: 2, column: 3, message: "unexpected character '#'"))
        #expect(error("a ! b")?.message == "unexpected character '!': expected '!=', '!:' or '!['")
    }
}
