import Detection
import ECS
import Foundation
import Kafka
import MetricsTestKit
import Pipeline
import Testing

extension BrokerTests {
    @Suite struct KafkaSourceAndSinkTests {
        @Test func recordsAndAlertsMakeTheRoundTripWithOriginsKeysAndHeaders() async throws {
            let events = Fixtures.unique("events")
            let alerts = Fixtures.unique("alerts")
            let produced = try await Fixtures.onThread {
                try Fixtures.createTopic(events, partitions: 4)
                try Fixtures.createTopic(alerts, partitions: 4)
                return try Fixtures.produceEvents(40, to: events)
            }

            let group = Fixtures.unique("group")
            let source = try KafkaSource(topics: [events], settings: Fixtures.consumerSettings(group: group),
                                         options: .init(maxBatchSize: 16, maxBatchWait: .milliseconds(50), stopAtEnd: true))
            #expect(source.name == "kafka:\(events)")
            let batches = try await Fixtures.consume(source) { $0.count >= 40 }
            let records = batches.flatMap(\.records)

            #expect(batches.allSatisfy { $0.records.count <= 16 })
            #expect(records.map(\.text).sorted() == produced.sorted())
            var offsetsByPartition: [Int32: [Int64]] = [:]
            for record in records {
                let position = record.kafkaPosition
                #expect(position.topic == events)
                offsetsByPartition[position.partition, default: []].append(position.offset)
            }
            #expect(Set(offsetsByPartition.keys).isSubset(of: [0, 1, 2, 3]))
            for (_, offsets) in offsetsByPartition {
                #expect(offsets == Array(0..<Int64(offsets.count)), "each partition read in order, without gaps")
            }
            // The checkpoint is cumulative: the last one holds every partition's next offset.
            let last = try #require(batches.last?.kafkaCheckpoint)
            let expected = Dictionary(uniqueKeysWithValues: offsetsByPartition.map {
                (KafkaTopicPartition(topic: events, partition: $0.key), Int64($0.value.count))
            })
            #expect(last.nextOffsets == expected)

            try await Fixtures.onThread {
                try source.commit(try #require(batches.last?.checkpoint))
                let observer = try KafkaConsumer(settings: Fixtures.consumerSettings(group: group))
                #expect(try observer.committedOffsets(for: Array(expected.keys)) == expected)
                source.close()
            }

            // Alerts: value = document, key = host.id, headers = rule id and alert uuid.
            let written = (0..<12).map { Fixtures.alert(ruleID: "rule-\($0 % 2)", uuid: "uuid-\($0)", host: $0 == 11 ? nil : "host-\($0 % 3)") }
            let sink = try KafkaAlertSink(topic: alerts, settings: Fixtures.settings())
            #expect(sink.name == "kafka:\(alerts)")
            let messages = try await Fixtures.onThread {
                try sink.write(Array(written[..<6]))
                try sink.write(Array(written[6...]))
                try sink.flush()
                try sink.close()
                return try Fixtures.readMessages(topic: alerts, partitions: 4, count: 12)
            }
            #expect(messages.count == 12)
            var partitionOfHost: [String: Int32] = [:]
            for message in messages {
                let uuid = try #require(message.header(KafkaAlertSink.alertUUIDHeader))
                let alert = try #require(written.first { $0.uuid == uuid })
                #expect(message.header(KafkaAlertSink.ruleIDHeader) == alert.rule.ruleID)
                #expect(message.key == alert.hostID.map { Array($0.utf8) })
                let document = try #require(try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any])
                #expect(document["kibana.alert.uuid"] as? String == uuid)
                #expect(document["kibana.alert.rule.rule_id"] as? String == alert.rule.ruleID)
                if let host = alert.hostID {
                    #expect(partitionOfHost[host, default: message.partition] == message.partition, "one host, one partition")
                    partitionOfHost[host] = message.partition
                }
            }
        }

        @Test func aSlowPipelinePausesFetchingWithoutLosingOrReorderingRecords() async throws {
            let topic = Fixtures.unique("slow")
            try await Fixtures.onThread {
                try Fixtures.createTopic(topic, partitions: 2)
                try Fixtures.produceEvents(300, hosts: 10, to: topic)
            }
            let source = try KafkaSource(
                topics: [topic], settings: Fixtures.consumerSettings(group: Fixtures.unique("group")),
                options: .init(maxBatchSize: 10, maxBatchWait: .milliseconds(20), bufferedBatches: 1, stopAtEnd: true))
            let records = try await Fixtures.consume(source) { records in
                Thread.sleep(forTimeInterval: 0.01) // the pipeline is slower than the broker: the buffer fills up
                return records.count >= 300
            }.flatMap(\.records)
            source.close()
            #expect(records.count == 300)
            for partition: Int32 in [0, 1] {
                let offsets = records.map(\.kafkaPosition).filter { $0.partition == partition }.map(\.offset)
                #expect(offsets == Array(0..<Int64(offsets.count)))
            }
        }

        @Test func eachPartitionsConsumerLagIsReportedDownToZero() async throws {
            let topic = Fixtures.unique("lag")
            try await Fixtures.onThread {
                try Fixtures.createTopic(topic, partitions: 1)
                _ = try Fixtures.produceEvents(200, to: topic)
            }
            let recorder = TestMetrics()
            let source = try KafkaSource(
                topics: [topic], settings: Fixtures.consumerSettings(group: Fixtures.unique("group")),
                options: .init(maxBatchSize: 20, maxBatchWait: .milliseconds(20), bufferedBatches: 1, stopAtEnd: true),
                metricsFactory: recorder)
            let records = try await Fixtures.consume(source).flatMap(\.records)
            source.close()
            #expect(records.count == 200)
            let lag = try recorder.expectGauge("tripline_kafka_consumer_lag", [("topic", topic), ("partition", "0")]).values
            #expect(lag.contains { $0 > 0 && $0 <= 180 }, "read 20 at a time, some of the 200 were still unread: \(lag)")
            #expect(lag.last == 0, "read to the end: \(lag)")
        }

        @Test func readingToTheEndOfATopicThatDoesNotExistFailsInsteadOfWaiting() async throws {
            let topic = Fixtures.unique("missing")
            let source = try KafkaSource(topics: [topic], settings: Fixtures.consumerSettings(group: Fixtures.unique("group")),
                                         options: .init(stopAtEnd: true))
            let started = ContinuousClock.now
            let outcome = try await Fixtures.onThread {
                let stop = StopSignal()
                DispatchQueue.global().asyncAfter(deadline: .now() + 30) { stop.stop() } // if it waited
                return Result { try source.run(stop: stop) { _ in } }
            }
            source.close()
            guard case .failure(let error) = outcome else { Issue.record("the source returned"); return }
            #expect(error as? KafkaError == .unknownTopic(topic: topic))
            #expect("\(error)".contains(topic))
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }
}
