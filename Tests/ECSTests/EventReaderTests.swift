import ECS
import Foundation
import Testing

@Suite("EventReader")
struct EventReaderTests {
    static let paths = ["@timestamp", "process.name", "process.args", "process.parent.name", "host.id", "count", "ratio",
                        "flag", "missing", "escaped", "nested.items.id"]

    func reader() -> EventReader {
        EventReader(catalog: FieldCatalog.Builder(paths: Self.paths).build())
    }

    func read(_ json: String) throws(EventReadError) -> Event {
        var reader = reader()
        return try reader.read(bytes: Array(json.utf8), origin: .memory(index: 0))
    }

    func field(_ path: String) -> FieldID { FieldCatalog.Builder(paths: Self.paths).id(of: path)! }

    @Test("nested objects and dotted keys give the same paths")
    func nestedAndDotted() throws {
        let nested = try read(#"{"process":{"name":"openssl","parent":{"name":"bash"}}}"#)
        let dotted = try read(#"{"process.name":"openssl","process.parent":{"name":"bash"}}"#)
        for event in [nested, dotted] {
            #expect(event.values(of: field("process.name")) == [.string("openssl")])
            #expect(event.values(of: field("process.parent.name")) == [.string("bash")])
        }
    }

    @Test("arrays become multi-valued fields in document order")
    func arrays() throws {
        let event = try read(#"{"process":{"args":["openssl","enc","-in","a"]},"nested":{"items":[{"id":1},{"id":2}]}}"#)
        #expect(event.values(of: field("process.args")) == [.string("openssl"), .string("enc"), .string("-in"), .string("a")])
        #expect(event.values(of: field("nested.items.id")) == [.integer(1), .integer(2)])
    }

    @Test("scalars keep their JSON types")
    func scalarTypes() throws {
        let event = try read(#"{"count": -42, "ratio": 2.5e3, "flag": true, "missing": null}"#)
        #expect(event.values(of: field("count")) == [.integer(-42)])
        #expect(event.values(of: field("ratio")) == [.double(2500)])
        #expect(event.values(of: field("flag")) == [.bool(true)])
        #expect(event.values(of: field("missing")) == [.null])
        #expect(event.has(field("missing")))
        #expect(!event.has(field("process.name")))
    }

    @Test("escaped strings are decoded, including surrogate pairs")
    func escapes() throws {
        let event = try read(#"{"escaped":"a\"b\\c\nd\u00e9\ud83d\ude00"}"#)
        #expect(event.values(of: field("escaped")) == [.string("a\"b\\c\nd\u{e9}\u{1F600}")])
    }

    @Test("unregistered members are skipped but still validated")
    func skipsUnknown() throws {
        let event = try read(#"{"other":{"deep":[1,{"x":"y"}]},"process":{"name":"ls","pid":4}}"#)
        #expect(event.values(of: field("process.name")) == [.string("ls")])
        #expect(event.slots.count == 1)
        #expect(throws: EventReadError.self) { try read(#"{"other":{"deep":[1,{"x" "y"}]}}"#) }
    }

    @Test("the event time comes from @timestamp", arguments: [
        (#"{"@timestamp":"2026-11-25T09:00:02.201Z"}"#, Int64(1_795_597_202_201_000_000)),
        (#"{"@timestamp":"2026-11-25T10:00:02.201+01:00"}"#, Int64(1_795_597_202_201_000_000)),
        (#"{"@timestamp":1795597202201}"#, Int64(1_795_597_202_201_000_000)),
        (#"{"process":{"name":"x"}}"#, Int64.min),
    ])
    func timestamps(json: String, expected: Int64) throws {
        #expect(try read(json).timestamp == expected)
    }

    @Test("malformed records are rejected with the column of the first error", arguments: [
        ("", 1, "empty record"),
        ("[1,2]", 1, "expected a JSON object"),
        (#"{"a":1,}"#, 8, "member name"),
        (#"{"a" 1}"#, 6, "expected ':'"),
        (#"{"a":tru}"#, 6, "invalid literal"),
        (#"{"a":01}"#, 7, "leading zero"),
        (#"{"a":"x}"#, 9, "unterminated string"),
        (#"{"a":1} x"#, 9, "after the JSON object"),
        (#"{"process":{"name":"a\q"}}"#, 23, "invalid escape"),
        // Whitespace is skipped between tokens; other bytes below 0x20 are not whitespace.
        ("{ \u{1}\"a\":1}", 3, "member name"),
        ("{\"a\" \u{1}:1}", 6, "expected ':'"),
        ("{\"a\": \u{1}1}", 7, "expected a value"),
        ("{\"a\":1 \u{1}}", 8, "expected ',' or '}'"),
        ("{\"a\":[1 \u{1}]}", 9, "expected ',' or ']'"),
        ("{\"other\":{\"b\":[ \u{1}]}}", 17, "expected a value"),
        ("{\"a\": ", 7, "expected a value"),
        ("{\"a\":1 ", 8, "unterminated object"),
        ("{\"a\":[1 ", 9, "unterminated array"),
    ])
    func malformed(json: String, column: Int, reason: String) {
        do throws(EventReadError) {
            _ = try read(json)
            Issue.record("accepted malformed JSON: \(json)")
        } catch {
            #expect(error.column == column, "\(json): \(error)")
            #expect(error.reason.contains(reason), "\(json): \(error)")
        }
    }

    @Test("whitespace between any two tokens reads as the compact document does")
    func whitespace() throws {
        let compact = #"{"process":{"name":"ls","args":["ls","-l"],"parent":{"name":"sh"}},"other":{"x":[1,{"y":null}]},"count":3,"flag":false}"#
        let spaced = " {\t\"process\" :\r\n{ \"name\" : \"ls\" , \"args\" :[ \"ls\" ,\n\"-l\" ] ,\"parent\": {\"name\":\"sh\"} } ,"
            + " \"other\" : { \"x\" : [ 1 , { \"y\" : null } ] } , \"count\" : 3 , \"flag\" : false } \n"
        let expected = try read(compact)
        let event = try read(spaced)
        for path in Self.paths {
            #expect(event.values(of: field(path)) == expected.values(of: field(path)), "\(path)")
        }
        #expect(try read("{ }").slots.isEmpty)
        #expect(try read(#"{"process":{"args":[ ]}}"#).values(of: field("process.args")).isEmpty)
    }

    @Test("nesting beyond the limit is rejected, not a stack overflow")
    func depthLimit() {
        let deep = String(repeating: #"{"a":"#, count: 100) + "1" + String(repeating: "}", count: 100)
        #expect(throws: EventReadError.self) { try read(deep) }
    }

    @Test("the original document is kept byte for byte")
    func keepsDocument() throws {
        let json = #"{"process":{"name":"a\tb"}, "x": [1, 2]}"#
        let event = try read(json)
        #expect(Array(event.document) == Array(json.utf8))
    }

    @Test("one reader reading documents whose member names change reads each as a fresh reader would")
    func memberNamePredictionIsExact() throws {
        // Names a remembered name could be confused with: shorter, longer, a prefix followed by more
        // bytes, the same name escaped or dotted, 16, 17, 23 and 24 bytes long, and unregistered ones.
        let processMembers = [#""name":"openssl""#, #""nam":"x""#, #""namex":"y""#, #""na\u006de":"escaped""#,
                              #""parent.name":"bash""#, #""args":["a","b"]"#, #""abcdefghijklmnop":1"#,
                              #""abcdefghijklmnopq":2"#, #""abcdefghijklmnopqrstuvw":3"#, #""abcdefghijklmnopqrstuvwx":4"#,
                              #""parent":{"name":"sh"}"#, #""name ":"space""#]
        let rootMembers = [#""process":{MEMBERS}"#, #""proc":{MEMBERS}"#, #""process.name":"dotted""#,
                           #""host":{"id":"h1"}"#, #""count":7"#, #""escaped":"a\"b""#]
        var shared = reader()
        var documents = 0
        for first in rootMembers.indices {
            for second in rootMembers.indices {
                for member in processMembers.indices {
                    let inner = [processMembers[member], processMembers[(member + first) % processMembers.count]]
                        .joined(separator: ",")
                    let root = [rootMembers[first], rootMembers[second]].map { $0.replacingOccurrences(of: "MEMBERS", with: inner) }
                    let json = "{" + root.joined(separator: ",") + "}"
                    var fresh = reader()
                    let expected = try fresh.read(bytes: Array(json.utf8), origin: .memory(index: 0))
                    let actual = try shared.read(bytes: Array(json.utf8), origin: .memory(index: 0))
                    for path in Self.paths {
                        #expect(actual.values(of: field(path)) == expected.values(of: field(path)), "\(path) in \(json)")
                    }
                    documents += 1
                }
            }
        }
        #expect(documents == 432)
        // A name predicted from the documents above, now at the very end of a short document.
        #expect(try shared.read(bytes: Array(#"{"count":1}"#.utf8), origin: .memory(index: 0)).values(of: field("count")) == [.integer(1)])
    }

    @Test("a string ends, an escape is decoded and a control character is rejected at any offset in it")
    func stringBytesAtEveryOffset() throws {
        // The string scan tests 16 bytes at a time (8 without SSE2): each case puts the byte it must
        // stop at in every position of a block, and the string at the end of the document as well as
        // before more members.
        for length in 0 ... 40 {
            let plain = String(repeating: "p", count: length)
            for suffix in ["", #","count":1"#] {
                let event = try read(#"{"escaped":""# + plain + #"""# + suffix + "}")
                #expect(event.values(of: field("escaped")) == [.string(plain)], "length \(length)")
            }
            for position in 0 ... length {
                let before = String(plain.prefix(position)), after = String(plain.dropFirst(position))
                let escaped = try read(#"{"escaped":""# + before + #"\"\\"# + after + #""}"#)
                #expect(escaped.values(of: field("escaped")) == [.string(before + "\"\\" + after)], "escape at \(position)")
                let skipped = try read(#"{"other":""# + before + #"\"\\"# + after + #"","count":2}"#)
                #expect(skipped.values(of: field("count")) == [.integer(2)], "skipped escape at \(position)")
                for document in [#"{"escaped":""# + before + "\u{01}" + after + #""}"#,
                                 #"{"other":""# + before + "\u{1F}" + after + #""}"#] {
                    let column = document.utf8.count - after.utf8.count - 2
                    #expect(throws: EventReadError(offset: column - 1, reason: "control character in string (must be escaped)"),
                            "control character at \(position)") { try read(document) }
                }
            }
        }
        // A member name's scan stops at a dot too: a dotted name is a path below the object.
        let dottedPaths = (1 ... 40).map { String(repeating: "p", count: $0) + ".n" }
        let catalog = FieldCatalog.Builder(paths: dottedPaths).build()
        var dottedReader = EventReader(catalog: catalog)
        for path in dottedPaths {
            let event = try dottedReader.read(bytes: Array((#"{"x":1,""# + path + #"":"v"}"#).utf8), origin: .memory(index: 0))
            #expect(event.values(of: catalog.id(of: path)!) == [.string("v")], "\(path)")
        }
    }

    @Test("a document read from a slice of a larger buffer refers to it; compacted, it owns exactly its bytes")
    func sliceOfABuffer() throws {
        let first = #"{"process":{"name":"bash"}}"#
        let second = #"{"process":{"name":"open\u0073sl","args":["enc","-in"]},"count":3}"#
        let buffer = Array((first + "\n" + second + "\n").utf8)
        let start = first.utf8.count + 1
        var reader = reader()
        let event = try reader.read(bytes: buffer[start ..< start + second.utf8.count], origin: .memory(index: 1))
        let whole = try read(second)
        for path in Self.paths {
            #expect(event.values(of: field(path)) == whole.values(of: field(path)), "\(path)")
        }
        #expect(event.values(of: field("process.name")) == [.string("openssl")])
        #expect(Array(event.document) == Array(second.utf8))

        let plain = try reader.read(bytes: buffer[0 ..< first.utf8.count], origin: .memory(index: 0))
        let compacted = plain.compacted()
        #expect(compacted.storage.startIndex == 0 && compacted.storage.count == first.utf8.count)
        #expect(Array(compacted.document) == Array(first.utf8))
        #expect(compacted.values(of: field("process.name")) == [.string("bash")])
        #expect(compacted.timestamp == plain.timestamp && compacted.origin == plain.origin)
    }
}
