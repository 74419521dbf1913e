import Foundation
import Pipeline
import Testing
@testable import Kafka

/// Kafka over TLS (`security.protocol=ssl`), against a broker only TLS reaches: `scripts/kafka-broker.sh
/// start-tls` (Tansu behind the compatibility proxy, which terminates TLS with a certificate for
/// 127.0.0.1 signed by a CA made for the run).
@Suite(.serialized) struct KafkaTLSTests {
    /// Runs `body` with a TLS broker's address and its CA certificate's path (see
    /// ``KafkaBroker/withDedicatedBroker(_:_:)``).
    func withTLSBroker<T: Sendable>(_ body: @escaping @Sendable (_ address: String, _ caPath: String) throws -> T) async throws -> T {
        try await KafkaBroker.withDedicatedBroker("start-tls") { address, state in
            try body(address, try KafkaBroker.script("tls-ca", stateDirectory: state))
        }
    }

    /// A stop signal set after `seconds`, so that a test whose client hangs ends.
    static func stop(after seconds: Double) -> StopSignal {
        let stop = StopSignal()
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { stop.stop() }
        return stop
    }

    @Test func recordsMakeTheRoundTripOverTLS() async throws {
        let (sent, received) = try await withTLSBroker { _, caPath in
            let tls = Fixtures.settings().overriding(with: ["security.protocol": "ssl", "ssl.ca.location": caPath])
            let topic = Fixtures.unique("tls")
            try KafkaAdmin(settings: tls).createTopic(topic, partitions: 2)
            let producer = try KafkaProducer(settings: tls)
            let sent = (0 ..< 30).map { Fixtures.event(host: "host-\($0 % 3)", sequence: $0) }
            for (index, value) in sent.enumerated() {
                try producer.send(topic: topic, key: Array("host-\(index % 3)".utf8), value: Array(value.utf8))
            }
            try producer.flush()

            var consumerSettings = tls.overriding(with: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "250"])
            consumerSettings.groupID = Fixtures.unique("group")
            let source = try KafkaSource(topics: [topic], settings: consumerSettings, options: .init(stopAtEnd: true))
            var received: [String] = []
            try source.run(stop: Self.stop(after: 30)) { batch in received += batch.records.map(\.text) }
            source.close()
            return (sent, received)
        }
        #expect(received.sorted() == sent.sorted())
    }

    @Test func aClientThatDoesNotTrustTheBrokersCertificateFailsAtOnce() async throws {
        let (created, flushed, consumed, seconds) = try await withTLSBroker { _, _ in
            // No ssl.ca.location: the system's CAs did not sign the broker's certificate. (Without the
            // failure, the message would time out after 20 s and the consumer stop after 20 s, each
            // without the expected error.)
            let untrusting = Fixtures.settings().overriding(with: ["security.protocol": "ssl", "message.timeout.ms": "20000"])
            let started = ContinuousClock.now
            let created = Result { try KafkaAdmin(settings: untrusting).createTopic(Fixtures.unique("tls"), partitions: 1) }
            let producer = try KafkaProducer(settings: untrusting)
            try producer.send(topic: "anything", key: nil, value: Array("{}".utf8))
            let flushed = Result { try producer.flush() }

            var consumerSettings = untrusting
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
        #expect(code.name == "_SSL")
        #expect(reason.contains("certificate verify failed"), "\(reason)")
        guard case .failure(let error) = consumed, case .securityFailed? = error as? KafkaError else {
            Issue.record("the source: \(consumed)")
            return
        }
        #expect("\(error)".contains("ssl.ca.location"), "the error says what to set: \(error)")
        // librdkafka alone retries for ever (and a message times out after 5 minutes by default).
        #expect(seconds < 15)
    }

    @Test func onlyTLSAndSASLFailuresMakeTheClientFail() {
        let callbacks = KafkaCallbacks(logger: .init(label: "test"))
        #expect(!callbacks.recordSecurityFailure(KafkaErrorCode(rawValue: -195), reason: "Connection refused")) // _TRANSPORT
        #expect(callbacks.securityFailure.withLock { $0 } == nil)
        #expect(callbacks.recordSecurityFailure(KafkaErrorCode(rawValue: -181), reason: "certificate verify failed")) // _SSL
        #expect(!callbacks.recordSecurityFailure(KafkaErrorCode(rawValue: -169), reason: "later"), "the first one is kept")
        #expect(callbacks.securityFailure.withLock { $0 } == .securityFailed(code: KafkaErrorCode(rawValue: -181),
                                                                             reason: "certificate verify failed"))
    }
}
