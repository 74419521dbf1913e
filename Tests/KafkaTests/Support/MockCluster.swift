import CRdKafka
import Kafka

/// librdkafka's in-process mock cluster, for fault injection (brokers down, request errors).
///
/// Only the fault-injection tests use it; everything else runs against the real broker.
final class MockCluster: @unchecked Sendable {
    // @unchecked: the mock cluster API is thread-safe; the pointers are immutable until deinit.
    private let handle: OpaquePointer
    private let cluster: OpaquePointer

    /// Starts a cluster of `brokers` brokers (ids 1…n) listening on 127.0.0.1.
    init(brokers: Int = 1) {
        var errorText = [CChar](repeating: 0, count: 256)
        let conf = rd_kafka_conf_new()
        rd_kafka_conf_set(conf, "log_level", "0", &errorText, errorText.count)
        handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count)!
        cluster = rd_kafka_mock_cluster_new(handle, Int32(brokers))!
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(handle)
    }

    /// `bootstrap.servers` for clients.
    var bootstrapServers: String { String(cString: rd_kafka_mock_cluster_bootstraps(cluster)) }

    /// Client settings pointing at the cluster, with short timeouts.
    func settings(group: String? = nil) -> KafkaSettings {
        var settings: KafkaSettings = ["bootstrap.servers": bootstrapServers, "reconnect.backoff.max.ms": "200"]
        settings.groupID = group
        return settings
    }

    func createTopic(_ name: String, partitions: Int) {
        rd_kafka_mock_topic_create(cluster, name, Int32(partitions), 1)
    }

    func setBroker(_ id: Int32, up: Bool) {
        if up { rd_kafka_mock_broker_set_up(cluster, id) } else { rd_kafka_mock_broker_set_down(cluster, id) }
    }

    /// Makes the next requests of `apiKey` (0 Produce, 8 OffsetCommit, …) fail with `errors`, in order.
    func failNextRequests(apiKey: Int16, with errors: [KafkaErrorCode]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
        rd_kafka_mock_push_request_errors_array(cluster, apiKey, codes.count, codes)
    }

    /// Makes every metadata answer about `topic` carry `error`.
    func setTopicError(_ topic: String, _ error: KafkaErrorCode) {
        rd_kafka_mock_topic_set_error(cluster, topic, rd_kafka_resp_err_t(rawValue: error.rawValue))
    }

    enum APIKey {
        static let produce: Int16 = 0
        static let offsetCommit: Int16 = 8
    }
}

extension KafkaErrorCode {
    /// The code of a librdkafka error constant.
    static func code(_ code: rd_kafka_resp_err_t) -> KafkaErrorCode { KafkaErrorCode(rawValue: code.rawValue) }
}
