import ECS
import Foundation
import Pipeline

/// What a ``KafkaSource``'s poll thread, its run thread, the rebalance callback and the runner's
/// commits share: the batches polled but not yet handed to the pipeline, and the offset book-keeping
/// that decides what may be committed.
///
/// Every partition assignment gets a fresh *epoch*. Positions carry the epoch they were read in, and
/// only positions of a partition's current epoch are committed: once a partition is revoked, offsets
/// read before can never be committed by this consumer, whatever the pipeline still holds.
final class KafkaSourceState: @unchecked Sendable {
    // @unchecked: every stored property is read and written with `condition` locked.

    /// A next-offset and the assignment epoch it was read in.
    struct Position: Sendable, Hashable {
        var offset: Int64
        var epoch: Int
    }

    /// Records polled from Kafka, waiting for the run thread.
    struct PendingBatch {
        var records: [RawRecord]
        /// Cumulative positions after these records.
        var positions: [KafkaTopicPartition: Position]
        /// The lane of each record, and the lanes still behind after them.
        var lanes: SourceLanes
    }

    /// What ``take(timeout:)`` found.
    enum Take {
        case batch(RecordBatch)
        case idle
        case finished(Error?)
    }

    private let condition = NSCondition()
    private let capacity: Int
    private var queue: [PendingBatch] = []
    private var finished = false
    private var failure: Error?
    private var stopping = false
    private var nextEpoch = 1
    /// Current epoch per assigned partition.
    private var epochs: [KafkaTopicPartition: Int] = [:]
    /// Positions read (polled) so far in the current epochs.
    private var read: [KafkaTopicPartition: Position] = [:]
    /// Positions handed to the pipeline so far.
    private var emitted: [KafkaTopicPartition: Position] = [:]
    /// Positions committed so far.
    private var committed: [KafkaTopicPartition: Position] = [:]
    /// Assigned partitions whose end the consumer has reached (with `enable.partition.eof`).
    private var atEnd: Set<KafkaTopicPartition> = []
    /// The lane number of every partition ever assigned (see ``SourceLanes``).
    private var lanes: [KafkaTopicPartition: Int32] = [:]
    /// When each assigned partition last delivered a record, or was assigned (monotonic nanoseconds).
    private var lastHeard: [KafkaTopicPartition: UInt64] = [:]
    /// How long (nanoseconds) a partition that delivers nothing may keep holding sequence rules back.
    private let laneHold: UInt64
    /// Partitions with unread records that stopped holding sequence rules back (silent too long).
    private var stalled: Set<KafkaTopicPartition> = []
    /// Where each assigned partition's reading starts (the group's committed offset), until its first
    /// record is read; with it, a partition already at its end does not count as behind.
    private var startOffsets: [KafkaTopicPartition: Int64] = [:]
    /// Assigned partitions whose start has not been asked for yet.
    private var startUnknown: Set<KafkaTopicPartition> = []
    /// Assigned partitions without a committed offset that start at their end (`auto.offset.reset`
    /// `latest`): until their first record they have nothing unread.
    private var startAtEnd: Set<KafkaTopicPartition> = []

