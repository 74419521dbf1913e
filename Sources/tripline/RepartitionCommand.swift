import ArgumentParser
import Foundation
import Kafka
import Pipeline

/// `tripline repartition`: re-publishes a topic keyed by `host.id`.
struct RepartitionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repartition",
        abstract: "Re-publish events from a Kafka topic to a topic keyed by host.id.",
        discussion: """
        Run this in front of detection when producers do not key events by host: several `tripline run` \
        processes in one consumer group then each own whole hosts, so sequences stay correct when \
        scaling out. Records are copied unchanged; input offsets are committed once the copies are \
        acknowledged. Records that are not JSON objects go to --dead-letter-topic (or stderr).

        Example:
          tripline repartition --topic logs-endpoint.events.process --to tripline.events-by-host --partitions 8
          tripline run kafka-endpoint --topic tripline.events-by-host --group tripline-detect
        """
    )

    @Option(help: "The topic to read.")
    var topic: String

    @Option(help: "The topic to write, keyed by --key.")
    var to: String

    @Option(help: "The field whose value keys the re-published records.")
    var key: String = "host.id"

    @Option(help: "Create --to with this many partitions when it does not exist.")
    var partitions: Int?

    @Option(help: "Kafka: consumer group of the repartitioners.")
    var group: String = "tripline-repartition"

    @OptionGroup var kafka: KafkaConnectionOptions

    @Option(help: "Kafka: publish records that are not JSON objects to this topic instead of stderr.")
    var deadLetterTopic: String?

    @Flag(help: "Stop once every assigned partition's end is reached.")
    var stopAtEnd = false

    func validate() throws {
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
        if topic == to { throw ValidationError("--topic and --to must differ") }
    }

    func run() throws {
        do {
            let overrides = kafka.clientProperties.merging(["group.id": group]) { $1 }
            let settings = try kafka.settingsSource.resolve(StageContext(clientProperties: overrides))
            if let partitions { try KafkaAdmin(settings: settings).createTopic(to, partitions: partitions) }
            let source = try KafkaSource(topics: [topic], settings: settings, options: KafkaSource.Options(stopAtEnd: stopAtEnd))
            let producer = try KafkaProducer(settings: settings)
            let deadLetters: any DeadLetterSink = deadLetterTopic.map { KafkaDeadLetterSink(topic: $0, producer: producer) }
                ?? StandardErrorDeadLetterSink()
            let stop = StopSignal()
            let signals = SignalHandlers(stop: stop)
            defer { signals.cancel() }
            let report = try KafkaRepartitioner(source: source, producer: producer, outputTopic: to, keyPath: key,
                                                deadLetters: deadLetters).run(stop: stop)
            FileHandle.standardError.write(Data("tripline: repartitioned \(topic) → \(to): \(report)\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("tripline: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
