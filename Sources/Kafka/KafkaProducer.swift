internal import CRdKafka
import Logging
import Synchronization

/// A Kafka producer, idempotent unless the settings say `enable.idempotence=false`: retries never
/// duplicate or reorder messages within a partition.
///
/// ``send(topic:key:value:headers:partition:)`` queues a message and returns at once (blocking only
/// while librdkafka's queue is full); ``flush()`` waits until the broker acknowledged every queued
/// message and throws if any was not:
///
/// ```swift
/// let producer = try KafkaProducer(settings: ["bootstrap.servers": "127.0.0.1:9092"])
/// try producer.send(topic: "security-alerts", key: Array("host-1".utf8), value: document,
///                   headers: [KafkaHeader(name: "tripline.rule_id", text: rule.ruleID)])
/// try producer.flush()
/// ```
///
/// All methods may be called from any thread.
public final class KafkaProducer: Sendable {
    private let handle: KafkaHandle
    private let ledger: DeliveryLedger
    private let logger: Logger

    /// Counts messages in flight and the delivery failures not yet reported by ``flush()``.
    private final class DeliveryLedger: Sendable {
        struct Counts {
            var unacknowledged = 0
            var failed = 0
            var firstFailure: KafkaDeliveryFailure?
        }
        let counts = Mutex(Counts())
    }

    /// Creates a producer from `settings` (`bootstrap.servers` at least).
    public init(settings: KafkaSettings, logger: Logger = Logger(label: "tripline.kafka.producer")) throws(KafkaError) {
        let ledger = DeliveryLedger()
        let callbacks = KafkaCallbacks(logger: logger, delivery: { message in
            let code = message.pointee.err
            guard !code.isSuccess else {
                ledger.counts.withLock { $0.unacknowledged -= 1 }
                return
            }
            let failure = KafkaDeliveryFailure(
                topic: message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?",
                partition: message.pointee.partition, code: KafkaErrorCode(code))
            let isFirst = ledger.counts.withLock { counts in
                counts.unacknowledged -= 1
                counts.failed += 1
                if counts.firstFailure == nil { counts.firstFailure = failure }
                return counts.failed == 1
            }
            // One line per flush cycle: the others are counted in the error `flush()` throws.
            if isFirst { logger.error("message not delivered: \(failure)") }
        })
        handle = try KafkaHandle(type: RD_KAFKA_PRODUCER, settings: settings.withDefaults(["enable.idempotence": "true"]),
                                 callbacks: callbacks)
        self.ledger = ledger
        self.logger = logger
    }

    /// Queues one message whose value is the whole of `value` (see the slice form).
    public func send(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [],
                     partition: Int32? = nil) throws(KafkaError) {
        try send(topic: topic, key: key, value: value[...], headers: headers, partition: partition)
    }

