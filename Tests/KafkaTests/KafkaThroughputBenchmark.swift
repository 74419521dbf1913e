import Foundation
import Kafka
import Pipeline
import Testing

extension BrokerTests {
    /// Produce and consume rates of ~1.5 KB ECS documents through the real broker. Prints figures, asserts
    /// none; runs only with `TRIPLINE_KAFKA_BENCH=<messages>` (best in release:
    /// `TRIPLINE_KAFKA_BENCH=200000 swift test -c release -Xswiftc -enable-testing --filter KafkaThroughputBenchmark`).
    @Suite(.enabled(if: ProcessInfo.processInfo.environment["TRIPLINE_KAFKA_BENCH"] != nil))
    struct KafkaThroughputBenchmark {
        static var count: Int { Int(ProcessInfo.processInfo.environment["TRIPLINE_KAFKA_BENCH"] ?? "") ?? 100_000 }

        /// A ~1.5 KB Elastic Endpoint process event.
        static func document(_ index: Int) -> [UInt8] {
            let host = "host-\(index % 64)"
            let text = #"{"@timestamp":"2024-07-30T12:00:00.000Z","agent":{"type":"endpoint","version":"8.14.0","id":"a1b2c3d4-0000-4000-8000-000000000001"},"#
                + #""host":{"id":"\#(host)","name":"\#(host).corp.example.com","hostname":"\#(host)","os":{"type":"linux","family":"debian","kernel":"6.1.0-18-amd64","name":"Debian GNU/Linux","version":"12"},"ip":["10.0.3.17","fe80::1"],"architecture":"x86_64"},"#
                + #""event":{"kind":"event","category":["process"],"type":["start"],"action":"exec","dataset":"endpoint.events.process","module":"endpoint","id":"evt-\#(index)","sequence":\#(index)},"#
                + #""process":{"entity_id":"proc-\#(index)","pid":\#(10_000 + index % 50_000),"name":"curl","executable":"/usr/bin/curl","args":["curl","-s","-o","/tmp/payload.sh","https://updates.example.net/agent/install.sh"],"args_count":5,"command_line":"curl -s -o /tmp/payload.sh https://updates.example.net/agent/install.sh","working_directory":"/home/deploy","start":"2024-07-30T12:00:00.000Z","#
                + #""parent":{"entity_id":"proc-parent-\#(index % 977)","pid":\#(900 + index % 977),"name":"bash","executable":"/usr/bin/bash","args":["bash","-c","curl -s -o /tmp/payload.sh https://updates.example.net/agent/install.sh && sh /tmp/payload.sh"]},"#
                + #""hash":{"sha256":"5b1a4f0c8e6d2a9b3c7f1e0d4a8b6c2e9f3d7a1b5c0e4f8a2d6b9c3e7f1a0d4b"}},"#
                + #""user":{"id":"1001","name":"deploy","group":{"id":"1001","name":"deploy"}},"#
                + #""ecs":{"version":"8.11.0"},"data_stream":{"type":"logs","dataset":"endpoint.events.process","namespace":"default"},"#
                + #""message":"Endpoint process event","tags":["benchmark","tripline"]}"#
            return Array(text.utf8)
        }

        @Test func produceAndConsumeRates() async throws {
            let topic = Fixtures.unique("bench")
            let count = Self.count
            let documents = (0..<1000).map(Self.document)
            let size = documents.map(\.count).reduce(0, +) / documents.count
            let produceSeconds = try await Fixtures.onThread {
                try Fixtures.createTopic(topic, partitions: 4)
                let producer = try KafkaProducer(settings: Fixtures.settings().overriding(with: ["linger.ms": "5"]))
                let start = ContinuousClock.now
                for index in 0..<count {
                    try producer.send(topic: topic, key: Array("host-\(index % 64)".utf8), value: documents[index % 1000])
                }
                try producer.flush()
                return (ContinuousClock.now - start) / .seconds(1)
            }
            let source = try KafkaSource(topics: [topic], settings: Fixtures.consumerSettings(group: Fixtures.unique("bench")),
                                         options: .init(maxBatchSize: 1024, stopAtEnd: true))
            let consumed = try await Fixtures.onThread {
                var records = 0
                var bytes = 0
                var first: ContinuousClock.Instant?
                try source.run(stop: StopSignal()) { batch in
                    if first == nil { first = .now }
                    records += batch.records.count
                    for record in batch.records { bytes += record.bytes.count }
                }
                return (records, bytes, (ContinuousClock.now - first!) / .seconds(1))
            }
            source.close()
            print("""
                KafkaThroughputBenchmark: \(count) messages of \(size) bytes, 4 partitions
                  produce (idempotent, acks=all, flush included): \(Int(Double(count) / produceSeconds)) msg/s, \
                \(Int(Double(count * size) / produceSeconds / 1_048_576)) MiB/s
                  consume (KafkaSource, from the first batch): \(Int(Double(consumed.0) / consumed.2)) msg/s, \
                \(Int(Double(consumed.1) / consumed.2 / 1_048_576)) MiB/s
                """)
            #expect(consumed.0 == count)
        }
    }
}
