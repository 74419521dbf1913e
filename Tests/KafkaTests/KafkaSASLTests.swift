import Testing
@testable import Kafka

/// Kafka with SASL authentication (`security.protocol=sasl_plaintext`, and `sasl_ssl`), against a
/// broker only an authenticated client reaches: `scripts/kafka-broker.sh start-sasl` and
/// `start-sasl-tls` (Tansu behind the compatibility proxy, which authenticates each connection, SCRAM
/// or PLAIN, before relaying it to Tansu, and for `sasl_ssl` terminates TLS first).
@Suite(.serialized) struct KafkaSASLTests {
    static let user = "tripline"
    static let password = "tripline-test-password"

    static func settings(mechanism: String, password: String = Self.password) -> KafkaSettings {
        Fixtures.settings().overriding(with: ["security.protocol": "sasl_plaintext", "sasl.mechanisms": mechanism,
                                              "sasl.username": user, "sasl.password": password])
    }

    @Test(arguments: ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"])
    func recordsMakeTheRoundTripOnceAuthenticated(mechanism: String) async throws {
        let (sent, received) = try await KafkaBroker.withDedicatedBroker("start-sasl") { _, _ in
            try SecureConnectionChecks.roundTrip(settings: Self.settings(mechanism: mechanism), topicPrefix: "sasl")
        }
        #expect(received.sorted() == sent.sorted())
    }

    @Test func recordsMakeTheRoundTripWithSASLOverTLS() async throws {
        let (sent, received) = try await KafkaBroker.withDedicatedBroker("start-sasl-tls") { _, state in
            let caPath = try KafkaBroker.script("tls-ca", stateDirectory: state)
            let settings = Self.settings(mechanism: "SCRAM-SHA-512")
                .overriding(with: ["security.protocol": "sasl_ssl", "ssl.ca.location": caPath])
            return try SecureConnectionChecks.roundTrip(settings: settings, topicPrefix: "sasl-tls")
        }
        #expect(received.sorted() == sent.sorted())
    }

    @Test func aWrongPasswordFailsAtOnce() async throws {
        let attempts = try await KafkaBroker.withDedicatedBroker("start-sasl") { _, _ in
            try SecureConnectionChecks.attemptEach(with: Self.settings(mechanism: "SCRAM-SHA-512", password: "not-the-password"),
                                                   topicPrefix: "sasl")
        }
        SecureConnectionChecks.expectEachFailedAtOnce(attempts, code: "_AUTHENTICATION", reason: "invalid credentials", hint: "sasl.*")
    }
}
