/// Splits EQL query text into ``Token``s, following Elasticsearch's `EqlBase.g4` lexer rules.
///
/// Whitespace and comments (`// …` to the end of the line, `/* … */`, which may nest) are skipped.
/// Strings are double-quoted with the escapes `\b \t \n \f \r \" \' \\` and `\u{…}` (1 to 8 hex
/// digits), or triple-quoted (`"""raw"""`) without escapes. Single-quoted strings and the legacy
/// `?"raw"` form are rejected with a message saying what to write instead, as Elasticsearch does.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1

    /// Creates a lexer over `text`.
    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    /// Tokenizes the whole text; the last token is always `.end`.
    static func tokenize(_ text: String) throws(EQLError) -> [Token] {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private var location: SourceLocation { SourceLocation(line: line, column: column) }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() {
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private mutating func skipTrivia() throws(EQLError) {
        while let scalar = peek() {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                advance()
            } else if scalar == "/", peek(1) == "/" {
                while let next = peek(), next != "\n" { advance() }
            } else if scalar == "/", peek(1) == "*" {
                let start = location
                advance(); advance()
                var depth = 1
                while depth > 0 {
                    guard let next = peek() else { throw EQLError(at: start, "unterminated comment: expected '*/'") }
                    if next == "*", peek(1) == "/" {
                        depth -= 1
                        advance(); advance()
                    } else if next == "/", peek(1) == "*" {
                        depth += 1
                        advance(); advance()
                    } else {
                        advance()
                    }
                }
            } else {
                return
            }
        }
    }

    /// Reads the next token.
    mutating func next() throws(EQLError) -> Token {
        try skipTrivia()
        let start = location
        guard let scalar = peek() else { return Token(kind: .end, location: start) }
        let kind: TokenKind
        switch scalar {
        case "a" ... "z", "A" ... "Z", "_", "@":
            kind = readWord()
        case "0" ... "9":
            kind = try readNumber(start: start)
        case ".":
            if let next = peek(1), ("0" ... "9").contains(next) {
                kind = try readNumber(start: start)
            } else {
                advance()
                kind = .symbol(.dot)
            }
        case "\"":
            kind = .string(try readString(start: start))
        case "'":
            throw EQLError(at: start, "use double quotes [\"] to define string literals, not single quotes [']")
        case "`":
            kind = .quotedIdentifier(try readQuotedIdentifier(start: start))
        case "?":
            if peek(1) == "\"" || peek(1) == "'" {
                throw EQLError(at: start, "use triple double quotes [\"\"\"] to define unescaped string literals, not [?\"]")
            }
            advance()
            kind = .symbol(.questionMark)
        default:
            kind = .symbol(try readSymbol(start: start))
        }
        return Token(kind: kind, location: start)
    }

    private static let keywords: [String: Keyword] = Dictionary(
        uniqueKeysWithValues: Keyword.allCases.filter { !$0.rawValue.hasSuffix("~") }.map { ($0.rawValue, $0) })

    private mutating func readWord() -> TokenKind {
        var word = ""
        while let scalar = peek(), isWordScalar(scalar) {
            word.unicodeScalars.append(scalar)
            advance()
        }
        if peek() == "~" {
            advance()
            switch word {
            case "in": return .keyword(.inInsensitive)
            case "like": return .keyword(.likeInsensitive)
            case "regex": return .keyword(.regexInsensitive)
            default: return .tildeIdentifier(word)
            }
        }
        if let keyword = Self.keywords[word] { return .keyword(keyword) }
        return .identifier(word)
    }

    private func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a" ... "z", "A" ... "Z", "0" ... "9", "_", "@": true
        default: false
        }
    }

    private mutating func readNumber(start: SourceLocation) throws(EQLError) -> TokenKind {
        var text = ""
        var isInteger = true
        while let scalar = peek(), ("0" ... "9").contains(scalar) { text.unicodeScalars.append(scalar); advance() }
        if peek() == "." {
            isInteger = false
            text.append(".")
            advance()
            while let scalar = peek(), ("0" ... "9").contains(scalar) { text.unicodeScalars.append(scalar); advance() }
        }
        if let e = peek(), e == "e" || e == "E" {
            let signed = peek(1) == "+" || peek(1) == "-"
            if let digit = peek(signed ? 2 : 1), ("0" ... "9").contains(digit) {
                isInteger = false
                text.append("e")
                advance()
                if signed { text.unicodeScalars.append(peek()!); advance() }
                while let scalar = peek(), ("0" ... "9").contains(scalar) { text.unicodeScalars.append(scalar); advance() }
            }
        }
        if isInteger, let value = Int64(text) { return .integer(value) }
        if text.hasPrefix(".") { text = "0" + text }
        guard let value = Double(text) else { throw EQLError(at: start, "invalid number '\(text)'") }
        return .decimal(value)
    }

    private mutating func readQuotedIdentifier(start: SourceLocation) throws(EQLError) -> String {
        advance() // opening back quote
        var name = ""
        while true {
            guard let scalar = peek() else { throw EQLError(at: start, "unterminated quoted identifier: expected '`'") }
            advance()
            if scalar == "`" {
                if peek() == "`" { name.append("`"); advance(); continue }
                return name
            }
            name.unicodeScalars.append(scalar)
        }
    }

    private mutating func readString(start: SourceLocation) throws(EQLError) -> String {
        if peek(1) == "\"", peek(2) == "\"" {
            advance(); advance(); advance()
            var text = ""
            while true {
                guard let scalar = peek() else { throw EQLError(at: start, "unterminated string: expected '\"\"\"'") }
                if scalar == "\"", peek(1) == "\"", peek(2) == "\"" {
                    advance(); advance(); advance()
                    return text
                }
                text.unicodeScalars.append(scalar)
                advance()
            }
        }
        advance() // opening quote
        var text = ""
        while true {
            guard let scalar = peek(), scalar != "\n", scalar != "\r" else {
                throw EQLError(at: start, "unterminated string: expected '\"' before the end of the line")
            }
            if scalar == "\"" { advance(); return text }
            if scalar != "\\" { text.unicodeScalars.append(scalar); advance(); continue }
            let escapeLocation = location
            advance()
            guard let escaped = peek() else { throw EQLError(at: start, "unterminated string: expected '\"'") }
            advance()
            switch escaped {
            case "b": text.append("\u{08}")
            case "t": text.append("\t")
            case "n": text.append("\n")
            case "f": text.append("\u{0C}")
            case "r": text.append("\r")
            case "\"": text.append("\"")
            case "'": text.append("'")
            case "\\": text.append("\\")
            case "u":
                guard peek() == "{" else {
                    throw EQLError(at: escapeLocation, "invalid unicode escape: expected '\\u{' followed by 1 to 8 hex digits and '}'")
                }
                advance()
                var hex = ""
                while let digit = peek(), digit.properties.isASCIIHexDigit { hex.unicodeScalars.append(digit); advance() }
                guard peek() == "}", (1 ... 8).contains(hex.count), let value = UInt32(hex, radix: 16),
                      let decoded = Unicode.Scalar(value) else {
                    throw EQLError(at: escapeLocation, "invalid unicode escape: expected '\\u{' followed by 1 to 8 hex digits of a valid code point and '}'")
                }
                advance()
                text.unicodeScalars.append(decoded)
            default:
                throw EQLError(at: escapeLocation, "invalid escape sequence '\\\(escaped)' in string: use one of \\b \\t \\n \\f \\r \\\" \\' \\\\ \\u{…}")
            }
        }
    }

    private mutating func readSymbol(start: SourceLocation) throws(EQLError) -> Symbol {
        let scalar = peek()!
        let next = peek(1)
        func take(_ count: Int, _ symbol: Symbol) -> Symbol {
            for _ in 0 ..< count { advance() }
            return symbol
        }
        switch scalar {
        case ":": return take(1, .colon)
        case "=": return next == "=" ? take(2, .equal) : take(1, .assign)
        case "!":
            if next == "=" { return take(2, .notEqual) }
            if next == "[" { return take(2, .missingEventOpen) }
            if next == ":" { return take(2, .notColon) }
            throw EQLError(at: start, "unexpected character '!': expected '!=', '!:' or '!['")
        case "<": return next == "=" ? take(2, .lessOrEqual) : take(1, .less)
        case ">": return next == "=" ? take(2, .greaterOrEqual) : take(1, .greater)
        case "+": return take(1, .plus)
        case "-": return take(1, .minus)
        case "*": return take(1, .asterisk)
        case "/": return take(1, .slash)
        case "%": return take(1, .percent)
        case ",": return take(1, .comma)
        case "[": return take(1, .leftBracket)
        case "]": return take(1, .rightBracket)
        case "(": return take(1, .leftParenthesis)
        case ")": return take(1, .rightParenthesis)
        case "|": return take(1, .pipe)
        default:
            throw EQLError(at: start, "unexpected character '\(scalar)'")
        }
    }
}
