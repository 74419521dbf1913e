/// A ``KafkaSource`` position: the next offset to read per topic-partition, as of one batch.
///
/// It is cumulative (every partition the source has read since it was assigned, not only the batch's),
/// so committing the newest checkpoint alone is enough. It travels inside a `SourceCheckpoint`;
/// only the source that made it can commit it.
public struct KafkaCheckpoint: Sendable, Hashable, CustomStringConvertible {
    /// The next offset to read (last handed-out offset + 1) per partition.
    public let nextOffsets: [KafkaTopicPartition: Int64]
    /// Which assignment of each partition the offsets belong to; offsets from an assignment that has
    /// since been revoked are never committed.
    let epochs: [KafkaTopicPartition: Int]

    init(positions: [KafkaTopicPartition: KafkaSourceState.Position]) {
        nextOffsets = positions.mapValues(\.offset)
        epochs = positions.mapValues(\.epoch)
    }

    /// `topic[0]@42, topic[1]@17`.
    public var description: String {
        nextOffsets.sorted { $0.key < $1.key }.map { "\($0.key)@\($0.value)" }.joined(separator: ", ")
    }
}
