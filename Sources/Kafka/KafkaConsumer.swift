internal import CRdKafka
import ECS
import Foundation
import Logging
import Synchronization

/// A Kafka consumer: joins a consumer group (or reads assigned partitions), polls messages, commits
/// offsets explicitly, and pauses/resumes partitions for back-pressure.
///
/// ```swift
/// let consumer = try KafkaConsumer(settings: ["bootstrap.servers": "127.0.0.1:9092", "group.id": "tripline"]) {
///     rebalance in print(rebalance)
/// }
/// try consumer.subscribe(to: ["logs-endpoint.events.process"])
/// for case .message(let message) in try consumer.poll(maxMessages: 500, timeout: .milliseconds(100)) { … }
/// try consumer.commit([KafkaTopicPartition(topic: "logs-endpoint.events.process", partition: 0): 42])
/// ```
///
/// Unless the settings say otherwise, `enable.auto.commit=false` (offsets are committed only by
/// ``commit(_:)``) and `auto.offset.reset=earliest` (a new group reads topics from the beginning).
///
/// Rebalances: newly assigned partitions start from the group's committed offsets; the `onRebalance`
/// handler sees revoked partitions *before* they are unassigned, so it can finish work and commit
/// for them, or drop it. It runs on the thread that calls ``poll(maxMessages:timeout:)``.
///
/// Call ``poll(maxMessages:timeout:)`` from one thread at a time; every other method may be called from
/// any thread.
public final class KafkaConsumer: Sendable {
    private let handle: KafkaHandle
    private let state: State
    private let logger: Logger
    private let hasGroup: Bool

    /// Errors raised inside librdkafka callbacks, rethrown by the next poll.
    private final class State: Sendable {
        let pendingError = Mutex<KafkaError?>(nil)
        let closed = Mutex(false)
    }

    /// Creates a consumer; `onRebalance` is told about assignment changes (see ``KafkaRebalance``).
    public init(settings: KafkaSettings, logger: Logger = Logger(label: "tripline.kafka.consumer"),
                onRebalance: (@Sendable (KafkaRebalance) -> Void)? = nil) throws(KafkaError) {
        let state = State()
        hasGroup = settings.groupID != nil
        // librdkafka assigns partitions only through a group; reading by assignment alone gets a private one.
        let settings = settings.withDefaults([
            "enable.auto.commit": "false", "auto.offset.reset": "earliest",
            "group.id": "tripline-unmanaged-\(UInt64.random(in: 0...UInt64.max))",
        ])
        let callbacks = KafkaCallbacks(logger: logger, rebalance: { handle, code, list in
            Self.rebalance(handle: handle, code: code, list: list, state: state, logger: logger, handler: onRebalance)
        })
        handle = try KafkaHandle(type: RD_KAFKA_CONSUMER, settings: settings, callbacks: callbacks)
        rd_kafka_poll_set_consumer(handle.pointer)
        self.state = state
        self.logger = logger
    }

    deinit {
        close()
    }

