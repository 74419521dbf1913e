import Detection
import Dispatch
import ECS

/// One source batch on its way through the shards.
///
/// Each worker decodes one slice of the records into its ``DecodedSlice`` and meets the others at
/// the latch; then each reads its own bucket from every slice. Slices are written by exactly one
/// worker before the latch and only read after it.
final class BatchWork: @unchecked Sendable {
    // @unchecked: `slices[i]` is mutated only by worker i before `latch`, read by all after it.
    let number: Int
    let records: [RawRecord]
    let checkpoint: SourceCheckpoint?
    let lanes: SourceLanes?
    let slices: [DecodedSlice]
    let latch: CountdownLatch
    /// When the source handed the batch over (monotonic nanoseconds).
    let readAt = DispatchTime.now().uptimeNanoseconds

    init(number: Int, batch: RecordBatch, slices: Int) {
        self.number = number
        self.records = batch.records
        self.checkpoint = batch.checkpoint
        self.lanes = batch.lanes
        self.slices = (0 ..< slices).map { _ in DecodedSlice(shards: slices) }
        self.latch = CountdownLatch(count: slices)
    }

    /// The records worker `index` of `count` decodes: a contiguous range, so order is kept.
    func sliceRange(_ index: Int, of count: Int) -> Range<Int> {
        let size = (records.count + count - 1) / count
        let start = min(records.count, index * size)
        return start ..< min(records.count, start + size)
    }
}

/// The events one worker decoded from its slice, bucketed by shard, the records it rejected, and
/// (for a source with lanes) the newest event times it saw per lane.
final class DecodedSlice: @unchecked Sendable {
    // @unchecked: see BatchWork.
    let buckets: [EventBucket]
    var deadLetters: [DeadLetter] = []
    var laneClock: LaneClock?

    init(shards: Int) { buckets = (0 ..< shards).map { _ in EventBucket() } }
}

/// The events of one slice for one shard: filled by the slice's worker before the batch's latch,
/// taken by the shard's worker after it. A box per shard, so that taking one moves its array out
/// (uniquely referenced, its events are then moved one by one into evaluation, not copied)
/// without writing to an array the other workers read.
final class EventBucket: @unchecked Sendable {
    // @unchecked: see BatchWork.
    var events: [Event] = []

    /// The events, leaving the bucket empty.
    func take() -> [Event] {
        var taken: [Event] = []
        swap(&taken, &events)
        return taken
    }
}

/// What a worker hands to the output stage for one batch (or, with `number == nil`, alerts released
/// while idle or at end of input).
struct WorkerResult: Sendable {
    let shard: Int
    let number: Int?
    let readAt: UInt64
    let newestEventTime: Int64
    /// The shard's ``RuleEvaluator/settledEventTime`` after this result.
    let settledEventTime: Int64
    /// For a batch with lanes: how many lanes are behind, and how far (event-time nanoseconds) that
    /// holds sequence rules back.
    let laneWait: (behind: Int, nanoseconds: Int64)?
    let checkpoint: SourceCheckpoint?
    let alerts: [Alert]
    let deadLetters: [DeadLetter]
    let records: Int
    let events: Int
    let statistics: EvaluatorStatistics
}

/// A shard: decodes its slice of every batch, then evaluates the rules on its hosts' events.
struct ShardWorker: Sendable {
    let shard: Int
    let shardCount: Int
    let ruleSet: RuleSet
    let normalizer: any EventNormalizer
    let partitionField: FieldID?
    let allowedLateness: Duration
    let maximumLaneSkew: Duration
    let reorderBufferBytes: Int

