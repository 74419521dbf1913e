import ArgumentParser
import ECS
import Foundation
import Kafka
import Pipeline

/// `tripline produce`: loads NDJSON events into a Kafka topic (demos, backfills, benchmarks).
struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Publish NDJSON events from a file (or stdin) to a Kafka topic, keyed by host.id.",
        discussion: """
        Each line is published unchanged with the value of --key as the message key, so one host's \
        events stay in one partition and in order. Lines that are not JSON objects are reported on \
        stderr with their line number and skipped. Prints the rate at the end.

        Example:
          tripline produce --topic logs-endpoint.events.process --input Config/sample-events.ndjson --partitions 4
        """
    )

    @Option(help: "The topic to write.")
    var topic: String

    @Option(name: .shortAndLong, help: "NDJSON file to read ('-' for standard input).")
    var input: String = "-"

    @Option(help: "The field whose value keys the messages.")
    var key: String = "host.id"

    @Option(help: "Create the topic with this many partitions when it does not exist.")
    var partitions: Int?

    @OptionGroup var kafka: KafkaConnectionOptions

    func validate() throws {
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
    }

    func run() throws {
        do {
            var settings = try kafka.settingsSource.resolve(StageContext(clientProperties: kafka.clientProperties))
            settings.groupID = nil
            if let partitions { try KafkaAdmin(settings: settings).createTopic(topic, partitions: partitions) }
            let producer = try KafkaProducer(settings: settings)
            var fields = FieldCatalog.Builder()
            let keyField = fields.intern(key)
            var reader = EventReader(catalog: fields.build(), timestampPaths: [])
            let badRecords = StandardErrorDeadLetterSink()
            let started = Date()
            var published = 0
            var bad = 0
            try FileSource(path: input).run(stop: StopSignal()) { batch in
                for record in batch.records {
                    let event: Event
                    do throws(EventReadError) {
                        event = try reader.read(record)
                    } catch {
                        bad += 1
                        try badRecords.write([DeadLetter(record: record, reason: error.description)])
                        continue
                    }
                    try producer.send(topic: topic, key: event.string(keyField).map { Array($0.utf8) }, value: record.bytes)
                    published += 1
                }
            }
            try producer.flush()
            try badRecords.flush()
            let seconds = Date().timeIntervalSince(started)
            FileHandle.standardError.write(Data(String(format: "tripline: produced %d events to %@ (%d bad lines skipped) in %.2f s (%.0f events/s)\n",
                                                       published, topic, bad, seconds, Double(published) / max(seconds, 1e-9)).utf8))
        } catch {
            FileHandle.standardError.write(Data("tripline: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
