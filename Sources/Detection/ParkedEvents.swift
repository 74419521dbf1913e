import DequeModule
import EQL

/// The order of the events a ``Timeline`` holds aside, out of its reorder heap, because the
/// sequence rules they are relevant to could do nothing with them if they were released now.
///
/// An event is parked when, for each rule it is relevant to, each filter it matches is one that
/// only extends partial sequences (``SequenceStageLinks/extendingFilters``: a later stage of
/// `sequence [a] [process where event.action == "exec"]`) and nothing waits at the stage before
/// (see ``Timeline`` for the exact condition and why the matchers see the same events). A parked
/// event is either promoted into the heap, keeping its ordinal, when an event of the stage before
/// is held behind it, or dropped once released time passes it, where the heap would have released
/// it to matchers that had nothing for it. The timeline keeps the events themselves in its slots;
/// this keeps them by event time, in buckets of 2^``bucketShift`` nanoseconds (so that one expires within a bucket
/// of released time passing it, not behind events that arrived before it with later times), and per
/// rule what a promotion may find, so that the promotions that would find nothing scan nothing. Parking skips the heap's ordering and
/// the matchers' look at each event: most events of a corpus workload are relevant only to later
/// stages of rules whose first stage (a compiler running) almost never matches.
struct ParkedEvents {
    /// One parked event: its ordinal and its slot in the timeline.
    struct Entry {
        let ordinal: Ordinal
        let slot: Int32
    }

    /// The parked events by event time: bucket `i` holds those whose time shifted right by
    /// ``bucketShift`` is `firstBucket + i`, in arrival order.
    private var buckets = Deque<[Entry]>()
    /// The number of the first bucket (meaningless while there are none).
    private var firstBucket: Int64 = 0
    /// Emptied buckets, kept with their capacity for the next ones.
    private var spareBuckets: [[Entry]] = []
    /// log2 of the event time each bucket spans, in nanoseconds (2^27: about 134 ms). A shift, not
    /// a division: times before 1970 are negative, and must round down too.
    static let bucketShift: Int64 = 27
    /// Parked events.
    private(set) var count = 0
    /// Per rule, an ordinal no lower than that of any event parked for it (nil: none is), so that a
    /// promotion behind all of them scans nothing.
    private var newestOfRule: [Ordinal?] = []
    /// Per rule, the filters matched by events parked for it (a superset once entries leave), so that
    /// a promotion of filters none of them matches scans nothing: events of a broad later stage are
    /// held in the heap for other rules all the time, and each asks for the stage after its own.
    private var filtersOfRule: [UInt64] = []

    /// Makes room for one more rule (its number is the count of rules before it).
    mutating func addRule() {
        newestOfRule.append(nil)
        filtersOfRule.append(0)
    }

    /// Parks the event in `slot`, relevant to `rules` (each with its filter hits).
    mutating func park(ordinal: Ordinal, slot: Int32, for rules: [Timeline.RelevantRule]) {
        let bucket = ordinal.timestamp >> Self.bucketShift
        if buckets.isEmpty { firstBucket = bucket }
        while bucket < firstBucket {
            buckets.prepend(spareBuckets.popLast() ?? [])
            firstBucket -= 1
        }
        while bucket - firstBucket >= Int64(buckets.count) { buckets.append(spareBuckets.popLast() ?? []) }
        buckets[Int(bucket - firstBucket)].append(Entry(ordinal: ordinal, slot: slot))
        count += 1
        for relevant in rules {
            if newestOfRule[relevant.rule].map({ $0 < ordinal }) ?? true { newestOfRule[relevant.rule] = ordinal }
            filtersOfRule[relevant.rule] |= relevant.filterHits ?? .max
        }
    }

    /// Whether an event parked for `rule` may have an ordinal above `ordinal` (any, when nil) and
    /// match one of `filters`.
    func mayHold(for rule: Int, after ordinal: Ordinal?, hitting filters: UInt64) -> Bool {
        guard let newest = newestOfRule[rule], filtersOfRule[rule] & filters != 0 else { return false }
        return ordinal.map { newest > $0 } ?? true
    }

    /// Removes and returns the entries `isTaken` accepts, in the order of their buckets. `isTaken`
    /// also tells what each entry kept is parked for (its rules and their filter hits), so that what
    /// ``mayHold(for:after:hitting:)`` knows is rebuilt from the entries left.
    mutating func take(where isTaken: (Entry) -> Bool, rulesOf: (Entry) -> [Timeline.RelevantRule]) -> [Entry] {
        var taken: [Entry] = []
        for index in newestOfRule.indices {
            newestOfRule[index] = nil
            filtersOfRule[index] = 0
        }
        for bucket in buckets.indices {
            var kept = 0
            for position in buckets[bucket].indices {
                let entry = buckets[bucket][position]
                if isTaken(entry) {
                    taken.append(entry)
                    continue
                }
                buckets[bucket][kept] = entry
                kept += 1
                for relevant in rulesOf(entry) {
                    if newestOfRule[relevant.rule].map({ $0 < entry.ordinal }) ?? true { newestOfRule[relevant.rule] = entry.ordinal }
                    filtersOfRule[relevant.rule] |= relevant.filterHits ?? .max
                }
            }
            buckets[bucket].removeLast(buckets[bucket].count - kept)
        }
        count -= taken.count
        return taken
    }

    /// Removes the entries at or before `time` (whole buckets before the one `time` is in, and
    /// those of that one), passing each to `expire`.
    mutating func expire(through time: Int64, _ expire: (Entry) -> Void) {
        guard count > 0 else { return forgetRules() }
        let last = time >> Self.bucketShift
        while firstBucket < last, var bucket = buckets.popFirst() {
            firstBucket += 1
            for entry in bucket { expire(entry) }
            count -= bucket.count
            bucket.removeAll(keepingCapacity: true)
            spareBuckets.append(bucket)
        }
        if firstBucket == last, !buckets.isEmpty {
            var kept = 0
            for position in buckets[0].indices {
                let entry = buckets[0][position]
                if entry.ordinal.timestamp <= time {
                    expire(entry)
                    continue
                }
                buckets[0][kept] = entry
                kept += 1
            }
            count -= buckets[0].count - kept
            buckets[0].removeLast(buckets[0].count - kept)
        }
        if count == 0 { forgetRules() }
    }

    /// With nothing parked, what the rules' entries may hold is nothing.
    private mutating func forgetRules() {
        buckets.removeAll()
        guard filtersOfRule.contains(where: { $0 != 0 }) else { return }
        for index in newestOfRule.indices {
            newestOfRule[index] = nil
            filtersOfRule[index] = 0
        }
    }
}
