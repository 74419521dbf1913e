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

    @Test(arguments: ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"])
    func recordsMakeTheRoundTripOnceAuthenticated(mechanism: String) async throws {
        let (sent, received) = try await KafkaBroker.withDedicatedBroker("start-sasl") { _, _ in
            try SecureConnectionChecks.roundTrip(settings: Self.settings(mechanism: mechanism), topicPrefix: "sasl")
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