    /// Creates the state for a source buffering up to `capacity` batches ahead of the pipeline, whose
    /// partitions hold sequence rules back while behind for at most `laneHold` without delivering.
    init(capacity: Int, laneHold: Duration) {
        self.capacity = max(1, capacity)
        self.laneHold = UInt64(laneHold.wholeNanoseconds)
    }

    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }

    // MARK: Poll thread

    /// Whether the pipeline is behind: the poll thread pauses fetching until ``take(timeout:)`` makes room.
    var isFull: Bool { locked { queue.count >= capacity } }

    /// Queues the records of one poll (dropping any from partitions no longer assigned) and notes the
    /// partitions whose end was reached. `offsetRanges` are the partitions' offsets as of the last fetch.
    /// Returns the partitions that, with records still unread, have just been silent for longer than
    /// the hold and no longer hold sequence rules back (each reported once per silence).
    @discardableResult
    func accept(_ batch: KafkaValueBatch, offsetRanges: [KafkaTopicPartition: Range<Int64>]) -> [KafkaTopicPartition] {
        locked {
            let now = DispatchTime.now().uptimeNanoseconds
            var records: [RawRecord] = []
            var laneOfRecord: [Int32] = []
            records.reserveCapacity(batch.messages.count)
            laneOfRecord.reserveCapacity(batch.messages.count)
            // The books are kept per run of one partition's messages, not per message.
            for run in batch.runs {
                let partition = run.partition
                guard let epoch = epochs[partition], let lane = lanes[partition], let last = run.messages.last else { continue }
                for message in batch.messages[run.messages] {
                    records.append(RawRecord(bytes: batch.value(of: message),
                                             origin: .kafka(topic: run.topic, partition: partition.partition, offset: message.offset)))
                    laneOfRecord.append(lane)
                }
                read[partition] = Position(offset: batch.messages[last].offset + 1, epoch: epoch)
                lastHeard[partition] = now
                stalled.remove(partition)
                atEnd.remove(partition)
            }
            for partition in batch.ends where epochs[partition] != nil { atEnd.insert(partition) }
            guard !records.isEmpty else { return [] }
            let (behind, newlyStalled) = lanesBehind(offsetRanges: offsetRanges, now: now)
            queue.append(PendingBatch(records: records, positions: read,
                                      lanes: SourceLanes(laneOfRecord: laneOfRecord, behind: behind)))
            condition.broadcast()
            return newlyStalled
        }
    }

    /// The lanes of assigned partitions with records not read yet (lock held): not empty and more than
    /// one offset short of their end (or of unknown end, or not read from yet), unless silent for
    /// longer than `laneHold` (a stuck fetch must not stall the other partitions' sequences forever).
    /// One unread offset does not count: on a transactional topic it is the commit marker, which a
    /// consumer never receives.
    /// Also returns the partitions newly found silent for too long.
    private func lanesBehind(offsetRanges: [KafkaTopicPartition: Range<Int64>],
                             now: UInt64) -> (behind: [Int32], newlyStalled: [KafkaTopicPartition]) {
        var behind: [Int32] = []
        var newlyStalled: [KafkaTopicPartition] = []
        for partition in epochs.keys where !atEnd.contains(partition) {
            guard let lane = lanes[partition], let heard = lastHeard[partition] else { continue }
            if read[partition] == nil, startAtEnd.contains(partition) { continue }
            if let range = offsetRanges[partition] {
                if range.isEmpty { continue }
                if let next = nextOffset(of: partition), next &+ 1 >= range.upperBound { continue }
            }
            if now - heard <= laneHold {
                behind.append(lane)
            } else if stalled.insert(partition).inserted {
                newlyStalled.append(partition)
            }
        }
        return (behind, newlyStalled.sorted())
    }

    /// How many messages each assigned partition holds past the next offset to read, by
    /// `offsetRanges` (the partitions' offsets as of the last fetch; partitions without one are left
    /// out). A partition not read from yet counts from where reading starts.
    func unreadCounts(offsetRanges: [KafkaTopicPartition: Range<Int64>]) -> [KafkaTopicPartition: Int64] {
        locked {
            var counts: [KafkaTopicPartition: Int64] = [:]
            for partition in epochs.keys {
                guard let range = offsetRanges[partition] else { continue }
                let next = nextOffset(of: partition) ?? (startAtEnd.contains(partition) ? range.upperBound : range.lowerBound)
                counts[partition] = max(0, range.upperBound - next)
            }
            return counts
        }
    }

    /// The next offset to read in `partition` (lock held): past the last record read in this epoch,
    /// else where the group's committed offset says reading starts; `nil` when neither is known.
    private func nextOffset(of partition: KafkaTopicPartition) -> Int64? {
        read[partition]?.offset ?? startOffsets[partition]
    }

    /// Whether every assigned partition has been read to its end and handed to the pipeline.
    var isCaughtUp: Bool { locked { !epochs.isEmpty && queue.isEmpty && epochs.keys.allSatisfy(atEnd.contains) } }

    /// Records the end of polling; `error` is rethrown by the run thread.
    func finish(_ error: Error?) {
        locked {
            finished = true
            failure = error
            condition.broadcast()
        }
    }

    /// Waits until the poll thread called ``finish(_:)``.
    func waitUntilFinished() {
        locked { while !finished { condition.wait() } }
    }

    /// Asks waits in the rebalance handler to give up (the source is stopping or closing).
    func beginStopping() {
        locked {
            stopping = true
            condition.broadcast()
        }
    }

    // MARK: Rebalance callback (on the poll thread)

    /// Partitions newly assigned: a new epoch each.
    func assign(_ partitions: [KafkaTopicPartition]) {
        locked {
            let now = DispatchTime.now().uptimeNanoseconds
            for partition in partitions {
                epochs[partition] = nextEpoch
                nextEpoch += 1
                read[partition] = nil
                lastHeard[partition] = now
                startOffsets[partition] = nil
                startAtEnd.remove(partition)
                startUnknown.insert(partition)
                if lanes[partition] == nil { lanes[partition] = Int32(lanes.count) }
                atEnd.remove(partition)
            }
        }
    }

    /// The assigned partitions whose start offset nobody has asked for yet; each is returned once.
    func takePartitionsWithUnknownStart() -> [KafkaTopicPartition] {
        locked {
            defer { startUnknown.removeAll() }
            return startUnknown.sorted()
        }
    }

    /// Records where reading starts for `partitions` (those still assigned): at their committed
    /// offset when `offsets` has one, else at the reset position — their end when `resetToEnd`
    /// (nothing unread), their beginning otherwise (behind while not empty).
    func setStarts(of partitions: [KafkaTopicPartition], committed offsets: [KafkaTopicPartition: Int64], resetToEnd: Bool) {
        locked {
            for partition in partitions where epochs[partition] != nil {
                if let offset = offsets[partition] {
                    startOffsets[partition] = offset
                } else if resetToEnd {
                    startAtEnd.insert(partition)
                }
            }
        }
    }

    /// Partitions being revoked: drops their records not yet handed to the pipeline, waits up to
    /// `drainTimeout` for the runner to commit what it was handed (unless `lost`), then forgets them so
    /// nothing read in this epoch is committed later.
    func revoke(_ partitions: [KafkaTopicPartition], lost: Bool, drainTimeout: Duration) -> (drained: Bool, dropped: Int) {
        locked {
            let revoked = Set(partitions)
            var dropped = 0
            for index in queue.indices {
                let revokedLanes = Set(revoked.compactMap { lanes[$0] })
                let batch = queue[index]
                let kept = batch.records.indices.filter { !revokedLanes.contains(batch.lanes.laneOfRecord[$0]) }
                dropped += batch.records.count - kept.count
                queue[index].records = kept.map { batch.records[$0] }
                queue[index].lanes = SourceLanes(laneOfRecord: kept.map { batch.lanes.laneOfRecord[$0] },
                                                 behind: batch.lanes.behind.filter { !revokedLanes.contains($0) })
                for partition in revoked { queue[index].positions[partition] = emitted[partition] }
            }
            queue.removeAll { $0.records.isEmpty }
            condition.broadcast()
            var drained = true
            if !lost {
                let deadline = Date().addingTimeInterval(Double(drainTimeout.wholeNanoseconds) / 1e9)
                while !stopping, !isDrained(revoked) {
                    if !condition.wait(until: deadline) { break }
                }
                drained = isDrained(revoked)
            }
            for partition in revoked {
                epochs[partition] = nil
                read[partition] = nil
                emitted[partition] = nil
                committed[partition] = nil
                lastHeard[partition] = nil
                stalled.remove(partition)
                startOffsets[partition] = nil
                startAtEnd.remove(partition)
                startUnknown.remove(partition)
                atEnd.remove(partition)
            }
            return (drained, dropped)
        }
    }

    /// Whether every position handed to the pipeline for `partitions` is committed (lock held).
    private func isDrained(_ partitions: Set<KafkaTopicPartition>) -> Bool {
        partitions.allSatisfy { partition in
            guard let emitted = emitted[partition] else { return true }
            guard let committed = committed[partition], committed.epoch == emitted.epoch else { return false }
            return committed.offset >= emitted.offset
        }
    }

    // MARK: Run thread

    /// Takes the oldest pending batch, waiting up to `timeout`, and marks its positions handed out.
    func take(timeout: Duration) -> Take {
        locked {
            if queue.isEmpty, !finished {
                _ = condition.wait(until: Date().addingTimeInterval(Double(timeout.wholeNanoseconds) / 1e9))
            }
            guard !queue.isEmpty else { return finished ? .finished(failure) : .idle }
            let batch = queue.removeFirst()
            let current = batch.positions.filter { epochs[$0.key] == $0.value.epoch }
            emitted.merge(current) { _, new in new }
            condition.broadcast()
            return .batch(RecordBatch(records: batch.records,
                                      checkpoint: SourceCheckpoint(KafkaCheckpoint(positions: batch.positions)),
                                      lanes: batch.lanes))
        }
    }

    // MARK: Commits (runner's thread)

    /// The offsets of `checkpoint` worth committing: current epoch, beyond what is already committed.
    func offsetsToCommit(_ checkpoint: KafkaCheckpoint) -> [KafkaTopicPartition: Position] {
        locked {
            var offsets: [KafkaTopicPartition: Position] = [:]
            for (partition, offset) in checkpoint.nextOffsets {
                guard let epoch = checkpoint.epochs[partition], epochs[partition] == epoch else { continue }
                if let done = committed[partition], done.epoch == epoch, done.offset >= offset { continue }
                offsets[partition] = Position(offset: offset, epoch: epoch)
            }
            return offsets
        }
    }

    /// Records a successful commit (and wakes a rebalance waiting for it).
    func didCommit(_ offsets: [KafkaTopicPartition: Position]) {
        locked {
            for (partition, position) in offsets where epochs[partition] == position.epoch {
                committed[partition] = position
            }
            condition.broadcast()
        }
    }
}
