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
/// this keeps their order: arrival order, for expiry, and per rule what a promotion may find, so
/// that the promotions that would find nothing scan nothing. Parking skips the heap's ordering and
/// the matchers' look at each event: most events of a corpus workload are relevant only to later
/// stages of rules whose first stage (a compiler running) almost never matches.
struct ParkedEvents {
    /// One parked event: its ordinal and its slot in the timeline.
    struct Entry {
        let ordinal: Ordinal
        let slot: Int32
    }

    /// The parked events, in arrival order.
    private var entries = Deque<Entry>()
    /// Per rule, an ordinal no lower than that of any event parked for it (nil: none is), so that a
    /// promotion behind all of them scans nothing.
    private var newestOfRule: [Ordinal?] = []
    /// Per rule, the filters matched by events parked for it (a superset once entries leave), so that
    /// a promotion of filters none of them matches scans nothing: events of a broad later stage are
    /// held in the heap for other rules all the time, and each asks for the stage after its own.
    private var filtersOfRule: [UInt64] = []

    /// Parked events.
    var count: Int { entries.count }

    /// Makes room for one more rule (its number is the count of rules before it).
    mutating func addRule() {
        newestOfRule.append(nil)
        filtersOfRule.append(0)
    }

    /// Parks the event in `slot`, relevant to `rules` (each with its filter hits).
    mutating func park(ordinal: Ordinal, slot: Int32, for rules: [Timeline.RelevantRule]) {
        entries.append(Entry(ordinal: ordinal, slot: slot))
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

    /// Removes and returns the entries `isTaken` accepts, in arrival order. `isTaken` also tells
    /// what each entry kept is parked for (its rules and their filter hits), so that what
    /// ``mayHold(for:after:hitting:)`` knows is rebuilt from the entries left.
    mutating func take(where isTaken: (Entry) -> Bool, rulesOf: (Entry) -> [Timeline.RelevantRule]) -> [Entry] {
        var taken: [Entry] = []
        var kept = Deque<Entry>()
        for index in newestOfRule.indices {
            newestOfRule[index] = nil
            filtersOfRule[index] = 0
        }
        for entry in entries {
            if isTaken(entry) {
                taken.append(entry)
            } else {
                kept.append(entry)
                for relevant in rulesOf(entry) {
                    if newestOfRule[relevant.rule].map({ $0 < entry.ordinal }) ?? true { newestOfRule[relevant.rule] = entry.ordinal }
                    filtersOfRule[relevant.rule] |= relevant.filterHits ?? .max
                }
            }
        }
        entries = kept
        return taken
    }

    /// Removes and returns the oldest-arrived entry when it is at or before `time` (an entry behind a
    /// later one waits for it, and is never promoted meanwhile: see ``Timeline``).
    mutating func popExpired(through time: Int64) -> Entry? {
        guard let first = entries.first, first.ordinal.timestamp <= time else {
            if entries.isEmpty { forgetRules() }
            return nil
        }
        return entries.removeFirst()
    }

    /// With nothing parked, what the rules' entries may hold is nothing.
    private mutating func forgetRules() {
        guard filtersOfRule.contains(where: { $0 != 0 }) else { return }
        for index in newestOfRule.indices {
            newestOfRule[index] = nil
            filtersOfRule[index] = 0
        }
    }
}
