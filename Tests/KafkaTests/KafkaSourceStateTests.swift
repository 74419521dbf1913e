import ECS
import Foundation
import Testing
@testable import Kafka

/// The offset book-keeping behind ``KafkaSource``: what may be committed around rebalances.
@Suite struct KafkaSourceStateTests {
    let p0 = KafkaTopicPartition(topic: "events", partition: 0)
    let p1 = KafkaTopicPartition(topic: "events", partition: 1)

    func messages(_ partition: KafkaTopicPartition, _ offsets: ClosedRange<Int64>) -> [KafkaMessage] {
        offsets.map { KafkaMessage(topic: partition.topic, partition: partition.partition, offset: $0, key: nil,
                                   value: Array("\(partition)@\($0)".utf8), headers: []) }
    }

    func takeBatch(_ state: KafkaSourceState) throws -> (records: [RawRecord], checkpoint: KafkaCheckpoint) {
        guard case .batch(let batch) = state.take(timeout: .zero) else { throw CancellationError() }
        return (batch.records, try #require(batch.checkpoint?.token as? KafkaCheckpoint))
    }

    @Test func revokedPartitionsDropBufferedRecordsAndTheirOffsetsAreNeverCommitted() throws {
        let state = KafkaSourceState(capacity: 4)
        state.assign([p0, p1])
        state.accept(messages(p0, 0...2) + messages(p1, 0...1), ends: [])
        state.accept(messages(p0, 3...4) + messages(p1, 2...2), ends: [])
        let first = try takeBatch(state)
        #expect(first.checkpoint.nextOffsets == [p0: 3, p1: 2])

        let outcome = state.revoke([p0], lost: false, drainTimeout: .milliseconds(20))
        #expect(outcome.dropped == 2, "p0@3 and p0@4 never reached the pipeline")
        #expect(!outcome.drained, "p0 up to 3 was handed out but not committed")
        let second = try takeBatch(state)
        #expect(second.records.map(\.text) == ["events[1]@2"])
        #expect(state.offsetsToCommit(first.checkpoint).mapValues(\.offset) == [p1: 2])
        #expect(state.offsetsToCommit(second.checkpoint).mapValues(\.offset) == [p1: 3])

        // Reassigned: a new epoch, so offsets read before the revocation still do not count.
        state.assign([p0])
        #expect(state.offsetsToCommit(first.checkpoint)[p0] == nil)
        state.accept(messages(p0, 3...3), ends: [])
        #expect(state.offsetsToCommit(try takeBatch(state).checkpoint).mapValues(\.offset) == [p0: 4, p1: 3])
    }

    @Test func aRevocationWaitsForTheRunnerToCommitWhatItWasHanded() throws {
        let state = KafkaSourceState(capacity: 4)
        state.assign([p0])
        state.accept(messages(p0, 0...9), ends: [])
        let batch = try takeBatch(state)
        let commit = Thread {
            Thread.sleep(forTimeInterval: 0.05)
            state.didCommit(state.offsetsToCommit(batch.checkpoint))
        }
        commit.start()
        let outcome = state.revoke([p0], lost: false, drainTimeout: .seconds(10))
        #expect(outcome.drained && outcome.dropped == 0)
    }

    @Test func lostPartitionsAreDroppedWithoutWaiting() throws {
        let state = KafkaSourceState(capacity: 4)
        state.assign([p0])
        state.accept(messages(p0, 0...9), ends: [])
        let batch = try takeBatch(state)
        let started = ContinuousClock.now
        _ = state.revoke([p0], lost: true, drainTimeout: .seconds(10))
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(state.offsetsToCommit(batch.checkpoint).isEmpty)
    }

    @Test func caughtUpOnceEveryAssignedPartitionReachedItsEnd() {
        let state = KafkaSourceState(capacity: 4)
        #expect(!state.isCaughtUp, "nothing assigned yet")
        state.assign([p0, p1])
        state.accept([], ends: [p0])
        #expect(!state.isCaughtUp)
        state.accept(messages(p1, 0...0), ends: [p1])
        #expect(!state.isCaughtUp, "a batch still waits for the pipeline")
        _ = state.take(timeout: .zero)
        #expect(state.isCaughtUp)
        state.accept(messages(p0, 5...5), ends: [])
        #expect(!state.isCaughtUp, "p0 got a new message")
    }

    @Test func fullWhenTheConfiguredNumberOfBatchesWaits() {
        let state = KafkaSourceState(capacity: 2)
        state.assign([p0])
        state.accept(messages(p0, 0...0), ends: [])
        #expect(!state.isFull)
        state.accept(messages(p0, 1...1), ends: [])
        #expect(state.isFull)
        _ = state.take(timeout: .zero)
        #expect(!state.isFull)
    }
}
