import CZstd
import DequeModule

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
/// 227 bytes each; four made one of 7 KB that held them in 281.
///
/// What the rules hold can change after the dictionary was learned: network events held in 323 bytes
/// against a dictionary of process events, 185 against one of network events. So the codec watches
/// how well it compresses (``CompressionMonitor``), and when a window of documents compresses
/// ``CompressionMonitor/driftFactor`` times worse than the first window after the dictionary was
/// learned, it learns a new one from the next ``dictionarySamples`` documents it retains (compressed
/// with the old one meanwhile). Documents already compressed keep the dictionary they need.
///
/// Most partial sequences end a few seconds after they start, when their `maxspan` passes or they
/// complete. So the codec keeps an event whole while it is recent: retained less than
/// ``wholeSpan`` of event time before the newest event retained, and within the newest
/// ``wholeByteLimit`` bytes of them. Only an event that a partial sequence still holds after that
/// is compressed; one no longer held is dropped without ever being compressed. On the bench's Linux
/// corpus, where 17,000 of 100,000 events start or extend a partial and most rules' `maxspan` is
/// 1 to 5 seconds, this leaves most of them uncompressed (about 5 µs each).
///
/// Restoring decompresses the document and reads it again with the same ``EventReader`` catalog,
/// which gives back the same values: an event's values are always the reading of its document.
///
/// One codec belongs to one thread (a shard's evaluator); it is not safe to share.
public final class RetainedEventCodec: @unchecked Sendable {
    /// How many documents make a dictionary, and the most bytes each contributes.
    public static let dictionarySamples = 32
    static let maximumSampleBytes = 8 * 1024

    private var reader: EventReader
    private var dictionary: CompressionDictionary?
    /// The documents of the dictionary being learned; nil when none is.
    private var samples: [UInt8]? = []
    private var sampleCount = 0
    private var monitor: CompressionMonitor
    private let compressionContext: OpaquePointer
    private let decompressionContext: OpaquePointer
    private var scratch: [UInt8] = []
    /// The events kept whole for now, in the order they were retained, and their bytes.
    private var recent: Deque<RecentEvent> = []
    private var recentBytes = 0

    /// An event kept whole for now: its holder (shared with the partial sequences that hold it).
    private struct RecentEvent {
        var holder: RetainedEvent.Holder
        let timestamp: Int64
        let bytes: Int
    }

    /// How many dictionaries the codec has learned: the first, and one more each time what it
    /// compresses drifted from what its dictionary was learned on.
    public private(set) var dictionariesLearned = 0
    /// How many events the codec has compressed.
    public private(set) var compressions = 0

    /// How long (nanoseconds of event time) an event is kept whole after it was retained.
    public let wholeSpan: Int64
    /// The most bytes (documents and value slots, ``Event/heapBytes``) of events kept whole.
    public let wholeByteLimit: Int

    /// Documents per measure of how well the dictionary fits, by default.
    public static let defaultMonitorWindow = 1024
    /// The default ``wholeSpan``: 5 seconds, the `maxspan` of most sequence rules or more.
    public static let defaultWholeSpan: Int64 = 5_000_000_000
    /// The default ``wholeByteLimit``: 32 MiB, about 15,000 Elastic Defend process events (2.2 KB each, read).
    public static let defaultWholeByteLimit = 32 << 20

    /// Creates a codec that restores events with `reader`'s catalog and timestamp fields (those of
    /// the reader that read them). `monitorWindow` is how many documents each measure of how well the
    /// dictionary fits takes. Events are kept whole for `wholeSpan` nanoseconds of event time, within
    /// `wholeByteLimit` bytes (either 0: each event is compressed when it is retained).
    public init(reader: EventReader, monitorWindow: Int = RetainedEventCodec.defaultMonitorWindow,
                wholeSpan: Int64 = RetainedEventCodec.defaultWholeSpan,
                wholeByteLimit: Int = RetainedEventCodec.defaultWholeByteLimit) {
        self.reader = reader
        self.wholeSpan = max(0, wholeSpan)
        self.wholeByteLimit = max(0, wholeByteLimit)
        monitor = CompressionMonitor(window: monitorWindow)
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
    }

    /// Whether a dictionary has been learned (until then, events are kept whole).
    public var hasDictionary: Bool { dictionary != nil }

    /// The form a partial sequence holds `event` in: whole while the dictionary is learned or while
    /// it is recent (see the type's documentation), compressed after that.
    public func retain(_ event: Event) -> RetainedEvent {
        let hadDictionary = dictionary != nil
        if samples != nil { learn(from: event) }
        guard hadDictionary else { return RetainedEvent(event) }
        guard wholeSpan > 0, wholeByteLimit > 0 else { return compressed(event) }
        let retained = RetainedEvent(event)
        let bytes = event.heapBytes
        recent.append(RecentEvent(holder: retained.holder, timestamp: event.timestamp, bytes: bytes))
        recentBytes += bytes
        let oldestWhole = event.timestamp &- wholeSpan
        // Only the timestamp is read before the event is taken out: a binding of the whole entry
        // would hold its holder too, and no holder would ever be found unreferenced elsewhere.
        while let oldestTime = recent.first?.timestamp, oldestTime < oldestWhole || recentBytes > wholeByteLimit {
            var oldest = recent.removeFirst()
            recentBytes -= oldest.bytes
            // Unique: no partial sequence holds it any more, and it goes without being compressed.
            if !isKnownUniquelyReferenced(&oldest.holder), case .whole(let whole) = oldest.holder.form,
               let document = compress(whole) {
                oldest.holder.form = .compressed(document)
            }
        }
        return retained
    }

