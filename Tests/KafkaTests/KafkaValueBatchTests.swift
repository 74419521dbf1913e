import ECS
import Testing
@testable import Kafka

/// The packed form of a poll a Kafka source reads: one buffer of values, runs per partition.
@Suite struct KafkaValueBatchTests {
    let p0 = KafkaTopicPartition(topic: "events", partition: 0)
    let p1 = KafkaTopicPartition(topic: "events", partition: 1)
    let other0 = KafkaTopicPartition(topic: "other", partition: 0)

    @Test func valuesArePackedInOrderAndConsecutiveMessagesOfAPartitionFormOneRun() {
        var batch = KafkaValueBatch()
        batch.append(p0, offset: 7, value: Array("first".utf8))
        batch.append(p0, offset: 8, value: [])
        batch.append(p0, offset: 9, value: Array("third".utf8))
        batch.append(p1, offset: 0, value: Array("p1".utf8))
        batch.append(other0, offset: 0, value: Array("same number, other topic".utf8))
        batch.append(p0, offset: 10, value: Array("back to p0".utf8))

        #expect(batch.bytes.count == "firstthirdp1same number, other topicback to p0".utf8.count)
        #expect(batch.messages.map { String(decoding: batch.value(of: $0), as: UTF8.self) }
            == ["first", "", "third", "p1", "same number, other topic", "back to p0"])
        #expect(batch.messages.map(\.offset) == [7, 8, 9, 0, 0, 10])
        #expect(batch.runs.map(\.partition) == [p0, p1, other0, p0])
        #expect(batch.runs.map(\.messages) == [0 ..< 3, 3 ..< 4, 4 ..< 5, 5 ..< 6])
        #expect(batch.runs.map(\.topic.text) == ["events", "events", "other", "events"])
    }

    @Test func anEmptyPollIsEmptyButMayReportPartitionEnds() {
        var batch = KafkaValueBatch()
        batch.ends = [p1]
        #expect(batch.isEmpty)
        #expect(batch.runs.isEmpty)
        #expect(batch.ends == [p1])
    }
}