    /// Joins the consumer group and subscribes to `topics`; partitions arrive through rebalances.
    public func subscribe(to topics: [String]) throws(KafkaError) {
        guard hasGroup else {
            throw .missingSetting(key: "group.id", reason: "subscribing needs a consumer group; set group.id "
                + "in the properties file or pass --group")
        }
        try checkOpen()
        let list = TopicPartitionList.make(topics.map {
            (KafkaTopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA), KafkaOffset.committed.rawValue)
        })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_subscribe(handle.pointer, list)
        guard code.isSuccess else { throw .subscriptionFailed(topics: topics, code: KafkaErrorCode(code)) }
        logger.info("subscribed to \(topics.joined(separator: ", "))")
    }

    /// Reads `partitions` directly, without group management (no rebalances), starting at `offset`.
    public func assign(_ partitions: [KafkaTopicPartition], from offset: KafkaOffset) throws(KafkaError) {
        try checkOpen()
        let list = TopicPartitionList.make(partitions.map { ($0, offset.rawValue) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_assign(handle.pointer, list)
        guard code.isSuccess else { throw .assignmentFailed(operation: "assign", code: KafkaErrorCode(code)) }
    }

    /// Waits up to `timeout` for messages and returns up to `maxMessages` events; an empty array when
    /// nothing arrived. Rebalance callbacks run inside this call.
    public func poll(maxMessages: Int, timeout: Duration) throws(KafkaError) -> [KafkaConsumerEvent] {
        var events: [KafkaConsumerEvent] = []
        events.reserveCapacity(min(maxMessages, 4096))
        try poll(maxMessages: maxMessages, timeout: timeout) { message, topic in
            events.append(.message(KafkaMessage(copying: message, topic: topic.name)))
        } partitionEnd: { partition, offset in
            events.append(.partitionEnd(partition, offset: offset))
        }
        return events
    }

    /// Like ``poll(maxMessages:timeout:)``, keeping only partitions, offsets and values, packed in a
    /// ``KafkaValueBatch``: what a pipeline source reads, without an allocation per message.
    /// `expectedBytes` sizes the value buffer (the previous batch's size is a good guess).
    public func pollValues(maxMessages: Int, timeout: Duration, expectedBytes: Int = 0) throws(KafkaError) -> KafkaValueBatch {
        var batch = KafkaValueBatch()
        batch.reserve(bytes: expectedBytes, messages: min(maxMessages, 4096))
        try poll(maxMessages: maxMessages, timeout: timeout) { message, topic in
            let raw = message.pointee
            let value = raw.payload.map { UnsafeRawBufferPointer(start: $0, count: raw.len) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
            batch.append(topic: topic.interned, named: topic.name, partition: raw.partition, offset: raw.offset, value: value)
        } partitionEnd: { partition, _ in
            batch.ends.append(partition)
        }
        return batch
    }

    /// A topic's name, as librdkafka gives it and interned for record origins.
    private struct TopicName {
        let name: String
        let interned: InputName
    }

    /// The poll loop behind both polls: calls `message` for each message (valid during the call only),
    /// `partitionEnd` for each end of partition, and handles the errors delivered as messages.
    private func poll(maxMessages: Int, timeout: Duration,
                      message deliver: (UnsafeMutablePointer<rd_kafka_message_t>, TopicName) -> Void,
                      partitionEnd: (KafkaTopicPartition, Int64) -> Void) throws(KafkaError) {
        try checkOpen()
        var delivered = 0
        var topicNames: [OpaquePointer: TopicName] = [:]
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var wait = KafkaHandle.milliseconds(timeout)
        while delivered < maxMessages {
            // After a message, poll without waiting; only when the queue is momentarily empty wait for the
            // rest of `timeout` (so the clock is read once per lull, not once per message).
            guard let message = rd_kafka_consumer_poll(handle.pointer, wait) else {
                guard wait == 0 else { break }
                wait = KafkaHandle.milliseconds(max(.zero, deadline - clock.now))
                if wait == 0 { break }
                continue
            }
            wait = 0
            defer { rd_kafka_message_destroy(message) }
            let topic: TopicName
            if let topicHandle = message.pointee.rkt {
                if let name = topicNames[topicHandle] {
                    topic = name
                } else {
                    let name = String(cString: rd_kafka_topic_name(topicHandle))
                    topic = TopicName(name: name, interned: InputName(name))
                    topicNames[topicHandle] = topic
                }
            } else {
                topic = TopicName(name: "", interned: InputName(""))
            }
            let code = message.pointee.err
            if code.isSuccess {
                delivered += 1
                deliver(message, topic)
            } else if code == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                delivered += 1
                partitionEnd(KafkaTopicPartition(topic: topic.name, partition: message.pointee.partition), message.pointee.offset)
            } else {
                try handleConsumeError(KafkaErrorCode(code), reason: String(cString: rd_kafka_message_errstr(message)),
                                       topic: topic.name)
            }
        }
        if let error = state.pendingError.withLock({ error in defer { error = nil }; return error }) { throw error }
        if let fatal = handle.fatalError() { throw fatal }
    }

    /// Commits `offsets` (the *next* offset to read, per partition) and waits for the broker's answer.
    public func commit(_ offsets: [KafkaTopicPartition: Int64]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        try checkOpen()
        let list = TopicPartitionList.make(offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_commit(handle.pointer, list, 0)
        let failed = TopicPartitionList.elements(of: list).filter { $0.code != .noError }
        if !code.isSuccess || !failed.isEmpty {
            let reason = failed.isEmpty
                ? KafkaErrorCode(code).description
                : failed.map { "\($0.partition): \($0.code)" }.joined(separator: "; ")
            throw .commitFailed(code: code.isSuccess ? failed[0].code : KafkaErrorCode(code), reason: reason)
        }
    }

    /// The group's committed offsets for `partitions`; partitions without one are absent.
    public func committedOffsets(for partitions: [KafkaTopicPartition],
                                 timeout: Duration = .seconds(10)) throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        try checkOpen()
        return try TopicPartitionList.with(partitions) { list throws(KafkaError) in
            let code = rd_kafka_committed(handle.pointer, list, KafkaHandle.milliseconds(timeout))
            guard code.isSuccess else {
                throw .requestFailed(operation: "reading committed offsets", code: KafkaErrorCode(code),
                                     reason: KafkaErrorCode(code).description)
            }
            var offsets: [KafkaTopicPartition: Int64] = [:]
            for element in TopicPartitionList.elements(of: list) where element.offset >= 0 {
                offsets[element.partition] = element.offset
            }
            return offsets
        }
    }

    /// The offsets `partition` holds (low to high watermark: the next produced message gets the
    /// upper bound) as of the consumer's last fetch from it, without asking the broker; `nil` before
    /// the first fetch.
    public func cachedOffsetRange(of partition: KafkaTopicPartition) -> Range<Int64>? {
        guard !state.closed.withLock({ $0 }) else { return nil }
        var low: Int64 = 0, high: Int64 = 0
        let code = rd_kafka_get_watermark_offsets(handle.pointer, partition.topic, partition.partition, &low, &high)
        return code.isSuccess && low >= 0 && high >= low ? low ..< high : nil
    }

    /// Waits up to `timeout` for every topic of `topics` to exist; returns those that still do not.
    /// For use before ``subscribe(to:)``: it serves the client's callbacks as a poll does (so a TLS or
    /// SASL failure is seen, and thrown) without consuming anything.
    public func missingTopics(_ topics: [String], waitingAtMost timeout: Duration) throws(KafkaError) -> [String] {
        try checkOpen()
        let deadline = ContinuousClock.now + timeout
        var missing = topics
        while !missing.isEmpty {
            // An error (no answer within the half second) counts as none there yet.
            if let existing = try? handle.partitionCounts(timeout: .milliseconds(500)) {
                missing.removeAll { existing[$0] != nil }
                if missing.isEmpty { break }
            }
            // Not subscribed yet: a poll only serves the error callbacks.
            if let event = rd_kafka_consumer_poll(handle.pointer, 0) { rd_kafka_message_destroy(event) }
            if let fatal = handle.fatalError() { throw fatal }
            guard ContinuousClock.now < deadline else { return missing }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return []
    }

    /// Stops fetching from `partitions` (they stay assigned; the consumer keeps its group membership).
    public func pause(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try checkOpen()
        let code = TopicPartitionList.with(partitions) { rd_kafka_pause_partitions(handle.pointer, $0) }
        guard code.isSuccess else { throw .assignmentFailed(operation: "pause", code: KafkaErrorCode(code)) }
    }

    /// Resumes fetching from `partitions` where the application left off.
    public func resume(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try checkOpen()
        let code = TopicPartitionList.with(partitions) { rd_kafka_resume_partitions(handle.pointer, $0) }
        guard code.isSuccess else { throw .assignmentFailed(operation: "resume", code: KafkaErrorCode(code)) }
    }

    /// The partitions currently assigned to this consumer.
    public var assignment: [KafkaTopicPartition] {
        guard !state.closed.withLock({ $0 }) else { return [] }
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle.pointer, &list).isSuccess, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return TopicPartitionList.elements(of: list).map(\.partition).sorted()
    }

    /// Leaves the group (revoking the assignment through the rebalance handler) and stops fetching.
    /// Idempotent; the consumer cannot be used afterwards.
    public func close() {
        guard state.closed.withLock({ closed in defer { closed = true }; return !closed }) else { return }
        let code = rd_kafka_consumer_close(handle.pointer)
        if !code.isSuccess { logger.warning("closing the consumer: \(KafkaErrorCode(code))") }
    }

    private func checkOpen() throws(KafkaError) {
        if state.closed.withLock({ $0 }) { throw .closed }
    }

    /// Errors delivered as messages: a fatal client error or an authorization failure ends consumption;
    /// the others (broker down, topic not created yet) are transient and only logged.
    private func handleConsumeError(_ code: KafkaErrorCode, reason: String, topic: String) throws(KafkaError) {
        if let fatal = handle.fatalError() { throw fatal }
        switch code.cValue {
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
             RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
            throw .consumeFailed(code: code, reason: reason)
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
            logger.warning("topic \(topic) does not exist (yet): \(reason)")
        default:
            logger.warning("consumer: \(reason) (\(code.name))")
        }
    }

    /// The rebalance callback: applies the new assignment (eager or cooperative) around the handler.
    private static func rebalance(handle: OpaquePointer, code: rd_kafka_resp_err_t,
                                  list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, state: State,
                                  logger: Logger, handler: (@Sendable (KafkaRebalance) -> Void)?) {
        let partitions = TopicPartitionList.elements(of: list).map(\.partition).sorted()
        let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
        func record(_ operation: String, _ error: OpaquePointer?) {
            guard let error else { return }
            let code = KafkaErrorCode(rd_kafka_error_code(error))
            rd_kafka_error_destroy(error)
            logger.error("cannot \(operation) partitions \(partitions): \(code)")
            state.pendingError.withLock { $0 = .assignmentFailed(operation: operation, code: code) }
        }
        func assign(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, _ operation: String) {
            let code = rd_kafka_assign(handle, list)
            if !code.isSuccess {
                logger.error("cannot \(operation) partitions \(partitions): \(KafkaErrorCode(code))")
                state.pendingError.withLock { $0 = .assignmentFailed(operation: operation, code: KafkaErrorCode(code)) }
            }
        }
        switch code {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            logger.info("assigned \(partitions.map(\.description).joined(separator: ", "))")
            if cooperative { record("assign", rd_kafka_incremental_assign(handle, list)) } else { assign(list, "assign") }
            handler?(.assigned(partitions))
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(handle) != 0
            logger.info("\(lost ? "lost" : "revoked") \(partitions.map(\.description).joined(separator: ", "))")
            handler?(lost ? .lost(partitions) : .revoked(partitions))
            if cooperative { record("unassign", rd_kafka_incremental_unassign(handle, list)) } else { assign(nil, "unassign") }
        default:
            logger.error("rebalance failed: \(KafkaErrorCode(code)); dropping the assignment")
            handler?(.lost(partitions))
            assign(nil, "unassign")
        }
    }
}

/// A change of a consumer's partition assignment, as its rebalance handler sees it.
public enum KafkaRebalance: Sendable, Hashable {
    /// These partitions now belong to this consumer; reading starts at the group's committed offsets.
    case assigned([KafkaTopicPartition])
    /// These partitions are being taken away; until the handler returns, commits for them still count.
    case revoked([KafkaTopicPartition])
    /// These partitions were lost (session timed out, fenced): another member may own them already, so
    /// offsets for them must not be committed.
    case lost([KafkaTopicPartition])
}

/// What one poll returned.
public enum KafkaConsumerEvent: Sendable {
    /// A message.
    case message(KafkaMessage)
    /// The consumer reached the end of a partition (only with `enable.partition.eof=true`); `offset` is
    /// the next offset to be written there.
    case partitionEnd(KafkaTopicPartition, offset: Int64)
}

/// Where a manually assigned partition starts.
public struct KafkaOffset: Sendable, Hashable {
    /// The librdkafka offset value (negative values are the logical offsets below).
    public let rawValue: Int64

    /// The oldest message still in the partition.
    public static let beginning = KafkaOffset(rawValue: Int64(RD_KAFKA_OFFSET_BEGINNING))
    /// After the newest message.
    public static let end = KafkaOffset(rawValue: Int64(RD_KAFKA_OFFSET_END))
    /// The group's committed offset (falling back to `auto.offset.reset`).
    public static let committed = KafkaOffset(rawValue: Int64(RD_KAFKA_OFFSET_INVALID))

    /// An absolute offset.
    public static func at(_ offset: Int64) -> KafkaOffset { KafkaOffset(rawValue: offset) }
}
