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

    @Test func recordsMakeTheRoundTripOverTLS() async throws {
        let (sent, received) = try await withTLSBroker { _, caPath in
            let tls = Fixtures.settings().overriding(with: ["security.protocol": "ssl", "ssl.ca.location": caPath])
            return try SecureConnectionChecks.roundTrip(settings: tls, topicPrefix: "tls")
        }
        #expect(received.sorted() == sent.sorted())
    }

    @Test func aClientThatDoesNotTrustTheBrokersCertificateFailsAtOnce() async throws {
        let attempts = try await withTLSBroker { _, _ in
            // No ssl.ca.location: the system's CAs did not sign the broker's certificate.
            try SecureConnectionChecks.attemptEach(with: Fixtures.settings().overriding(with: ["security.protocol": "ssl"]),
                                                   topicPrefix: "tls")
        }
        SecureConnectionChecks.expectEachFailedAtOnce(attempts, code: "_SSL", reason: "certificate verify failed", hint: "ssl.ca.location")
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
