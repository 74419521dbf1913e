import ECS

/// A record the pipeline could not use, kept with the reason so nothing is silently dropped.
public struct DeadLetter: Sendable {
    /// The record's original bytes.
    public let bytes: [UInt8]
    /// Where it came from.
    public let origin: RecordOrigin
    /// Why it was rejected (`column 17: expected ':' after member name`).
    public let reason: String

    /// Creates a dead letter.
    public init(bytes: [UInt8], origin: RecordOrigin, reason: String) {
        self.bytes = bytes
        self.origin = origin
        self.reason = reason
    }

    /// The dead letter of `record`, with a copy of its bytes (they may be a slice of a shared buffer).
    public init(record: RawRecord, reason: String) {
        self.init(bytes: Array(record.bytes), origin: record.origin, reason: reason)
    }

    /// One NDJSON line describing the letter: origin, reason and the original record as a string.
    public func jsonLine() -> [UInt8] {
        var line: [UInt8] = []
        line.append(contentsOf: #"{"tripline.dead_letter.origin":"#.utf8)
        JSONText.appendString(origin.description, to: &line)
        line.append(contentsOf: #","tripline.dead_letter.reason":"#.utf8)
        JSONText.appendString(reason, to: &line)
        line.append(contentsOf: #","tripline.dead_letter.record":"#.utf8)
        JSONText.appendString(String(decoding: bytes, as: UTF8.self), to: &line)
        line.append(contentsOf: "}\n".utf8)
        return line
    }
}
