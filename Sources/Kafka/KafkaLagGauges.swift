import CoreMetrics

/// `tripline_kafka_consumer_lag{topic, partition}`: how many messages each assigned partition holds
/// that the source has not read yet (the partition's end as of the consumer's last fetch, less the
/// next offset to read). A partition that leaves the consumer drops to 0. On a transactional topic
/// a partition read to its end shows 1: the last offset is the commit marker, which is never read.
///
/// Owned by the source's poll thread.
final class KafkaLagGauges {
    private let factory: any MetricsFactory
    private var gauges: [KafkaTopicPartition: Gauge] = [:]

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// Records `unread` (messages per assigned partition); partitions reported before and absent
    /// now are recorded as 0 and forgotten.
    func record(_ unread: [KafkaTopicPartition: Int64]) {
        for (partition, gauge) in gauges where unread[partition] == nil {
            gauge.record(0)
            gauges[partition] = nil
        }
        for (partition, count) in unread {
            gauge(for: partition).record(count)
        }
    }

    private func gauge(for partition: KafkaTopicPartition) -> Gauge {
        if let gauge = gauges[partition] { return gauge }
        let gauge = Gauge(label: "tripline_kafka_consumer_lag",
                          dimensions: [("topic", partition.topic), ("partition", String(partition.partition))], factory: factory)
        gauges[partition] = gauge
        return gauge
    }
}
