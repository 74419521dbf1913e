import ECS
import Foundation
import Pipeline
import TestScratch
import Testing

/// ``FileSource`` hands over every line, whole and in order, however lines fall across its reads.
@Suite struct FileSourceTests {
    @Test("lines across read boundaries, CRLF, blank lines and a last line without a newline")
    func linesAcrossReads() throws {
        // About 3 reads' worth of lines of many lengths, some ending in CRLF, some blank.
        var expected: [(bytes: [UInt8], number: Int)] = []
        var file: [UInt8] = []
        var number = 0
        while file.count < 800_000 {
            number += 1
            if number % 97 == 0 {
                file.append(contentsOf: "  \n".utf8)
                continue
            }
            let line = Array(#"{"n":\#(number),"pad":"\#(String(repeating: "x", count: (number * 7919) % 3_000))"}"#.utf8)
            file.append(contentsOf: line)
            file.append(contentsOf: number % 5 == 0 ? [0x0D, 0x0A] : [0x0A])
            expected.append((line, number))
        }
        number += 1
        let last = Array(#"{"n":"last"}"#.utf8)
        file.append(contentsOf: last)
        expected.append((last, number))

        let scratch = ScratchDirectory()
        let path = scratch.path("lines.ndjson")
        try Data(file).write(to: URL(fileURLWithPath: path))

        var records: [RawRecord] = []
        try FileSource(path: path).run(stop: StopSignal()) { batch in records += batch.records }
        #expect(records.count == expected.count)
        for (record, line) in zip(records, expected) {
            #expect(Array(record.bytes) == line.bytes, "line \(line.number)")
            #expect(record.origin == .line(source: InputName(path), number: line.number))
        }
    }
}