    /// Queues one message (librdkafka copies `value`). `partition` `nil` lets librdkafka's
    /// partitioner pick one from the key. Blocks while librdkafka's send queue is full
    /// (`queue.buffering.max.messages`/`.kbytes`).
    public func send(topic: String, key: [UInt8]?, value: ArraySlice<UInt8>, headers: [KafkaHeader] = [],
                     partition: Int32? = nil) throws(KafkaError) {
        var headerList: OpaquePointer?
        if !headers.isEmpty {
            headerList = rd_kafka_headers_new(headers.count)
            for header in headers {
                _ = header.value.withUnsafeBytesOrNil { bytes in
                    rd_kafka_header_add(headerList, header.name, -1, bytes?.baseAddress, bytes?.count ?? 0)
                }
            }
        }
        while true {
            let code = enqueue(topic: topic, key: key, value: value, headers: headerList, partition: partition)
            if code.isSuccess {
                ledger.counts.withLock { $0.unacknowledged += 1 }
                break
            }
            if code == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_poll(handle.pointer, 100) // serve delivery reports until there is room
                if let fatal = handle.fatalError() {
                    if let headerList { rd_kafka_headers_destroy(headerList) }
                    throw fatal
                }
                continue
            }
            if let headerList { rd_kafka_headers_destroy(headerList) }
            if code == RD_KAFKA_RESP_ERR__FATAL, let fatal = handle.fatalError() { throw fatal }
            throw .produceFailed(topic: topic, code: KafkaErrorCode(code), reason: KafkaErrorCode(code).description)
        }
        rd_kafka_poll(handle.pointer, 0)
    }

    /// Waits until every message sent so far is acknowledged (or has failed after `message.timeout.ms`);
    /// throws ``KafkaError/deliveryFailed(failed:first:)`` if any failed since the last flush.
    public func flush() throws(KafkaError) {
        while !rd_kafka_flush(handle.pointer, 1000).isSuccess {
            if let fatal = handle.fatalError() { throw fatal }
            let waiting = ledger.counts.withLock { $0.unacknowledged }
            logger.debug("flush: \(waiting) message(s) not acknowledged yet")
        }
        let failures = ledger.counts.withLock { counts in
            defer { counts.failed = 0; counts.firstFailure = nil }
            return (counts.failed, counts.firstFailure)
        }
        if let first = failures.1 { throw .deliveryFailed(failed: failures.0, first: first) }
    }

    /// Messages queued but not yet acknowledged or failed.
    public var unacknowledgedCount: Int { ledger.counts.withLock { $0.unacknowledged } }

    /// One `rd_kafka_produceva` call; on success librdkafka owns (copies) everything passed.
    private func enqueue(topic: String, key: [UInt8]?, value: ArraySlice<UInt8>, headers: OpaquePointer?,
                         partition: Int32?) -> rd_kafka_resp_err_t {
        topic.withCString { topicName in
            value.withUnsafeBytes { valueBytes in
                key.withUnsafeBytesOrNil { keyBytes in
                    var arguments: [rd_kafka_vu_t] = []
                    arguments.reserveCapacity(6)
                    var argument = rd_kafka_vu_t()
                    argument.vtype = RD_KAFKA_VTYPE_TOPIC
                    argument.u.cstr = topicName
                    arguments.append(argument)
                    argument = rd_kafka_vu_t()
                    argument.vtype = RD_KAFKA_VTYPE_VALUE
                    argument.u.mem.ptr = UnsafeMutableRawPointer(mutating: valueBytes.baseAddress)
                    argument.u.mem.size = valueBytes.count
                    arguments.append(argument)
                    argument = rd_kafka_vu_t()
                    argument.vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    argument.u.i = RD_KAFKA_MSG_F_COPY
                    arguments.append(argument)
                    if let keyBytes {
                        argument = rd_kafka_vu_t()
                        argument.vtype = RD_KAFKA_VTYPE_KEY
                        argument.u.mem.ptr = UnsafeMutableRawPointer(mutating: keyBytes.baseAddress)
                        argument.u.mem.size = keyBytes.count
                        arguments.append(argument)
                    }
                    if let headers {
                        argument = rd_kafka_vu_t()
                        argument.vtype = RD_KAFKA_VTYPE_HEADERS
                        argument.u.headers = headers
                        arguments.append(argument)
                    }
                    if let partition {
                        argument = rd_kafka_vu_t()
                        argument.vtype = RD_KAFKA_VTYPE_PARTITION
                        argument.u.i32 = partition
                        arguments.append(argument)
                    }
                    guard let error = rd_kafka_produceva(handle.pointer, arguments, arguments.count) else {
                        return RD_KAFKA_RESP_ERR_NO_ERROR
                    }
                    defer { rd_kafka_error_destroy(error) }
                    return rd_kafka_error_code(error)
                }
            }
        }
    }
}

extension Optional where Wrapped == [UInt8] {
    /// Runs `body` with the bytes, or with `nil` for `nil`.
    func withUnsafeBytesOrNil<R>(_ body: (UnsafeRawBufferPointer?) -> R) -> R {
        switch self {
        case .some(let bytes): bytes.withUnsafeBytes { body($0) }
        case .none: body(nil)
        }
    }
}
