import ArgumentParser
import Foundation
import Kafka

/// How `run`, `produce` and `repartition` reach Kafka: a properties file and a broker override.
struct KafkaConnectionOptions: ParsableArguments {
    @Option(help: "Kafka: bootstrap servers (host:port,…), overriding bootstrap.servers of the settings.")
    var brokers: String?

    @Option(help: "Kafka client settings: librdkafka key=value properties.")
    var kafkaConfig: String = "Config/kafka.properties"

    /// The properties file, or, when it does not exist but `--brokers` is given, only the flags.
    var settingsSource: KafkaSettingsSource {
        FileManager.default.fileExists(atPath: kafkaConfig) || brokers == nil ? .file(kafkaConfig) : .inline(KafkaSettings())
    }

    /// Client property overrides from the flags.
    var clientProperties: [String: String] {
        brokers.map { ["bootstrap.servers": $0] } ?? [:]
    }
}
