import CRdKafka
import Foundation
import TestLogCapture
import TestScratch
import Testing
@testable import Kafka

@Suite struct KafkaSettingsTests {
    @Test func readsKeyValueLinesSkippingCommentsAndBlankLines() throws {
        let settings = try KafkaSettings(propertiesText: """
            # Kafka client settings
            bootstrap.servers = broker-1:9092,broker-2:9092
            ! also a comment

              group.id=tripline
            security.protocol=SASL_SSL
            sasl.jaas.config=a=b=c
            """, source: "kafka.properties")
        #expect(settings.keys == ["bootstrap.servers", "group.id", "sasl.jaas.config", "security.protocol"])
        #expect(settings.brokers == "broker-1:9092,broker-2:9092")
        #expect(settings.groupID == "tripline")
        #expect(settings["security.protocol"] == "SASL_SSL")
        #expect(settings["sasl.jaas.config"] == "a=b=c")
    }

    @Test func errorsNameTheFileAndLine() {
        #expect(throws: KafkaError.malformedProperty(location: "kafka.properties:3",
                                                     reason: "expected key=value, found 'bootstrap.servers …'")) {
            try KafkaSettings(propertiesText: "# settings\n\nbootstrap.servers localhost:9092\n", source: "kafka.properties")
        }
        #expect(throws: KafkaError.malformedProperty(location: "k.properties:1",
                                                     reason: "missing the property name before '='")) {
            try KafkaSettings(propertiesText: " = value", source: "k.properties")
        }
        #expect(throws: KafkaError.duplicateProperty(key: "group.id", location: "k.properties:3",
                                                     firstLocation: "k.properties:1")) {
            try KafkaSettings(propertiesText: "group.id=a\nclient.id=x\ngroup.id=b", source: "k.properties")
        }
        #expect(throws: KafkaError.malformedProperty(location: "k.properties:2",
                                                     reason: "'${' without a closing '}' in the value of 'sasl.password'")) {
            try KafkaSettings(propertiesText: "sasl.username=u\nsasl.password=${KAFKA_PASSWORD", source: "k.properties")
        }
    }

    @Test func readsAFileAndReportsAMissingOne() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path("kafka.properties")
        try "bootstrap.servers=127.0.0.1:9092\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try KafkaSettings.file(path).brokers == "127.0.0.1:9092")
        #expect {
            try KafkaSettings.file(path + ".missing")
        } throws: { error in
            guard case KafkaError.unreadablePropertiesFile(let missing, _) = error else { return false }
            return missing == path + ".missing"
        }
    }

    @Test func overridesReplaceFileValues() throws {
        let file = try KafkaSettings(propertiesText: "bootstrap.servers=a:9092\ngroup.id=g\nclient.id=c", source: "f")
        let merged = file.overriding(brokers: "b:9092").overriding(with: ["client.id": "tripline-1", "acks": "all"])
        #expect(merged.brokers == "b:9092")
        #expect(merged.groupID == "g")
        #expect(merged["client.id"] == "tripline-1")
        #expect(merged["acks"] == "all")
    }

    @Test func expandsEnvironmentVariablesWhenResolved() throws {
        let settings = try KafkaSettings(propertiesText: "sasl.password=${KAFKA_PASSWORD}\nclient.id=x-$${literal}-${HOST}",
                                         source: "f")
        let resolved = try settings.resolved(environment: ["KAFKA_PASSWORD": "s3cret", "HOST": "web-1"])
        #expect(resolved.map(\.value) == ["x-${literal}-web-1", "s3cret"])
        #expect(throws: KafkaError.undefinedEnvironmentVariable(name: "KAFKA_PASSWORD", key: "sasl.password", location: "f:1")) {
            try settings.resolved(environment: ["HOST": "web-1"])
        }
    }

    @Test func secretsAreRedactedInDescriptionsAndDumps() {
        var settings: KafkaSettings = ["bootstrap.servers": "b:9092", "sasl.username": "tripline"]
        settings["sasl.password"] = "hunter2"
        settings["ssl.key.password"] = "hunter3"
        settings["sasl.oauthbearer.client.secret"] = "hunter4"
        var dumped = ""
        dump(settings, to: &dumped)
        for text in [settings.description, settings.debugDescription, "\(settings)", dumped] {
            #expect(!text.contains("hunter"), "\(text)")
            #expect(text.contains("sasl.username"))
        }
        #expect(settings.description.contains("sasl.password=<redacted>"))
        #expect(KafkaSettings.isSecret("sasl.password") && KafkaSettings.isSecret("ssl.key.pem"))
        #expect(!KafkaSettings.isSecret("sasl.username") && !KafkaSettings.isSecret("ssl.certificate.pem"))
    }

    @Test func librdkafkaRejectsUnknownAndInvalidSettingsWithTheirLocation() throws {
        let unknown = try KafkaSettings(propertiesText: "bootstrap.servers=127.0.0.1:1\nkey.deserializer=x", source: "k.properties")
        #expect {
            try KafkaProducer(settings: unknown)
        } throws: { error in
            guard case KafkaError.invalidSetting("key.deserializer", let reason, "k.properties:2") = error else { return false }
            return reason.contains("No such configuration property")
        }
        let invalid: KafkaSettings = ["bootstrap.servers": "127.0.0.1:1", "sasl.mechanisms": "PLAIN",
                                      "security.protocol": "sasl_plaintext", "sasl.password": "hunter2",
                                      "ssl.key.password": "hunter2", "enable.idempotence": "hunter2-not-a-bool"]
        #expect {
            try KafkaProducer(settings: invalid)
        } throws: { error in
            "\(error)".contains("enable.idempotence")
        }
    }

    @Test func secretsFromTheEnvironmentNeverReachTheLogs() throws {
        let store = LogStore()
        let logger = store.logger()
        let settings: KafkaSettings = [
            "bootstrap.servers": "127.0.0.1:1", "security.protocol": "sasl_plaintext", "sasl.mechanisms": "PLAIN",
            "sasl.username": "tripline", "sasl.password": "${TRIPLINE_TEST_KAFKA_SECRET}", "debug": "conf,generic",
        ]
        // The environment is passed in rather than set with setenv, which races with other tests' getenv.
        _ = try KafkaHandle(type: RD_KAFKA_PRODUCER, settings: settings, callbacks: KafkaCallbacks(logger: logger),
                            environment: ["TRIPLINE_TEST_KAFKA_SECRET": "correct-horse-battery"])
        let captured = store.messages
        #expect(captured.contains { $0.contains("sasl.password=<redacted>") })
        #expect(captured.contains { $0.contains("sasl.username") }, "librdkafka's configuration dump was logged")
        #expect(!captured.contains { $0.contains("correct-horse-battery") })
    }
}
