internal import CRdKafka
import Foundation
import Logging
import Synchronization

/// The Swift side of librdkafka's callbacks, reached through the handle's opaque pointer.
///
/// librdkafka calls the log and error callbacks from its own threads, the delivery-report callback from
/// whichever thread polls a producer, and the rebalance callback from the thread polling a consumer.
final class KafkaCallbacks: Sendable {
    typealias Delivery = @Sendable (UnsafePointer<rd_kafka_message_t>) -> Void
    typealias Rebalance = @Sendable (OpaquePointer, rd_kafka_resp_err_t,
                                     UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> Void

    let logger: Logger
    let delivery: Delivery?
    let rebalance: Rebalance?
    /// The first TLS or SASL failure the error callback saw (see ``recordSecurityFailure(_:reason:)``).
    let securityFailure = Mutex<KafkaError?>(nil)

    init(logger: Logger, delivery: Delivery? = nil, rebalance: Rebalance? = nil) {
        self.logger = logger
        self.delivery = delivery
        self.rebalance = rebalance
    }

    /// Notes an error the client reported; returns true when it is the first TLS or SASL failure.
    ///
    /// A TLS handshake the broker's certificate fails (`_SSL`), or a SASL login the broker refuses,
    /// is a configuration error, not weather: librdkafka retries it forever, logging the first
    /// attempts and then only now and then, so a misconfigured pipeline would wait in silence for
    /// data that never comes. The client counts as failed from the first one: its operations throw
    /// ``KafkaError/securityFailed(code:reason:)``. Network trouble is `_TRANSPORT` and retried.
    func recordSecurityFailure(_ code: KafkaErrorCode, reason: String) -> Bool {
        let security = [RD_KAFKA_RESP_ERR__SSL, RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED]
            .contains(code.cValue)
        guard security else { return false }
        return securityFailure.withLock { failure in
            guard failure == nil else { return false }
            failure = .securityFailed(code: code, reason: reason)
            return true
        }
    }

    /// The callbacks registered on `handle` (set before the handle was created, alive until it is destroyed).
    static func of(_ handle: OpaquePointer?) -> KafkaCallbacks? {
        guard let handle, let opaque = rd_kafka_opaque(handle) else { return nil }
        return Unmanaged<KafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// Owns one librdkafka client handle (`rd_kafka_t`), created from ``KafkaSettings``; never leaves the module.
final class KafkaHandle: @unchecked Sendable {
    // @unchecked: librdkafka's API is thread-safe on a handle (rdkafka.h, "Threads and callbacks");
    // `pointer` never changes and is destroyed only in deinit, when no other reference remains.
    let pointer: OpaquePointer
    /// Kept alive as long as the handle: librdkafka holds an unretained pointer to it.
    private let callbacks: KafkaCallbacks

    /// Creates a producer or consumer handle from `settings`, expanding `${NAME}` from the environment.
    init(type: rd_kafka_type_t, settings: KafkaSettings, callbacks: KafkaCallbacks,
         environment: [String: String] = ProcessInfo.processInfo.environment) throws(KafkaError) {
        self.callbacks = callbacks
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        do {
            for (key, value, location) in try settings.resolved(environment: environment) {
                guard rd_kafka_conf_set(conf, key, value, &errorText, errorText.count) == RD_KAFKA_CONF_OK else {
                    let reason = KafkaSettings.isSecret(key)
                        ? "librdkafka rejected the value (not shown: it is a secret)"
                        : String(nulTerminated: errorText)
                    throw KafkaError.invalidSetting(key: key, reason: reason, location: location)
                }
            }
        } catch let error as KafkaError {
            rd_kafka_conf_destroy(conf)
            throw error
        } catch {
            rd_kafka_conf_destroy(conf)
            throw .clientCreationFailed(reason: "\(error)")
        }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbacks).toOpaque())
        rd_kafka_conf_set_log_cb(conf) { handle, level, facility, text in
            guard let callbacks = KafkaCallbacks.of(handle) else { return }
            let text = String(cString: text!)
            // One properties file serves consumers and producers alike, so "consumer property ignored by this
            // producer" (and the reverse) is expected, not worth a warning.
            let expected = text.contains(" property and will be ignored by this ")
            callbacks.logger.log(level: expected ? .debug : KafkaHandle.logLevel(syslog: level),
                                 "\(String(cString: facility!)): \(text)")
        }
        rd_kafka_conf_set_error_cb(conf) { handle, code, reason, _ in
            guard let callbacks = KafkaCallbacks.of(handle) else { return }
            let code = KafkaErrorCode(rawValue: code)
            let fatal = code == KafkaErrorCode(RD_KAFKA_RESP_ERR__FATAL)
            let text = String(cString: reason!)
            callbacks.logger.log(level: fatal ? .error : .warning, "\(text) (\(code.name))")
            if callbacks.recordSecurityFailure(code, reason: text) {
                callbacks.logger.error("giving up: a TLS or SASL failure is a configuration error (\(code.name))")
            }
        }
        if callbacks.delivery != nil {
            rd_kafka_conf_set_dr_msg_cb(conf) { handle, message, _ in
                guard let message else { return }
                KafkaCallbacks.of(handle)?.delivery?(message)
            }
        }
        if callbacks.rebalance != nil {
            rd_kafka_conf_set_rebalance_cb(conf) { handle, code, partitions, _ in
                guard let handle else { return }
                KafkaCallbacks.of(handle)?.rebalance?(handle, code, partitions)
            }
        }
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw .clientCreationFailed(reason: String(nulTerminated: errorText))
        }
        pointer = handle
        callbacks.logger.debug("created Kafka \(type == RD_KAFKA_PRODUCER ? "producer" : "consumer") with \(settings)")
    }

    deinit {
        rd_kafka_destroy(pointer)
    }

    /// The client's fatal error, if it has one (idempotent producer sequence lost, consumer fenced,
    /// a TLS or SASL failure: see ``KafkaCallbacks/recordSecurityFailure(_:reason:)``).
    func fatalError() -> KafkaError? {
        if let failure = callbacks.securityFailure.withLock({ $0 }) { return failure }
        var text = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(pointer, &text, text.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return .fatal(code: KafkaErrorCode(code), reason: String(nulTerminated: text))
    }

    /// How many partitions each topic of the cluster has (from its metadata; topics in error left out).
    func partitionCounts(timeout: Duration) throws(KafkaError) -> [String: Int] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(pointer, 1, nil, &metadata, Self.milliseconds(timeout))
        guard code.isSuccess, let metadata else {
            if let fatal = fatalError() { throw fatal }
            throw .requestFailed(operation: "reading cluster metadata", code: KafkaErrorCode(code),
                                 reason: KafkaErrorCode(code).description)
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let topics = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
        var counts: [String: Int] = [:]
        for entry in topics where entry.err.isSuccess { counts[String(cString: entry.topic)] = Int(entry.partition_cnt) }
        return counts
    }

    /// Maps a syslog level (librdkafka's) to a swift-log level.
    static func logLevel(syslog level: Int32) -> Logger.Level {
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }

    /// Milliseconds for librdkafka timeouts, rounded up, capped to `Int32`.
    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(0, millis))
    }
}

extension String {
    /// The text in a C error buffer, up to its NUL.
    init(nulTerminated buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension rd_kafka_resp_err_t {
    /// Whether this is `RD_KAFKA_RESP_ERR_NO_ERROR`.
    var isSuccess: Bool { self == RD_KAFKA_RESP_ERR_NO_ERROR }
}
