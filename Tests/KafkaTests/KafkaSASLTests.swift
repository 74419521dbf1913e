import Foundation
import Pipeline
import Testing
@testable import Kafka

/// Kafka with SASL authentication (`security.protocol=sasl_plaintext`), against a broker only an
/// authenticated client reaches: `scripts/kafka-broker.sh start-sasl` (Tansu behind the compatibility
/// proxy, which authenticates each connection, SCRAM or PLAIN, before relaying it to Tansu).
@Suite(.serialized) struct KafkaSASLTests {
    static let user = "tripline"
    static let password = "tripline-test-password"

    static func settings(mechanism: String, password: String = Self.password) -> KafkaSettings {
        Fixtures.settings().overriding(with: ["security.protocol": "sasl_plaintext", "sasl.mechanisms": mechanism,
                                              "sasl.username": user, "sasl.password": password])
    }

    /// A stop signal set after `seconds`, so that a test whose client hangs ends.
    static func stop(after seconds: Double) -> StopSignal {
        let stop = StopSignal()
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { stop.stop() }
        return stop
    }

    @Test(arguments: ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"])
    func recordsMakeTheRoundTripOnceAuthenticated(mechanism: String) async throws {
        let (sent, received) = try await KafkaBroker.withDedicatedBroker("start-sasl") { _, _ in
            let settings = Self.settings(mechanism: mechanism)
            let topic = Fixtures.unique("sasl")
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
            try source.run(stop: Self.stop(after: 30)) { batch in received += batch.records.map(\.text) }
            source.close()
            return (sent, received)
        }
        #expect(received.sorted() == sent.sorted())
    }

    @Test func aWrongPasswordFailsAtOnce() async throws {
        let (created, flushed, consumed, seconds) = try await KafkaBroker.withDedicatedBroker("start-sasl") { _, _ in
            // Without the failure, the message would time out after 20 s and the consumer stop after
            // 20 s, each without the expected error.
            let rejected = Self.settings(mechanism: "SCRAM-SHA-512", password: "not-the-password")
                .overriding(with: ["message.timeout.ms": "20000"])
            let started = ContinuousClock.now
            let created = Result { try KafkaAdmin(settings: rejected).createTopic(Fixtures.unique("sasl"), partitions: 1) }
            let producer = try KafkaProducer(settings: rejected)
            try producer.send(topic: "anything", key: nil, value: Array("{}".utf8))
            let flushed = Result { try producer.flush() }

            var consumerSettings = rejected
            consumerSettings.groupID = Fixtures.unique("group")
            let source = try KafkaSource(topics: ["anything"], settings: consumerSettings, options: .init(stopAtEnd: true))
            let consumed = Result { try source.run(stop: Self.stop(after: 20)) { _ in } }
            source.close()
            return (created, flushed, consumed, (ContinuousClock.now - started) / .seconds(1))
        }
        guard case .failure(KafkaError.securityFailed) = created else {
            Issue.record("creating a topic: \(created)")
            return
        }
        guard case .failure(KafkaError.securityFailed(let code, let reason)) = flushed else {
            Issue.record("the producer's flush: \(flushed)")
            return
        }
        #expect(code.name == "_AUTHENTICATION")
        #expect(reason.contains("invalid credentials"), "\(reason)")
        guard case .failure(let error) = consumed, case .securityFailed? = error as? KafkaError else {
            Issue.record("the source: \(consumed)")
            return
        }
        #expect("\(error)".contains("sasl.*"), "the error says what to check: \(error)")
        #expect(seconds < 15)
    }
}
