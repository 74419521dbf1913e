import ECS
import Foundation
import Testing

@Suite("JSONText")
struct JSONTextTests {
    func encoded(_ value: some StringProtocol) -> String {
        var output: [UInt8] = []
        JSONText.appendString(value, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    @Test("quotes, backslashes and control characters are escaped; the runs between them are copied as they are")
    func escapes() {
        #expect(encoded("plain") == #""plain""#)
        #expect(encoded("") == #""""#)
        #expect(encoded(#"say "hi" \ bye"#) == #""say \"hi\" \\ bye""#)
        #expect(encoded("a\nb\rc\td\u{1}e\u{1f}") == #""a\nb\rc\td\u0001e\u001f""#)
        #expect(encoded("\"") == #""\"""#)
        #expect(encoded("été ☃ \u{7f}") == "\"été ☃ \u{7f}\"")
        #expect(encoded("C:\\Windows\\System32"[...].dropFirst(3)) == #""Windows\\System32""#, "a substring")
    }

    @Test("what it writes reads back as the same string")
    func roundTrip() throws {
        let values = ["", "x", "\u{0}\u{8}\u{c}", #"{"k":"v"}"#, "tab\there", "line\u{2028}sep", String(repeating: "ab\"", count: 100)]
        for value in values {
            let document = "[\(encoded(value))]"
            let decoded = try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String]
            #expect(decoded == [value])
        }
    }
}
