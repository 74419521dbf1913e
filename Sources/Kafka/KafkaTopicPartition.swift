internal import CRdKafka

/// One partition of one topic.
public struct KafkaTopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The topic name.
    public var topic: String
    /// The partition number, from 0.
    public var partition: Int32

    /// Names a partition.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    /// `topic[3]`.
    public var description: String { "\(topic)[\(partition)]" }
}

/// Conversions between Swift collections and librdkafka's `rd_kafka_topic_partition_list_t`.
enum TopicPartitionList {
    /// A new list (to be destroyed with `rd_kafka_topic_partition_list_destroy`) holding `entries`,
    /// each with the given offset (`RD_KAFKA_OFFSET_INVALID` for none).
    static func make<S: Sequence>(_ entries: S) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    where S.Element == (KafkaTopicPartition, Int64) {
        let list = rd_kafka_topic_partition_list_new(16)!
        for (topicPartition, offset) in entries {
            let element = rd_kafka_topic_partition_list_add(list, topicPartition.topic, topicPartition.partition)!
            element.pointee.offset = offset
        }
        return list
    }

    /// Runs `body` with a temporary list of `partitions` (no offsets).
    static func with<R, E: Error>(_ partitions: [KafkaTopicPartition],
                                  _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws(E) -> R) throws(E) -> R {
        let list = make(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return try body(list)
    }

    /// The list's elements with their offsets and per-partition error codes.
    static func elements(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?)
        -> [(partition: KafkaTopicPartition, offset: Int64, code: KafkaErrorCode)] {
        guard let list, let elements = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { index in
            let element = elements[index]
            return (KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition),
                    element.offset, KafkaErrorCode(element.err))
        }
    }
}
