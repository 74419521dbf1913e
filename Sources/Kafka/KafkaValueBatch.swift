import ECS

/// The messages of one poll as a pipeline source needs them: partition, offset and value, the values
/// packed back to back in one buffer.
///
/// ``KafkaConsumer/poll(maxMessages:timeout:)`` copies each message into a ``KafkaMessage`` of its
/// own (an array for the value, another for the key, the headers parsed and copied). A source reads
/// values only, and a record may be a slice of a shared buffer (see ``RawRecord``), so
/// ``KafkaConsumer/pollValues(maxMessages:timeout:expectedBytes:)`` copies each value once into ``bytes``
/// and nothing else: no allocation per message.
///
/// Consecutive messages of one partition form a ``Run`` (librdkafka hands over a fetched message
/// set in order), so whoever keeps per-partition books looks a partition up once per run.
public struct KafkaValueBatch: Sendable {
    /// Consecutive messages of one partition.
    public struct Run: Sendable {
        /// Where the messages were read.
        public let partition: KafkaTopicPartition
        /// The topic's name, interned (what a record's origin carries).
        public let topic: InputName
        /// The positions of the run's messages in ``messages``.
        public internal(set) var messages: Range<Int>
    }

    /// One message.
    public struct Message: Sendable {
        /// Its offset in its partition.
        public let offset: Int64
        /// Where its value is in ``bytes`` (empty for a null value).
        public let value: Range<Int>
    }

    /// The values of all messages, back to back.
    public private(set) var bytes: [UInt8] = []
    /// The messages in the order they were polled.
    public private(set) var messages: [Message] = []
    /// The messages grouped in runs of one partition, in order.
    public private(set) var runs: [Run] = []
    /// Partitions whose end the consumer reached during the poll (with `enable.partition.eof`).
    public internal(set) var ends: [KafkaTopicPartition] = []

    /// An empty batch.
    public init() {}

    /// Whether the poll returned no message.
    public var isEmpty: Bool { messages.isEmpty }

    /// The value of `message`, a slice of ``bytes``.
    public func value(of message: Message) -> ArraySlice<UInt8> { bytes[message.value] }

    /// Reserves room for about `byteCount` value bytes and `messageCount` messages.
    mutating func reserve(bytes byteCount: Int, messages messageCount: Int) {
        bytes.reserveCapacity(byteCount)
        messages.reserveCapacity(messageCount)
    }

    /// Appends a message of partition `partition` of topic `name` (interned as `topic`) with `value`'s
    /// bytes. The partition's ``KafkaTopicPartition`` is made only when a run starts.
    mutating func append(topic: InputName, named name: String, partition: Int32, offset: Int64, value: UnsafeRawBufferPointer) {
        let start = bytes.count
        bytes.append(contentsOf: value)
        messages.append(Message(offset: offset, value: start ..< bytes.count))
        if let last = runs.indices.last, runs[last].partition.partition == partition, runs[last].topic == topic {
            runs[last].messages = runs[last].messages.lowerBound ..< messages.count
        } else {
            runs.append(Run(partition: KafkaTopicPartition(topic: name, partition: partition), topic: topic,
                            messages: messages.count - 1 ..< messages.count))
        }
    }

    /// Appends a message of `partition` with `value`'s bytes (tests).
    mutating func append(_ partition: KafkaTopicPartition, offset: Int64, value: [UInt8]) {
        value.withUnsafeBytes {
            append(topic: InputName(partition.topic), named: partition.topic, partition: partition.partition, offset: offset, value: $0)
        }
    }
}
