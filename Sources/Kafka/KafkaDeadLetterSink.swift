import Logging
import Pipeline

/// Publishes records the pipeline could not use to a dead-letter topic.
///
/// The value is the record's original bytes, unchanged, so it can be fixed and replayed; the headers
/// `tripline.dead_letter.reason` and `tripline.dead_letter.origin` (`topic[partition]@offset` or
/// `file:line`) say why it was rejected and where it came from.
public final class KafkaDeadLetterSink: DeadLetterSink {
    /// Header holding why the record was rejected.
    public static let reasonHeader = "tripline.dead_letter.reason"
    /// Header holding where the record came from.
    public static let originHeader = "tripline.dead_letter.origin"

    /// The dead-letter topic.
    public let topic: String
    private let producer: KafkaProducer

    /// Creates the sink with a producer of its own.
    public convenience init(topic: String, settings: KafkaSettings,
                            logger: Logger = Logger(label: "tripline.kafka.dead-letters")) throws(KafkaError) {
        self.init(topic: topic, producer: try KafkaProducer(settings: settings, logger: logger))
    }

    /// Creates the sink over an existing producer (shared, for example, with a ``KafkaAlertSink``).
    public init(topic: String, producer: KafkaProducer) {
        self.topic = topic
        self.producer = producer
    }

    /// Queues the letters; blocks only while librdkafka's send queue is full.
    public func write(_ letters: [DeadLetter]) throws {
        for letter in letters {
            try producer.send(topic: topic, key: nil, value: letter.bytes,
                              headers: [KafkaHeader(name: Self.reasonHeader, text: letter.reason),
                                        KafkaHeader(name: Self.originHeader, text: letter.origin.description)])
        }
    }

    /// Waits until every letter written so far is acknowledged; throws if any delivery failed.
    public func flush() throws { try producer.flush() }

    /// Flushes; the producer is released with the sink.
    public func close() throws { try producer.flush() }
}
