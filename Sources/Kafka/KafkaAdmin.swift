internal import CRdKafka
import Logging

/// Cluster administration a pipeline needs: creating its topics and reading how they are partitioned.
///
/// ```swift
/// let admin = try KafkaAdmin(settings: ["bootstrap.servers": "127.0.0.1:9092"])
/// try admin.createTopic("security-alerts", partitions: 4)      // false when it already existed
/// let partitions = try admin.partitionCount(of: "security-alerts") // 4
/// ```
public final class KafkaAdmin: Sendable {
    private let handle: KafkaHandle
    private let logger: Logger

    /// Creates an admin client from `settings` (`bootstrap.servers` at least; TLS/SASL as for the others).
    public init(settings: KafkaSettings, logger: Logger = Logger(label: "tripline.kafka.admin")) throws(KafkaError) {
        handle = try KafkaHandle(type: RD_KAFKA_PRODUCER, settings: settings, callbacks: KafkaCallbacks(logger: logger))
        self.logger = logger
    }

    /// Creates `name` with `partitions` partitions; returns `false` when the topic already existed (its
    /// partitioning is then left as it is). `config` holds topic configs (`retention.ms`, …).
    @discardableResult
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1, config: [String: String] = [:],
                            timeout: Duration = .seconds(30)) throws(KafkaError) -> Bool {
        var errorText = [CChar](repeating: 0, count: 512)
        guard let newTopic = rd_kafka_NewTopic_new(name, Int32(clamping: partitions), Int32(clamping: replicationFactor),
                                                   &errorText, errorText.count) else {
            throw .topicCreationFailed(topic: name, code: KafkaErrorCode(RD_KAFKA_RESP_ERR__INVALID_ARG),
                                       reason: String(nulTerminated: errorText))
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        for (key, value) in config.sorted(by: { $0.key < $1.key }) {
            let code = rd_kafka_NewTopic_set_config(newTopic, key, value)
            guard code.isSuccess else {
                throw .topicCreationFailed(topic: name, code: KafkaErrorCode(code), reason: "topic config '\(key)'")
            }
        }
        let options = rd_kafka_AdminOptions_new(handle.pointer, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        let milliseconds = KafkaHandle.milliseconds(timeout)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, milliseconds, &errorText, errorText.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, milliseconds, &errorText, errorText.count)
        let queue = rd_kafka_queue_new(handle.pointer)
        defer { rd_kafka_queue_destroy(queue) }
        var topics: [OpaquePointer?] = [newTopic]
        rd_kafka_CreateTopics(handle.pointer, &topics, 1, options, queue)
        let event = try awaitResult(on: queue, timeout: timeout + .seconds(1))
        guard let event else {
            throw .topicCreationFailed(topic: name, code: .timedOut, reason: "no answer from the cluster within \(timeout)")
        }
        defer { rd_kafka_event_destroy(event) }
        let code = rd_kafka_event_error(event)
        guard code.isSuccess else {
            throw .topicCreationFailed(topic: name, code: KafkaErrorCode(code),
                                       reason: String(cString: rd_kafka_event_error_string(event)))
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count) else {
            return true
        }
        for index in 0..<count {
            let topicCode = rd_kafka_topic_result_error(results[index])
            if topicCode == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { return false }
            guard topicCode.isSuccess else {
                let reason = rd_kafka_topic_result_error_string(results[index]).map { String(cString: $0) }
                throw .topicCreationFailed(topic: name, code: KafkaErrorCode(topicCode),
                                           reason: reason ?? KafkaErrorCode(topicCode).description)
            }
        }
        logger.info("created topic \(name) with \(partitions) partition(s)")
        return true
    }

    /// Waits up to `timeout` for the result event on `queue`, serving the client's callbacks meanwhile
    /// (a TLS or SASL failure is thrown at once instead of ending in a time-out).
    private func awaitResult(on queue: OpaquePointer?, timeout: Duration) throws(KafkaError) -> OpaquePointer? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let event = rd_kafka_queue_poll(queue, 100) { return event }
            rd_kafka_poll(handle.pointer, 0)
            if let fatal = handle.fatalError() { throw fatal }
        }
        return nil
    }

    /// How many partitions `topic` has, or `nil` when it does not exist.
    public func partitionCount(of topic: String, timeout: Duration = .seconds(10)) throws(KafkaError) -> Int? {
        try handle.partitionCounts(timeout: timeout)[topic]
    }
}
