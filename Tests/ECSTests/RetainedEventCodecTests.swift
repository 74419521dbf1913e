import ECS
import Testing

@Suite("RetainedEventCodec")
struct RetainedEventCodecTests {
    static let paths = ["@timestamp", "host.id", "process.name", "process.args", "process.pid", "process.command_line", "user.name"]

    func makeReader() -> EventReader {
        EventReader(catalog: FieldCatalog.Builder(paths: Self.paths).build())
    }

    func padded(_ number: Int, to width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// An Elastic Defend-like process event; `index` varies the values that differ between events.
    func document(_ index: Int, commandLine: String = "openssl enc -aes-256-cbc -pbkdf2") -> String {
        """
        {"@timestamp":"2026-11-25T10:00:\(padded(index % 60, to: 2)).123Z","agent":{"type":"endpoint","version":"8.15.0",\
        "id":"4f1c0b0e-8d5e-4a41-9d55-3d2f\(padded(index, to: 8))"},"data_stream":{"dataset":"endpoint.events.process",\
        "namespace":"default","type":"logs"},"ecs":{"version":"8.10.0"},"event":{"action":"exec","category":["process"],\
        "dataset":"endpoint.events.process","kind":"event","module":"endpoint","type":["start"]},"host":{"id":"host-\(index % 7)",\
        "name":"web-\(index % 7)","os":{"type":"linux","family":"debian","name":"Debian GNU/Linux","version":"12"}},\
        "process":{"name":"openssl","pid":\(4000 + index),"args":["openssl","enc","-aes-256-cbc","-in","/srv/data/\(index).db"],\
        "command_line":"\(commandLine)","entity_id":"Zjk4ZjA0YTItZDQ0Yy00\(index)","executable":"/usr/bin/openssl",\
        "parent":{"name":"bash","pid":\(3000 + index),"entity_id":"YmFzaC1wYXJlbnQ\(index % 11)"}},"user":{"name":"svc\(index % 3)"}}
        """
    }

    /// An Elastic Defend-like network event of the same hosts: other fields, other values.
    func networkDocument(_ index: Int) -> String {
        """
        {"@timestamp":"2026-11-25T10:01:\(padded(index % 60, to: 2)).456Z","agent":{"type":"endpoint","version":"8.15.0",\
        "id":"4f1c0b0e-8d5e-4a41-9d55-3d2f\(padded(index, to: 8))"},"data_stream":{"dataset":"endpoint.events.network",\
        "namespace":"default","type":"logs"},"destination":{"address":"10.\(index % 250).\(index % 13).\(index % 97)",\
        "ip":"10.\(index % 250).\(index % 13).\(index % 97)","port":\([443, 80, 5432, 22][index % 4])},"ecs":{"version":"8.10.0"},\
        "event":{"action":"connection_attempted","category":["network"],"dataset":"endpoint.events.network","kind":"event",\
        "module":"endpoint","type":["start"]},"host":{"id":"host-\(index % 7)","name":"web-\(index % 7)"},\
        "network":{"direction":"egress","transport":"tcp","type":"ipv4"},"process":{"name":"curl","pid":\(9000 + index),\
        "entity_id":"Y3VybC1uZXR3b3Jr\(index)"},"source":{"address":"10.20.5.149","ip":"10.20.5.149","port":\(30000 + index)},\
        "user":{"name":"svc\(index % 3)"}}
        """
    }

    func read(_ json: String, with reader: inout EventReader, index: Int) throws -> Event {
        try reader.read(bytes: Array(json.utf8), origin: .line(source: "events.ndjson", number: index + 1))
    }

    func expectSame(_ restored: Event, _ original: Event) {
        #expect(restored.storage == original.storage)
        #expect(restored.documentLength == original.documentLength)
        #expect(restored.timestamp == original.timestamp)
        #expect(restored.origin == original.origin)
        let catalog = FieldCatalog.Builder(paths: Self.paths)
        for path in Self.paths {
            let field = catalog.id(of: path)!
            #expect(restored.values(of: field) == original.values(of: field), "\(path)")
        }
    }

    @Test("events are kept whole until the dictionary is learned, then compressed to a fraction and restored exactly")
    func roundTrip() throws {
        var reader = makeReader()
        let codec = RetainedEventCodec(reader: makeReader(), wholeSpan: 0)
        var compressedBytes = 0, documentBytes = 0
        for index in 0 ..< 40 {
            var event = try read(document(index), with: &reader, index: index)
            event.timestamp += 7 // a time the pipeline set (timestamp_override): kept, not re-read
            let retained = codec.retain(event)
            if index < RetainedEventCodec.dictionarySamples {
                #expect(!codec.hasDictionary || index == RetainedEventCodec.dictionarySamples - 1)
                #expect(retained.heapBytes >= event.documentLength, "kept whole while learning")
            } else {
                compressedBytes += retained.heapBytes
                documentBytes += event.documentLength
            }
            #expect(retained.timestamp == event.timestamp)
            expectSame(retained.restored(by: codec), event)
        }
        #expect(codec.hasDictionary)
        // A document of the same stream costs under a quarter of its size against the dictionary.
        #expect(compressedBytes * 4 < documentBytes, "\(compressedBytes) compressed of \(documentBytes)")
    }

    @Test("escaped strings, decoded beside the document, come back decoded")
    func escapes() throws {
        var reader = makeReader()
        let codec = RetainedEventCodec(reader: makeReader(), wholeSpan: 0)
        for index in 0 ..< RetainedEventCodec.dictionarySamples { _ = codec.retain(try read(document(index), with: &reader, index: index)) }
        let event = try read(document(99, commandLine: #"sh -c \"echo \u00e9t\u00e9 > /tmp/x\""#), with: &reader, index: 99)
        #expect(event.storage.count > event.documentLength, "the decoded command line is stored after the document")
        let retained = codec.retain(event)
        #expect(retained.heapBytes < event.documentLength)
        let restored = retained.restored(by: codec)
        expectSame(restored, event)
        let commandLine = FieldCatalog.Builder(paths: Self.paths).id(of: "process.command_line")!
        #expect(restored.string(commandLine) == #"sh -c "echo été > /tmp/x""#)
    }

    /// A codec that has learned its dictionary and keeps events whole for one second of event time,
    /// within `byteLimit`.
    func learnedCodec(reader: inout EventReader, byteLimit: Int = 1 << 20) throws -> RetainedEventCodec {
        let codec = RetainedEventCodec(reader: makeReader(), wholeSpan: 1_000_000_000, wholeByteLimit: byteLimit)
        for index in 0 ..< RetainedEventCodec.dictionarySamples { _ = codec.retain(try read(document(index), with: &reader, index: index)) }
        #expect(codec.hasDictionary)
        return codec
    }

    /// Event `index` of the stream, at `seconds` of event time.
    func event(_ index: Int, at seconds: Double, with reader: inout EventReader) throws -> Event {
        var event = try read(document(index), with: &reader, index: index)
        event.timestamp = 1_800_000_000_000_000_000 + Int64(seconds * 1e9)
        return event
    }

    @Test("a recent event stays whole; once older than the span, it is compressed in place if still held, dropped if not")
    func deferredCompression() throws {
        var reader = makeReader()
        let codec = try learnedCodec(reader: &reader)
        let heldEvent = try event(100, at: 0, with: &reader)
        let held = codec.retain(heldEvent)
        _ = codec.retain(try event(101, at: 0.5, with: &reader)) // its partial sequence ended
        let copy = held // a partial sequence grown from the first holds the same event
        #expect(!held.isCompressed && held.heapBytes == heldEvent.heapBytes)
        _ = codec.retain(try event(102, at: 1.0, with: &reader))
        #expect(!held.isCompressed && codec.compressions == 0, "exactly a span later is still recent")
        _ = codec.retain(try event(103, at: 1.2, with: &reader))
        #expect(held.isCompressed && copy.isCompressed)
        #expect(held.heapBytes * 4 < heldEvent.documentLength)
        #expect(codec.compressions == 1, "the event nothing held was not compressed")
        expectSame(copy.restored(by: codec), heldEvent)
        _ = codec.retain(try event(104, at: 1.6, with: &reader))
        #expect(codec.compressions == 1, "the event nothing held was dropped whole")
        #expect(copy.timestamp == heldEvent.timestamp)
    }

    @Test("past the byte limit, the oldest held events are compressed however recent")
    func byteLimit() throws {
        var reader = makeReader()
        let size = try read(document(200), with: &reader, index: 200).heapBytes
        let codec = try learnedCodec(reader: &reader, byteLimit: size * 5 / 2)
        let events = try (200 ..< 206).map { try event($0, at: 0, with: &reader) }
        let held = events.map(codec.retain)
        #expect(held.map(\.isCompressed) == [true, true, true, true, false, false])
        #expect(codec.compressions == 4)
        for (retained, original) in zip(held, events) { expectSame(retained.restored(by: codec), original) }
    }

    @Test("a retained event kept whole needs no codec")
    func whole() throws {
        var reader = makeReader()
        let event = try read(document(1), with: &reader, index: 1)
        expectSame(RetainedEvent(event).restored(by: nil), event)
    }

    @Test("a stream of the same kind of documents keeps its first dictionary")
    func steadyStream() throws {
        var reader = makeReader()
        let codec = RetainedEventCodec(reader: makeReader(), monitorWindow: 64, wholeSpan: 0)
        for index in 0 ..< RetainedEventCodec.dictionarySamples + 64 * 20 {
            _ = codec.retain(try read(document(index), with: &reader, index: index))
        }
        #expect(codec.dictionariesLearned == 1)
    }

    @Test("when what is held changes kind, a dictionary of the new documents is learned; older ones still restore")
    func drift() throws {
        var reader = makeReader()
        let window = 64
        let codec = RetainedEventCodec(reader: makeReader(), monitorWindow: window, wholeSpan: 0)
        var held: [(Event, RetainedEvent)] = []
        for index in 0 ..< RetainedEventCodec.dictionarySamples + window * 2 {
            let event = try read(document(index), with: &reader, index: index)
            held.append((event, codec.retain(event)))
        }
        #expect(codec.dictionariesLearned == 1)
        // Network events against the process events' dictionary, then against their own.
        var againstOld: [Int] = [], againstNew: [Int] = []
        for index in 0 ..< window * 4 {
            let learnedBefore = codec.dictionariesLearned
            let event = try read(networkDocument(index), with: &reader, index: 1_000 + index)
            let retained = codec.retain(event)
            if learnedBefore == 1 { againstOld.append(retained.heapBytes) } else { againstNew.append(retained.heapBytes) }
            held.append((event, retained))
        }
        #expect(codec.dictionariesLearned == 2)
        // The first window shows the drift; the next dictionarySamples documents make the new dictionary.
        #expect(againstOld.count == window + RetainedEventCodec.dictionarySamples)
        let oldMean = againstOld.reduce(0, +) / max(1, againstOld.count)
        let newMean = againstNew.reduce(0, +) / max(1, againstNew.count)
        #expect(newMean * 10 < oldMean * 8, "network events: \(oldMean) bytes each against the old dictionary, \(newMean) against the new")
        for (event, retained) in held { expectSame(retained.restored(by: codec), event) }
    }
}
