import Foundation
import Pipeline
import Testing
@testable import Kafka

/// What the TLS and SASL tests do with a client: a round trip through a new topic, and every kind of
/// client (admin, producer, consumer) trying once with settings the broker must refuse.
enum SecureConnectionChecks {
    /// A stop signal set after `seconds`, so that a test whose client hangs ends.
    static func stop(after seconds: Double) -> StopSignal {
        let stop = StopSignal()
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { stop.stop() }
        return stop
    }

    /// Creates a 2-partition topic, produces 30 events to it and reads it to its end with `settings`:
    /// the events sent and those received.
    static func roundTrip(settings: KafkaSettings, topicPrefix: String) throws -> (sent: [String], received: [String]) {
        let topic = Fixtures.unique(topicPrefix)
        try KafkaAdmin(settings: settings).createTopic(topic, partitions: 2)
        let producer = try KafkaProducer(settings: settings)
        let sent = (0 ..< 30).map { Fixtures.event(host: "host-\($0 % 3)", sequence: $0) }
        for (index, value) in sent.enumerated() {
            try producer.send(topic: topic, key: Array("host-\(index % 3)".utf8), value: Array(value.utf8))
        }
        try producer.flush()

        var consumerSettings = settings.overriding(with: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "250"])
        consumerSettings.groupID = Fixtures.unique("group")
        let source = try KafkaSource(topics: [topic], settings: consumerSettings, options: .init(stopAtEnd: true))
        var received: [String] = []
        try source.run(stop: stop(after: 30)) { batch in received += batch.records.map(\.text) }
        source.close()
        return (sent, received)
    }

    /// How each client fared with settings the broker refuses, and how long the three took.
    struct RefusedAttempts: Sendable {
        var created: Result<Void, any Error>
        var flushed: Result<Void, any Error>
        var consumed: Result<Void, any Error>
        var seconds: Double
    }

    /// Creates a topic, produces and flushes one message, and consumes with `refused` (settings the
    /// broker must turn away). Without a failure, the message times out after 20 s and the consumer
    /// stops after 20 s, each without the expected error.
    static func attemptEach(with refused: KafkaSettings, topicPrefix: String) throws -> RefusedAttempts {
        let settings = refused.overriding(with: ["message.timeout.ms": "20000"])
        let started = ContinuousClock.now
        let created = Result { _ = try KafkaAdmin(settings: settings).createTopic(Fixtures.unique(topicPrefix), partitions: 1) }
        let producer = try KafkaProducer(settings: settings)
        try producer.send(topic: "anything", key: nil, value: Array("{}".utf8))
        let flushed = Result { try producer.flush() }

        var consumerSettings = settings
        consumerSettings.groupID = Fixtures.unique("group")
        let source = try KafkaSource(topics: ["anything"], settings: consumerSettings, options: .init(stopAtEnd: true))
        let consumed = Result { try source.run(stop: stop(after: 20)) { _ in } }
        source.close()
        return RefusedAttempts(created: created, flushed: flushed, consumed: consumed,
                               seconds: (ContinuousClock.now - started) / .seconds(1))
    }

    /// Expects each attempt to have failed with ``KafkaError/securityFailed(code:reason:)`` within
    /// 15 s: the producer's with `code` and a reason containing `reason`, the consumer's naming `hint`
    /// (the settings to check). librdkafka alone retries for ever (and a message times out after
    /// 5 minutes by default).
    static func expectEachFailedAtOnce(_ attempts: RefusedAttempts, code: String, reason: String, hint: String,
                                       sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .failure(KafkaError.securityFailed) = attempts.created else {
            Issue.record("creating a topic: \(attempts.created)", sourceLocation: sourceLocation)
            return
        }
        guard case .failure(KafkaError.securityFailed(let failedCode, let failedReason)) = attempts.flushed else {
            Issue.record("the producer's flush: \(attempts.flushed)", sourceLocation: sourceLocation)
            return
        }
        #expect(failedCode.name == code, sourceLocation: sourceLocation)
        #expect(failedReason.contains(reason), "\(failedReason)", sourceLocation: sourceLocation)
        guard case .failure(let error) = attempts.consumed, case .securityFailed? = error as? KafkaError else {
            Issue.record("the source: \(attempts.consumed)", sourceLocation: sourceLocation)
            return
        }
        #expect("\(error)".contains(hint), "the error says what to check: \(error)", sourceLocation: sourceLocation)
        #expect(attempts.seconds < 15, sourceLocation: sourceLocation)
    }
}
