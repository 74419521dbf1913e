import Detection
import Foundation
import Logging
import Pipeline

/// Publishes alert documents to a Kafka topic with the idempotent producer.
///
/// Each alert becomes one message: the value is the alert document (`Alert.document(createdAt:)`, JSON),
/// the key is `host.id` (so one host's alerts stay in order in one partition), and the headers
/// `tripline.rule_id` and `tripline.alert_uuid` let consumers route and de-duplicate without parsing.
///
/// ```swift
/// let alerts = try KafkaAlertSink(topic: "security-alerts", settings: ["bootstrap.servers": "127.0.0.1:9092"])
/// ```
///
/// ``flush()`` returns only once Kafka acknowledged every alert written so far and throws if any was
/// not; the runner commits source offsets only after that.
public final class KafkaAlertSink: AlertSink {
    /// Header holding the alert's rule id (`kibana.alert.rule.rule_id`).
    public static let ruleIDHeader = "tripline.rule_id"
    /// Header holding the alert's deterministic id (`kibana.alert.uuid`).
    public static let alertUUIDHeader = "tripline.alert_uuid"

    /// The topic alerts go to.
    public let topic: String
    private let producer: KafkaProducer

    /// Creates the sink with a producer of its own.
    public convenience init(topic: String, settings: KafkaSettings,
                            logger: Logger = Logger(label: "tripline.kafka.alerts")) throws(KafkaError) {
        self.init(topic: topic, producer: try KafkaProducer(settings: settings, logger: logger))
    }

    /// Creates the sink over an existing producer (shared, for example, with a ``KafkaDeadLetterSink``).
    public init(topic: String, producer: KafkaProducer) {
        self.topic = topic
        self.producer = producer
    }

    /// `kafka:security-alerts`.
    public var name: String { "kafka:\(topic)" }

    /// Queues the alerts; blocks only while librdkafka's send queue is full.
    public func write(_ alerts: [Alert]) throws {
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000_000)
        for alert in alerts {
            try producer.send(topic: topic, key: alert.hostID.map { Array($0.utf8) }, value: alert.document(createdAt: now),
                              headers: [KafkaHeader(name: Self.ruleIDHeader, text: alert.rule.ruleID),
                                        KafkaHeader(name: Self.alertUUIDHeader, text: alert.uuid)])
        }
    }

    /// Waits until every alert written so far is acknowledged; throws if any delivery failed.
    public func flush() throws { try producer.flush() }

    /// Flushes; the producer is released with the sink.
    public func close() throws { try producer.flush() }
}
