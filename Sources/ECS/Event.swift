/// One ECS event: its original JSON bytes plus the values of the fields that rules and sinks read.
///
/// Storage is two flat buffers, whatever the document's size: ``storage`` holds the original JSON
/// followed by any string that had to be unescaped, and ``slots`` holds one 16-byte ``FieldSlot`` per
/// value, grouped by field in ascending ``FieldID`` order (elements of one array field stay adjacent,
/// in document order). Strings are ``ByteRange``s into ``storage``, counted from its start.
///
/// ``storage`` may be a slice of a buffer shared with other events (a file source's read buffer), so
/// that reading a record copies nothing. Whatever keeps an event beyond its batch (the reorder
/// buffer, an alert) keeps ``compacted()``, which owns exactly its bytes.
public struct Event: Sendable {
    /// The original JSON document, then unescaped string bytes.
    public let storage: ArraySlice<UInt8>
    /// How many leading bytes of ``storage`` are the original document.
    public let documentLength: Int
    /// Field values, sorted by field.
    public let slots: [FieldSlot]
    /// Event time in nanoseconds since the Unix epoch (`Int64.min` when the event has none).
    public var timestamp: Int64
    /// Where the event was read from.
    public let origin: RecordOrigin

    /// Creates an event from already-decoded parts; `slots` must be grouped by ascending field.
    public init(storage: ArraySlice<UInt8>, documentLength: Int, slots: [FieldSlot], timestamp: Int64, origin: RecordOrigin) {
        self.storage = storage
        self.documentLength = documentLength
        self.slots = slots
        self.timestamp = timestamp
        self.origin = origin
    }

    /// Creates an event whose storage is `storage` whole.
    public init(storage: [UInt8], documentLength: Int, slots: [FieldSlot], timestamp: Int64, origin: RecordOrigin) {
        self.init(storage: storage[...], documentLength: documentLength, slots: slots, timestamp: timestamp, origin: origin)
    }

    /// The original JSON document.
    public var document: ArraySlice<UInt8> { storage.prefix(documentLength) }

    /// This event with storage of its own, exactly its bytes: what to keep beyond the batch, so that
    /// one kept event does not keep a whole shared read buffer alive.
    public func compacted() -> Event {
        // Copied straight into a slice's own buffer: through an `Array` first, the buffer was
        // retained and released once more on the way.
        let owned = storage.withUnsafeBufferPointer { ArraySlice($0) }
        return Event(storage: owned, documentLength: documentLength, slots: slots, timestamp: timestamp, origin: origin)
    }

    /// Bytes the event holds on the heap: its stored bytes and its value slots (for an event whose
    /// storage is a slice of a shared buffer, its share of it).
    public var heapBytes: Int { storage.count + MemoryLayout<FieldSlot>.stride * slots.count }

    /// The slot indices holding `field`'s values (empty when the field is absent).
    @inlinable
    public func slotRange(of field: FieldID) -> Range<Int> {
        // Binary search for the first slot whose field is not below `field`.
        var low = 0
        var high = slots.count
        while low < high {
            let mid = (low &+ high) >> 1
            if slots[mid].field.index < field.index { low = mid &+ 1 } else { high = mid }
        }
        var end = low
        while end < slots.count, slots[end].field == field { end &+= 1 }
        return low ..< end
    }

    /// Whether the document has `field` at all (a JSON `null` counts as present).
    @inlinable
    public func has(_ field: FieldID) -> Bool { !slotRange(of: field).isEmpty }

    /// The decoded values of `field`, in document order.
    public func values(of field: FieldID) -> [FieldValue] {
        slotRange(of: field).map { value(of: slots[$0]) }
    }

    /// The first value of `field`, or `nil` when absent.
    public func firstValue(of field: FieldID) -> FieldValue? {
        let range = slotRange(of: field)
        return range.isEmpty ? nil : value(of: slots[range.lowerBound])
    }

    /// The first value of `field` when it is a string.
    public func string(_ field: FieldID) -> String? {
        if case .string(let value) = firstValue(of: field) { return value }
        return nil
    }

    /// Decodes one slot into a self-contained value.
    public func value(of slot: FieldSlot) -> FieldValue {
        switch slot.kind {
        case .null: .null
        case .bool: .bool(slot.boolValue)
        case .integer: .integer(slot.integerValue)
        case .double: .double(slot.doubleValue)
        case .string: .string(withBytes(of: slot.stringBytes) { String(decoding: $0, as: UTF8.self) })
        }
    }

    /// Calls `body` with the UTF-8 bytes of a string slot, without copying.
    @inlinable
    public func withBytes<R>(of range: ByteRange, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[range.range]))
        }
    }
}
