import ECS
import Testing

@Suite("RecordOrigin")
struct RecordOriginTests {
    @Test("input names are interned: equal names share a handle, and the text comes back as given")
    func interning() {
        let path = "/var/log/endpoint/events-\(Int.random(in: 0 ..< 1_000_000)).ndjson"
        #expect(InputName(path) == InputName(String(path)))
        #expect(InputName(path) != InputName(path + ".1"))
        #expect(InputName(path).text == path)
        #expect(RecordOrigin.line(source: InputName(path), number: 12).description == "\(path):12")
        #expect(RecordOrigin.line(source: "-", number: 3).description == "<stdin>:3")
    }
}
