import Detection
import ECS
import Foundation
import Kafka
import Pipeline

/// Topics, settings, sample data and thread helpers shared by the Kafka tests.
enum Fixtures {
    /// A name no other test (or earlier run against the same broker) uses.
    static func unique(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Client settings for the suite's broker.
    static func settings() -> KafkaSettings {
        [
            "bootstrap.servers": KafkaBroker.address,
            "topic.metadata.refresh.interval.ms": "1000",
            "reconnect.backoff.ms": "50",
            "reconnect.backoff.max.ms": "500",
        ]
    }

    /// Consumer settings, tuned so group joins and rebalances take seconds, not tens of seconds.
    static func consumerSettings(group: String? = nil) -> KafkaSettings {
        var settings = settings().overriding(with: [
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "250",
            "fetch.wait.max.ms": "50",
        ])
        settings.groupID = group
        return settings
    }

    /// Creates `topic` with `partitions` partitions on the suite's broker.
    static func createTopic(_ topic: String, partitions: Int) throws {
        let admin = try KafkaAdmin(settings: settings())
        try admin.createTopic(topic, partitions: partitions)
    }

    /// A small ECS process event for `host`.
    static func event(host: String, sequence: Int) -> String {
        #"{"@timestamp":"2024-07-30T12:00:\#(String(format: "%02d", sequence % 60)).000Z","host":{"id":"\#(host)"},"#
            + #""event":{"kind":"event","category":["process"],"type":["start"]},"#
            + #""process":{"name":"bash","pid":\#(1000 + sequence),"args":["bash","-c","id"]}}"#
    }

    /// Sends `count` events keyed by host (`host-0` … `host-<hosts-1>`) to `topic`; returns the values.
    @discardableResult
    static func produceEvents(_ count: Int, hosts: Int = 5, to topic: String) throws -> [String] {
        let producer = try KafkaProducer(settings: settings())
        var values: [String] = []
        for index in 0..<count {
            let host = "host-\(index % hosts)"
            let value = event(host: host, sequence: index)
            try producer.send(topic: topic, key: Array(host.utf8), value: Array(value.utf8))
            values.append(value)
        }
        try producer.flush()
        return values
    }

    /// Reads `count` messages from every partition of `topic` (no group: direct assignment from the start).
    static func readMessages(topic: String, partitions: Int, count: Int, timeout: Duration = .seconds(20)) throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(settings: consumerSettings())
        defer { consumer.close() }
        try consumer.assign((0..<partitions).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }, from: .beginning)
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < count, ContinuousClock.now < deadline {
            for case .message(let message) in try consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)) {
                messages.append(message)
            }
        }
        return messages
    }

    /// An alert of rule `ruleID` about `host`, without a source event.
    static func alert(ruleID: String, uuid: String, host: String?) -> Alert {
        Alert(rule: Rule(ruleID: ruleID, name: "Test rule \(ruleID)", query: "process where true"), kind: .single,
              uuid: uuid, groupID: nil, event: nil, commonFields: [], originalTime: 1_722_340_800_000_000_000,
              hostID: host)
    }

    /// Runs blocking `body` on a thread of its own (never on the test's cooperative pool), with the
    /// suite's broker.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let broker = KafkaBroker.current
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try KafkaBroker.$current.withValue(broker) { try body() } })
            }.start()
        }
    }

    /// Runs `source` until `done` says the records read so far suffice, the source returns, or `timeout`.
    static func consume(_ source: KafkaSource, stop: StopSignal = StopSignal(), timeout: Duration = .seconds(30),
                        until done: @escaping @Sendable ([RawRecord]) -> Bool = { _ in false }) async throws -> [RecordBatch] {
        let seconds = Double(timeout.components.seconds)
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { stop.stop() }
        return try await onThread {
            var batches: [RecordBatch] = []
            var records: [RawRecord] = []
            try source.run(stop: stop) { batch in
                batches.append(batch)
                records += batch.records
                if done(records) { stop.stop() }
            }
            return batches
        }
    }
}

extension RawRecord {
    /// The Kafka partition and offset of the record (fails for other origins).
    var kafkaPosition: (topic: String, partition: Int32, offset: Int64) {
        guard case .kafka(let topic, let partition, let offset) = origin else { preconditionFailure("\(origin)") }
        return (topic.text, partition, offset)
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }
}

extension RecordBatch {
    /// The batch's Kafka checkpoint.
    var kafkaCheckpoint: KafkaCheckpoint? { checkpoint?.token as? KafkaCheckpoint }
}
