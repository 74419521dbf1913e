/// An event a sequence rule holds while it waits for the rest of the sequence: either the whole
/// ``Event``, or its document compressed by a ``RetainedEventCodec`` (a few hundred bytes instead of
/// the document plus its parsed values).
public struct RetainedEvent: Sendable {
    enum Form: Sendable {
        case whole(Event)
        case compressed(CompressedDocument)
    }

    /// The document compressed against one of the codec's dictionaries, and what reading it again
    /// cannot give.
    struct CompressedDocument: Sendable {
        let bytes: [UInt8]
        /// The dictionary it was compressed with (kept alive by the documents that need it).
        let dictionary: CompressionDictionary
        let documentLength: Int32
        let timestamp: Int64
        let origin: RecordOrigin
    }

    let form: Form

    /// Keeps `event` whole.
    public init(_ event: Event) {
        form = .whole(event)
    }

    init(_ compressed: CompressedDocument) {
        form = .compressed(compressed)
    }

    /// The event time of the retained event.
    public var timestamp: Int64 {
        switch form {
        case .whole(let event): event.timestamp
        case .compressed(let document): document.timestamp
        }
    }

    /// The event: kept whole, or restored by `codec`, the codec that compressed it.
    public func restored(by codec: RetainedEventCodec?) -> Event {
        if case .whole(let event) = form { return event }
        guard let codec else { preconditionFailure("a compressed retained event needs its codec to be restored") }
        return codec.restore(self)
    }

    /// Bytes this retained form holds on the heap (the document, or its compressed form).
    public var heapBytes: Int {
        switch form {
        case .whole(let event): event.heapBytes
        case .compressed(let document): document.bytes.count
        }
    }
}