    func run(input: BoundedQueue<BatchWork>, output: BoundedQueue<WorkerResult>) {
        var reader = EventReader(catalog: ruleSet.catalog, timestampPaths: ruleSet.timestampPaths)
        var evaluator = RuleEvaluator(ruleSet: ruleSet, allowedLateness: allowedLateness.wholeNanoseconds,
                                      maximumBufferedBytes: reorderBufferBytes)
        evaluator.skippedEventKeyField = partitionField
        let maximumSkew = maximumLaneSkew.wholeNanoseconds
        // Every worker merges every slice's lane times, so all hold the same clock.
        var laneClock = evaluator.makeLaneClock()
        var lastInput = DispatchTime.now().uptimeNanoseconds
        while true {
            let work: BatchWork
            switch input.pop(waitingAtMost: 1) {
            case .element(let next):
                work = next
                lastInput = DispatchTime.now().uptimeNanoseconds
            case .timedOut:
                var alerts: [Alert] = []
                let idle = Int64(DispatchTime.now().uptimeNanoseconds - lastInput)
                evaluator.advanceWhileIdle(idleNanoseconds: idle, into: &alerts)
                if !output.push(idleResult(alerts, evaluator: evaluator)) { return }
                continue
            case .closed:
                var alerts: [Alert] = []
                evaluator.finish(into: &alerts)
                output.push(idleResult(alerts, evaluator: evaluator))
                return
            }
            let slice = work.slices[shard]
            let range = work.sliceRange(shard, of: shardCount)
            let lanes = laneClock.isEmpty ? nil : work.lanes
            if lanes != nil { slice.laneClock = evaluator.makeLaneClock() }
            // Decoded into local arrays, handed to the slice's buckets at the end: appending to a
            // bucket (an object) retained and released it per event.
            var decoded = [[Event]](repeating: [], count: shardCount)
            for index in range {
                do throws(EventReadError) {
                    let event = try normalizer.normalize(work.records[index], reader: &reader)
                    if let lanes { slice.laneClock?.observe(event, lane: lanes.laneOfRecord[index]) }
                    // The bucket takes the event over: with a later use, appending it had copied it.
                    let bucket = shardIndex(of: event)
                    decoded[bucket].append(consume event)
                } catch {
                    let record = work.records[index]
                    slice.deadLetters.append(DeadLetter(record: record, reason: error.description))
                }
            }
            for bucket in decoded.indices { swap(&slice.buckets[bucket].events, &decoded[bucket]) }
            work.latch.arriveAndWait()
            var ceilings: [Int64]?
            var laneWait: (behind: Int, nanoseconds: Int64)?
            if let lanes {
                for decoded in work.slices { if let clock = decoded.laneClock { laneClock.merge(clock) } }
                ceilings = laneClock.ceilings(holdingBack: lanes.behind, maximumSkew: maximumSkew)
                laneWait = (lanes.behind.count, laneClock.wait(under: ceilings))
            }
            var alerts: [Alert] = []
            var events = 0
            var newest = Int64.min
            let buckets = work.slices.map { $0.buckets[shard].take() }
            for bucket in buckets {
                events += bucket.count
                for index in bucket.indices where bucket[index].timestamp > newest { newest = bucket[index].timestamp }
            }
            // One release for the whole batch: the ceilings cover every slice.
            evaluator.process(parts: consume buckets, ceilings: ceilings, into: &alerts)
            let pushed = output.push(WorkerResult(shard: shard, number: work.number, readAt: work.readAt,
                                                  newestEventTime: newest, settledEventTime: evaluator.settledEventTime,
                                                  laneWait: laneWait, checkpoint: work.checkpoint,
                                                  alerts: alerts, deadLetters: slice.deadLetters, records: range.count,
                                                  events: events, statistics: evaluator.statistics))
            if !pushed { return }
        }
    }

    /// A result that belongs to no batch: alerts released by idleness or at end of input.
    func idleResult(_ alerts: [Alert], evaluator: RuleEvaluator) -> WorkerResult {
        WorkerResult(shard: shard, number: nil, readAt: DispatchTime.now().uptimeNanoseconds, newestEventTime: Int64.min,
                     settledEventTime: evaluator.settledEventTime, laneWait: nil, checkpoint: nil, alerts: alerts, deadLetters: [],
                     records: 0, events: 0, statistics: evaluator.statistics)
    }

    /// The shard of an event: FNV-1a of its partition key's first value, modulo the shard count.
    func shardIndex(of event: Event) -> Int {
        guard shardCount > 1, let partitionField else { return 0 }
        let range = event.slotRange(of: partitionField)
        guard let first = range.first else { return 0 }
        let slot = event.slots[first]
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        switch slot.kind {
        case .string:
            event.withBytes(of: slot.stringBytes) { bytes in
                for byte in bytes {
                    hash ^= UInt64(byte)
                    hash = hash &* 0x0000_0100_0000_01b3
                }
            }
        default:
            hash ^= UInt64(bitPattern: slot.integerValue)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(shardCount))
    }
}
