import ECS
import Foundation
import Pipeline
import Testing
@testable import Kafka

/// The offset book-keeping behind ``KafkaSource``: what may be committed around rebalances.
@Suite struct KafkaSourceStateTests {
    let p0 = KafkaTopicPartition(topic: "events", partition: 0)
    let p1 = KafkaTopicPartition(topic: "events", partition: 1)

    /// Messages of `partition` at `offsets`, whose values name them (`events[0]@3`).
    func messages(_ partition: KafkaTopicPartition, _ offsets: ClosedRange<Int64>) -> [(KafkaTopicPartition, Int64)] {
        offsets.map { (partition, $0) }
    }

    func takeBatch(_ state: KafkaSourceState) throws -> (records: [RawRecord], checkpoint: KafkaCheckpoint) {
        guard case .batch(let batch) = state.take(timeout: .zero) else { throw CancellationError() }
        return (batch.records, try #require(batch.checkpoint?.token as? KafkaCheckpoint))
    }

    @Test func revokedPartitionsDropBufferedRecordsAndTheirOffsetsAreNeverCommitted() throws {
        let state = KafkaSourceState(capacity: 4, laneHold: .seconds(5))
        state.assign([p0, p1])
        state.accept(messages(p0, 0...2) + messages(p1, 0...1), ends: [], offsetRanges: [:])
        state.accept(messages(p0, 3...4) + messages(p1, 2...2), ends: [], offsetRanges: [:])
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
        state.accept(messages(p0, 3...3), ends: [], offsetRanges: [:])
        #expect(state.offsetsToCommit(try takeBatch(state).checkpoint).mapValues(\.offset) == [p0: 4, p1: 3])
    }

    @Test func aRevocationWaitsForTheRunnerToCommitWhatItWasHanded() throws {
        let state = KafkaSourceState(capacity: 4, laneHold: .seconds(5))
        state.assign([p0])
        state.accept(messages(p0, 0...9), ends: [], offsetRanges: [:])
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
        let state = KafkaSourceState(capacity: 4, laneHold: .seconds(5))
        state.assign([p0])
        state.accept(messages(p0, 0...9), ends: [], offsetRanges: [:])
        let batch = try takeBatch(state)
        let started = ContinuousClock.now
        _ = state.revoke([p0], lost: true, drainTimeout: .seconds(10))
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(state.offsetsToCommit(batch.checkpoint).isEmpty)
    }

    @Test func caughtUpOnceEveryAssignedPartitionReachedItsEnd() {
        let state = KafkaSourceState(capacity: 4, laneHold: .seconds(5))
        #expect(!state.isCaughtUp, "nothing assigned yet")
        state.assign([p0, p1])
        state.accept([], ends: [p0], offsetRanges: [:])
        #expect(!state.isCaughtUp)
        state.accept(messages(p1, 0...0), ends: [p1], offsetRanges: [:])
        #expect(!state.isCaughtUp, "a batch still waits for the pipeline")
        _ = state.take(timeout: .zero)
        #expect(state.isCaughtUp)
        state.accept(messages(p0, 5...5), ends: [], offsetRanges: [:])
        #expect(!state.isCaughtUp, "p0 got a new message")
    }

    @Test func fullWhenTheConfiguredNumberOfBatchesWaits() {
        let state = KafkaSourceState(capacity: 2, laneHold: .seconds(5))
        state.assign([p0])
        state.accept(messages(p0, 0...0), ends: [], offsetRanges: [:])
        #expect(!state.isFull)
        state.accept(messages(p0, 1...1), ends: [], offsetRanges: [:])
        #expect(state.isFull)
        _ = state.take(timeout: .zero)
        #expect(!state.isFull)
    }

    func takeLanes(_ state: KafkaSourceState) throws -> SourceLanes {
        guard case .batch(let batch) = state.take(timeout: .zero) else { throw CancellationError() }
        return try #require(batch.lanes)
    }

    @Test func partitionsShortOfTheirEndAreBehindAndCaughtUpOnesAreNot() throws {
        let state = KafkaSourceState(capacity: 8, laneHold: .seconds(60))
        state.assign([p0, p1])
        // p1 has delivered nothing yet: behind, whatever its end.
        state.accept(messages(p0, 0...2), ends: [], offsetRanges: [p0: 0 ..< 10, p1: 0 ..< 5])
        let first = try takeLanes(state)
        #expect(first.laneOfRecord.count == 3 && Set(first.laneOfRecord).count == 1)
        let lane0 = first.laneOfRecord[0]
        #expect(Set(first.behind).count == 2)
        let lane1 = try #require(first.behind.first { $0 != lane0 })

        state.accept(messages(p1, 0...4), ends: [], offsetRanges: [p0: 0 ..< 10, p1: 0 ..< 5])
        let second = try takeLanes(state)
        #expect(second.laneOfRecord == Array(repeating: lane1, count: 5))
        #expect(second.behind == [lane0], "p1 is read to its end; p0 is at 3 of 10")

        state.accept(messages(p0, 3...9), ends: [], offsetRanges: [p0: 0 ..< 10, p1: 0 ..< 5])
        #expect(try takeLanes(state).behind.isEmpty)
        state.accept(messages(p0, 10...10), ends: [], offsetRanges: [p0: 0 ..< 13, p1: 0 ..< 5])
        #expect(try takeLanes(state).behind == [lane0], "the end moved on")
        state.accept(messages(p0, 11...11), ends: [], offsetRanges: [p0: 0 ..< 13, p1: 0 ..< 5])
        #expect(try takeLanes(state).behind.isEmpty, "one unread offset may be a transaction marker, never delivered")
    }

    @Test func aPartitionWhoseGroupOffsetIsAtItsEndHoldsNothingBack() throws {
        let state = KafkaSourceState(capacity: 8, laneHold: .seconds(60))
        state.assign([p0, p1])
        #expect(state.takePartitionsWithUnknownStart() == [p0, p1])
        #expect(state.takePartitionsWithUnknownStart().isEmpty, "asked once")
        state.setStarts(of: [p0, p1], committed: [p1: 5], resetToEnd: false)
        state.accept(messages(p0, 0...2), ends: [], offsetRanges: [p0: 0 ..< 10, p1: 0 ..< 5])
        let lanes = try takeLanes(state)
        #expect(lanes.behind == [lanes.laneOfRecord[0]], "p1 resumes at 5 of 5; p0 has records to read")
        state.assign([p1])
        #expect(state.takePartitionsWithUnknownStart() == [p1], "a new assignment asks again")
    }

    @Test func withoutACommittedOffsetAPartitionResettingToItsEndHoldsNothingBack() throws {
        let state = KafkaSourceState(capacity: 8, laneHold: .seconds(60))
        state.assign([p0, p1])
        state.setStarts(of: [p0, p1], committed: [:], resetToEnd: true)
        state.accept(messages(p0, 0...2), ends: [], offsetRanges: [p0: 0 ..< 10])
        let lanes = try takeLanes(state)
        #expect(lanes.behind == [lanes.laneOfRecord[0]], "p1 starts at its end, known or not; p0 is at 3 of 10")
    }

    @Test func anEmptyPartitionHoldsNothingBack() throws {
        let state = KafkaSourceState(capacity: 8, laneHold: .seconds(60))
        state.assign([p0, p1])
        state.accept(messages(p0, 0...2), ends: [], offsetRanges: [p0: 0 ..< 10, p1: 7 ..< 7])
        let lanes = try takeLanes(state)
        #expect(lanes.behind == [lanes.laneOfRecord[0]], "p1 holds nothing (its messages are deleted or never were)")
    }

    @Test func aSilentPartitionStopsHoldingTheOthersBackAfterTheHold() throws {
        let state = KafkaSourceState(capacity: 8, laneHold: .milliseconds(50))
        state.assign([p0, p1])
        state.accept(messages(p0, 0...0), ends: [], offsetRanges: [:])
        #expect(try takeLanes(state).behind.count == 2, "ends unknown: both behind")
        Thread.sleep(forTimeInterval: 0.1)
        #expect(state.accept(messages(p0, 1...1), ends: [], offsetRanges: [:]) == [p1], "reported once")
        let lanes = try takeLanes(state)
        #expect(lanes.behind == [lanes.laneOfRecord[0]], "p1 said nothing for longer than the hold")
        #expect(state.accept(messages(p0, 2...2), ends: [], offsetRanges: [:]).isEmpty, "already reported")
        _ = try takeLanes(state)
        state.accept(messages(p1, 0...0), ends: [], offsetRanges: [:])
        #expect(try takeLanes(state).behind.count == 2, "p1 speaks again: it holds again")
    }

    @Test func revokingKeepsEachRecordWithItsLane() throws {
        let state = KafkaSourceState(capacity: 8, laneHold: .seconds(60))
        state.assign([p0, p1])
        state.accept(messages(p0, 0...1) + messages(p1, 0...1) + messages(p0, 2...2), ends: [], offsetRanges: [:])
        _ = state.revoke([p0], lost: true, drainTimeout: .zero)
        guard case .batch(let batch) = state.take(timeout: .zero) else { throw CancellationError() }
        let lanes = try #require(batch.lanes)
        #expect(batch.records.map(\.text) == ["events[1]@0", "events[1]@1"])
        #expect(Set(lanes.laneOfRecord).count == 1 && lanes.laneOfRecord.count == 2)
        #expect(lanes.behind == [lanes.laneOfRecord[0]], "p0 is gone: it holds nothing back")
    }
}

extension KafkaSourceState {
    /// Accepts one poll's `messages` (in order) and the partitions whose `ends` it reached.
    @discardableResult
    func accept(_ messages: [(KafkaTopicPartition, Int64)], ends: [KafkaTopicPartition],
                offsetRanges: [KafkaTopicPartition: Range<Int64>]) -> [KafkaTopicPartition] {
        var batch = KafkaValueBatch()
        for (partition, offset) in messages {
            batch.append(partition, offset: offset, value: Array("\(partition)@\(offset)".utf8))
        }
        batch.ends = ends
        return accept(batch, offsetRanges: offsetRanges)
    }
}
