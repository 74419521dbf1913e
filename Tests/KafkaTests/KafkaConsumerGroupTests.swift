import Foundation
import Kafka
import Pipeline
import Synchronization
import Testing

extension BrokerTests {
    @Suite struct KafkaConsumerGroupTests {
        @Test func aNewConsumerOfTheGroupResumesAtTheCommittedCheckpoint() async throws {
            let topic = Fixtures.unique("resume")
            let group = Fixtures.unique("group")
            try await Fixtures.onThread {
                try Fixtures.createTopic(topic, partitions: 2)
                try Fixtures.produceEvents(30, hosts: 6, to: topic)
            }
            let options = KafkaSource.Options(maxBatchSize: 7, maxBatchWait: .milliseconds(50), stopAtEnd: true)

            // The first member reads everything but commits only its second batch's checkpoint, then leaves.
            let first = try KafkaSource(topics: [topic], settings: Fixtures.consumerSettings(group: group), options: options)
            let firstBatches = try await Fixtures.consume(first) { $0.count >= 30 }
            #expect(firstBatches.flatMap(\.records).count == 30)
            try #require(firstBatches.count >= 3)
            let committed = try #require(firstBatches[1].kafkaCheckpoint)
            try await Fixtures.onThread {
                try first.commit(try #require(firstBatches[1].checkpoint))
                first.close()
                try Fixtures.produceEvents(10, hosts: 6, to: topic)
            }

            // The second member starts exactly after the committed offsets.
            let second = try KafkaSource(topics: [topic], settings: Fixtures.consumerSettings(group: group), options: options)
            let secondRecords = try await Fixtures.consume(second) { _ in false }.flatMap(\.records)
            second.close()
            let committedRecords = committed.nextOffsets.values.reduce(0, +)
            #expect(secondRecords.count == 40 - Int(committedRecords))
            for partition: Int32 in [0, 1] {
                let start = committed.nextOffsets[KafkaTopicPartition(topic: topic, partition: partition)] ?? 0
                let offsets = secondRecords.map(\.kafkaPosition).filter { $0.partition == partition }.map(\.offset)
                #expect(offsets == Array(offsets.indices.map { start + Int64($0) }), "partition \(partition) resumes at \(start)")
            }
        }

        @Test func twoMembersOfOneGroupShareThePartitions() async throws {
            let topic = Fixtures.unique("shared")
            let group = Fixtures.unique("group")
            try await Fixtures.onThread {
                try Fixtures.createTopic(topic, partitions: 4)
                try Fixtures.produceEvents(40, hosts: 8, to: topic)
            }
            let options = KafkaSource.Options(maxBatchSize: 10, maxBatchWait: .milliseconds(50), revokeDrainTimeout: .zero)
            let members = try (0..<2).map { _ in
                try KafkaSource(topics: [topic], settings: Fixtures.consumerSettings(group: group), options: options)
            }
            let stop = StopSignal()
            let seen = SeenRecords()
            // Both members run until each owns part of the topic and all 40 records were read.
            let runs = members.map { member in
                Task {
                    try await Fixtures.consume(member, stop: stop, timeout: .seconds(40)) { records in
                        seen.texts.withLock { $0.formUnion(records.map(\.text)) }
                        return false
                    }
                }
            }
            let deadline = ContinuousClock.now + .seconds(40)
            var assignments: [[KafkaTopicPartition]] = []
            while ContinuousClock.now < deadline {
                assignments = members.map(\.assignment)
                if assignments.allSatisfy({ !$0.isEmpty }), assignments.joined().count == 4,
                   seen.texts.withLock({ $0.count }) == 40 {
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            stop.stop()
            for run in runs { _ = try await run.value }
            members.forEach { $0.close() }

            #expect(assignments.allSatisfy { !$0.isEmpty }, "each member owns partitions: \(assignments)")
            #expect(Set(assignments.joined()).count == 4 && assignments.joined().count == 4, "\(assignments)")
            #expect(seen.texts.withLock { $0.count } == 40)
        }
    }
}

/// Record texts seen by several consumers.
final class SeenRecords: Sendable {
    let texts = Mutex<Set<String>>([])
}
