import ECS
import Foundation
import Pipeline

/// Re-publishes records from input topics to a topic keyed by one field (`host.id`), unchanged.
///
/// Detection partitions by host inside a process, but a consumer group splits a topic by Kafka
/// partition: when producers do not key events by host, one host's events land in several partitions
/// and so in several Tripline processes, and sequences break. Run a repartitioner in front (any
/// number of them, in their own group): the detection pipelines then consume the repartitioned topic
/// and each owns whole hosts.
///
/// Offsets of the input are committed only after the re-published records (and dead letters) are
/// acknowledged: at-least-once, as for alerts.
public final class KafkaRepartitioner: Sendable {
    /// What a run did.
    public struct Report: Sendable, CustomStringConvertible {
        /// Records read.
        public var records = 0
        /// Records re-published with a key.
        public var keyed = 0
        /// Records re-published without a key (the field was absent or not a string).
        public var unkeyed = 0
        /// Records that are not JSON objects, sent to the dead letters.
        public var deadLetters = 0

        public var description: String {
            "\(records) records → \(keyed) keyed, \(unkeyed) without a key, \(deadLetters) bad"
        }
    }

    let source: KafkaSource
    let producer: KafkaProducer
    let outputTopic: String
    let keyPath: String
    let deadLetters: any DeadLetterSink

    /// Re-publishes what `source` reads to `outputTopic`, keyed by `keyPath`; bad records go to `deadLetters`.
    public init(source: KafkaSource, producer: KafkaProducer, outputTopic: String, keyPath: String = "host.id",
                deadLetters: any DeadLetterSink) {
        self.source = source
        self.producer = producer
        self.outputTopic = outputTopic
        self.keyPath = keyPath
        self.deadLetters = deadLetters
    }

    /// Runs until the source ends (`stopAtEnd`) or `stop` is set, then leaves the group.
    public func run(stop: StopSignal = StopSignal()) throws -> Report {
        var fields = FieldCatalog.Builder()
        let keyField = fields.intern(keyPath)
        var reader = EventReader(catalog: fields.build(), timestampPaths: [])
        var report = Report()
        defer { source.close() }
        try source.run(stop: stop) { batch in
            var letters: [DeadLetter] = []
            for record in batch.records {
                report.records += 1
                let key: [UInt8]?
                do throws(EventReadError) {
                    let event = try reader.read(record)
                    key = event.string(keyField).map { Array($0.utf8) }
                } catch {
                    letters.append(DeadLetter(record: record, reason: error.description))
                    continue
                }
                if key == nil { report.unkeyed += 1 } else { report.keyed += 1 }
                try producer.send(topic: outputTopic, key: key, value: record.bytes)
            }
            report.deadLetters += letters.count
            if !letters.isEmpty {
                try deadLetters.write(letters)
                try deadLetters.flush()
            }
            try producer.flush()
            if let checkpoint = batch.checkpoint { try source.commit(checkpoint) }
        }
        return report
    }
}