    /// `event` compressed against the current dictionary (whole if there is none, or if it does not
    /// shrink).
    public func compressed(_ event: Event) -> RetainedEvent {
        compress(event).map(RetainedEvent.init) ?? RetainedEvent(event)
    }

    /// `event`'s document compressed against the current dictionary; nil without one, or when it
    /// does not shrink.
    private func compress(_ event: Event) -> RetainedEvent.CompressedDocument? {
        guard let current = dictionary else { return nil }
        let length = event.documentLength
        let bound = ZSTD_compressBound(length)
        if scratch.count < bound { scratch = [UInt8](repeating: 0, count: bound) }
        let written = event.storage.withUnsafeBytes { storage in
            scratch.withUnsafeMutableBytes { output in
                ZSTD_CCtx_refCDict(compressionContext, current.compression)
                return ZSTD_compress2(compressionContext, output.baseAddress, bound, storage.baseAddress, length)
            }
        }
        // Compression cannot fail with an output buffer of the bound's size; keep the event whole if it did.
        guard ZSTD_isError(written) == 0, written < length else { return nil }
        compressions += 1
        if monitor.record(compressed: written, of: length), samples == nil { samples = [] }
        return RetainedEvent.CompressedDocument(
            bytes: [UInt8](scratch[0 ..< written]), dictionary: current, documentLength: Int32(length),
            timestamp: event.timestamp, origin: event.origin)
    }

    /// The event `retained` was made from.
    public func restore(_ retained: RetainedEvent) -> Event {
        switch retained.holder.form {
        case .whole(let event):
            return event
        case .compressed(let compressed):
            let length = Int(compressed.documentLength)
            let document = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
                let result = compressed.bytes.withUnsafeBytes { input in
                    ZSTD_decompress_usingDDict(decompressionContext, buffer.baseAddress, length,
                                               input.baseAddress, input.count, compressed.dictionary.decompression)
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

    /// Adds `event`'s document to the dictionary being learned, and learns it once there are enough.
    private func learn(from event: Event) {
        let sample = min(event.documentLength, Self.maximumSampleBytes)
        samples?.append(contentsOf: event.storage.prefix(sample))
        sampleCount += 1
        guard sampleCount == Self.dictionarySamples, let samples else { return }
        self.samples = nil
        sampleCount = 0
        // A dictionary that failed to build leaves the previous one (or none: events stay whole).
        guard let learned = CompressionDictionary(samples) else { return }
        dictionary = learned
        dictionariesLearned += 1
        monitor.restart()
    }
}

/// A learned Zstandard dictionary, prepared for compressing and for decompressing; freed when the
/// last document compressed with it is gone.
final class CompressionDictionary: @unchecked Sendable {
    // @unchecked: both are read-only once made, and ZSTD_CDict/ZSTD_DDict may be used from any thread.
    let compression: OpaquePointer
    let decompression: OpaquePointer

    /// Prepares `content` as a raw-content dictionary (compression level 1), or nil if Zstandard
    /// could not.
    init?(_ content: [UInt8]) {
        let prepared = content.withUnsafeBytes { bytes in
            (ZSTD_createCDict(bytes.baseAddress, bytes.count, 1), ZSTD_createDDict(bytes.baseAddress, bytes.count))
        }
        guard let compression = prepared.0, let decompression = prepared.1 else {
            ZSTD_freeCDict(prepared.0)
            ZSTD_freeDDict(prepared.1)
            return nil
        }
        self.compression = compression
        self.decompression = decompression
    }

    deinit {
        ZSTD_freeCDict(compression)
        ZSTD_freeDDict(decompression)
    }
}

/// Tells when a dictionary no longer fits what is compressed with it: the compressed share of the
/// documents of each window, against that of the first window after the dictionary was learned.
struct CompressionMonitor: Sendable {
    /// How many times worse than its first window a window must compress to count as drift.
    static let driftFactor = 1.25

    let window: Int
    private var compressedBytes = 0
    private var documentBytes = 0
    private var documents = 0
    /// The compressed share of the first window; nil until it is complete.
    private var baseline: Double?

    init(window: Int) { self.window = max(1, window) }

    /// Counts one document of `documentLength` bytes compressed to `compressedLength`; true when it
    /// completes a window that compressed ``driftFactor`` times worse than the first.
    mutating func record(compressed compressedLength: Int, of documentLength: Int) -> Bool {
        compressedBytes += compressedLength
        documentBytes += documentLength
        documents += 1
        guard documents == window else { return false }
        let share = Double(compressedBytes) / Double(max(1, documentBytes))
        compressedBytes = 0
        documentBytes = 0
        documents = 0
        guard let baseline else {
            baseline = share
            return false
        }
        return share > baseline * Self.driftFactor
    }

    /// Starts over for a new dictionary: its first window becomes the baseline.
    mutating func restart() {
        self = CompressionMonitor(window: window)
    }
}
