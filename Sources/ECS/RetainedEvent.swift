import CZstd

/// An event a sequence rule holds while it waits for the rest of the sequence: either the whole
/// ``Event``, or its document compressed by a ``RetainedEventCodec`` (a few hundred bytes instead of
/// the document plus its parsed values).
public struct RetainedEvent: Sendable {
    enum Form: Sendable {
        case whole(Event)
        case compressed(CompressedDocument)
    }

    /// The document compressed against the codec's dictionary, and what reading it again cannot give.
    struct CompressedDocument: Sendable {
        let bytes: [UInt8]
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

/// Compresses the events sequence rules hold, and gives them back exactly as they were read.
///
/// A partial sequence waits up to its `maxspan` (often minutes) for its next event, and the alert it
/// may become reproduces the events it holds. Kept whole, each costs its document (about 1.7 KB for
/// an Elastic Defend process event) plus its parsed values. Compressed on its own, an ECS document
/// shrinks by half; compressed against a dictionary of documents of the same stream (the same field
/// names, agent, host and data-stream values) to about an eighth. So the codec learns a raw-content
/// Zstandard dictionary from the first ``dictionarySamples`` documents it is given (kept whole
/// meanwhile), then compresses every later one against it at level 1 (a few microseconds each).
/// Thirty-two documents make a dictionary of about 54 KB that held the bench's process events in
/// 227 bytes each; four made one of 7 KB that held them in 281. Restoring
/// decompresses the document and reads it again with the same ``EventReader`` catalog, which gives
/// back the same values: an event's values are always the reading of its document.
///
/// One codec belongs to one thread (a shard's evaluator); it is not safe to share.
public final class RetainedEventCodec: @unchecked Sendable {
    /// How many documents make the dictionary, and the most bytes each contributes.
    public static let dictionarySamples = 32
    static let maximumSampleBytes = 8 * 1024

    private var reader: EventReader
    private var samples: [UInt8] = []
    private var sampleCount = 0
    private var compressionDictionary: OpaquePointer?
    private var decompressionDictionary: OpaquePointer?
    private let compressionContext: OpaquePointer
    private let decompressionContext: OpaquePointer
    private var scratch: [UInt8] = []

    /// Creates a codec that restores events with `reader`'s catalog and timestamp fields (those of
    /// the reader that read them).
    public init(reader: EventReader) {
        self.reader = reader
        compressionContext = ZSTD_createCCtx()
        decompressionContext = ZSTD_createDCtx()
        // Lengths are kept beside the compressed bytes; the frame needs no size, checksum or dictionary id.
        ZSTD_CCtx_setParameter(compressionContext, ZSTD_c_contentSizeFlag, 0)
        ZSTD_CCtx_setParameter(compressionContext, ZSTD_c_checksumFlag, 0)
        ZSTD_CCtx_setParameter(compressionContext, ZSTD_c_dictIDFlag, 0)
    }

    deinit {
        ZSTD_freeCCtx(compressionContext)
        ZSTD_freeDCtx(decompressionContext)
        if let compressionDictionary { ZSTD_freeCDict(compressionDictionary) }
        if let decompressionDictionary { ZSTD_freeDDict(decompressionDictionary) }
    }

    /// Whether the dictionary has been learned (until then, events are kept whole).
    public var hasDictionary: Bool { compressionDictionary != nil }

    /// The compact form of `event`.
    public func retain(_ event: Event) -> RetainedEvent {
        guard let compressionDictionary else {
            learn(from: event)
            return RetainedEvent(event)
        }
        let length = event.documentLength
        let bound = ZSTD_compressBound(length)
        if scratch.count < bound { scratch = [UInt8](repeating: 0, count: bound) }
        let written = event.storage.withUnsafeBytes { storage in
            scratch.withUnsafeMutableBytes { output in
                ZSTD_CCtx_refCDict(compressionContext, compressionDictionary)
                return ZSTD_compress2(compressionContext, output.baseAddress, bound, storage.baseAddress, length)
            }
        }
        // Compression cannot fail with an output buffer of the bound's size; keep the event whole if it did.
        guard ZSTD_isError(written) == 0, written < length else { return RetainedEvent(event) }
        let bytes = [UInt8](scratch[0 ..< written])
        return RetainedEvent(RetainedEvent.CompressedDocument(
            bytes: bytes, documentLength: Int32(length), timestamp: event.timestamp, origin: event.origin))
    }

    /// The event `retained` was made from.
    public func restore(_ retained: RetainedEvent) -> Event {
        switch retained.form {
        case .whole(let event):
            return event
        case .compressed(let compressed):
            let length = Int(compressed.documentLength)
            let document = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
                let result = compressed.bytes.withUnsafeBytes { input in
                    ZSTD_decompress_usingDDict(decompressionContext, buffer.baseAddress, length,
                                               input.baseAddress, input.count, decompressionDictionary)
                }
                precondition(ZSTD_isError(result) == 0 && result == length,
                             "a retained event did not decompress: \(String(cString: ZSTD_getErrorName(result)))")
                count = length
            }
            do {
                var event = try reader.read(bytes: document, origin: compressed.origin)
                event.timestamp = compressed.timestamp
                return event
            } catch {
                preconditionFailure("a retained event's document no longer reads (\(error)); it read when it arrived")
            }
        }
    }

    private func learn(from event: Event) {
        guard sampleCount < Self.dictionarySamples else { return } // a dictionary that failed to build
        let sample = min(event.documentLength, Self.maximumSampleBytes)
        samples.append(contentsOf: event.storage.prefix(sample))
        sampleCount += 1
        guard sampleCount == Self.dictionarySamples else { return }
        samples.withUnsafeBytes { dictionary in
            compressionDictionary = ZSTD_createCDict(dictionary.baseAddress, dictionary.count, 1)
            decompressionDictionary = ZSTD_createDDict(dictionary.baseAddress, dictionary.count)
        }
        samples = []
    }
}
