/// An event a sequence rule holds while it waits for the rest of the sequence: either the whole
/// ``Event``, or its document compressed by a ``RetainedEventCodec`` (a few hundred bytes instead of
/// the document plus its parsed values). A codec may keep an event whole for a while and compress it
/// later, in place: every partial sequence holding it then holds the compressed form.
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

    /// The form, shared by the copies of this retained event (a partial sequence and the one it
    /// grows into, the codec's list of events kept whole for now).
    ///
    /// `@unchecked Sendable`: only the thread that owns the codec changes ``form``, and it alone
    /// owns the partial sequences that read it.
    final class Holder: @unchecked Sendable {
        var form: Form

        init(_ form: Form) {
            self.form = form
        }
    }

    let holder: Holder

    /// Keeps `event` whole.
    public init(_ event: Event) {
        holder = Holder(.whole(event))
    }

    init(_ compressed: CompressedDocument) {
        holder = Holder(.compressed(compressed))
    }

    /// The event time of the retained event.
    public var timestamp: Int64 {
        switch holder.form {
        case .whole(let event): event.timestamp
        case .compressed(let document): document.timestamp
        }
    }

    /// Whether the event is held compressed (for now: a codec may compress it later).
    public var isCompressed: Bool {
        if case .compressed = holder.form { true } else { false }
    }

    /// The event: kept whole, or restored by `codec`, the codec that compressed it.
    public func restored(by codec: RetainedEventCodec?) -> Event {
        if case .whole(let event) = holder.form { return event }
        guard let codec else { preconditionFailure("a compressed retained event needs its codec to be restored") }
        return codec.restore(self)
    }

    /// Bytes this retained form holds on the heap (the document, or its compressed form).
    public var heapBytes: Int {
        switch holder.form {
        case .whole(let event): event.heapBytes
        case .compressed(let document): document.bytes.count
        }
    }
}
