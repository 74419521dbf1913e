import ECS

/// The leaf conditions of the queries compiled with one pool, each written once: rules that compare
/// a field with the same constants (`host.os.type == "linux"`, `event.type == "start"`,
/// `event.action in ("exec", "exec_event")`) share one condition object, and each shared condition
/// has a slot in a ``LeafMemo``.
///
/// With Elastic's 426 Linux rules, an event that reaches the rules' conditions runs 284 string
/// comparisons of which 105 are distinct: testing each once per event, and remembering its result
/// for the other rules, removes the rest.
///
/// Used while compiling (one thread); the queries then share the conditions immutably.
public final class LeafPool {
    private var stringConditions: [String: FieldStringCondition] = [:]

    /// Creates an empty pool.
    public init() {}

    /// The number of memo slots handed out.
    public var count: Int { stringConditions.count }

    /// The condition comparing `field` with the constants `key` describes, made by `make` with the
    /// next memo slot the first time.
    func stringCondition(field: FieldID, key: String, make: (_ memoSlot: Int32) -> FieldStringCondition) -> FieldStringCondition {
        let fullKey = "\(field.index)\u{0}\(key)"
        if let existing = stringConditions[fullKey] { return existing }
        let condition = make(Int32(stringConditions.count))
        stringConditions[fullKey] = condition
        return condition
    }
}

/// The results of a ``LeafPool``'s conditions for the event being evaluated, so each is tested once
/// per event however many rules contain it.
///
/// Owned by one thread (a shard's evaluator), which calls ``beginEvent()`` before testing an event's
/// rules: results are stamped with the event's number, so starting the next event forgets them all at
/// once. Conditions read and write it through ``Slots``, a view of plain pointers that costs no
/// reference counting per test.
public final class LeafMemo {
    /// The memo's storage as the conditions use it.
    struct Slots {
        let capacity: Int
        let stamps: UnsafeMutablePointer<UInt32>
        let results: UnsafeMutablePointer<Bool>
        /// The current event's stamp.
        let current: UnsafeMutablePointer<UInt32>

        /// The result recorded for `slot` during this event, if any.
        @inline(__always)
        func result(_ slot: Int32) -> Bool? {
            let index = Int(slot)
            guard index < capacity, stamps[index] == current.pointee else { return nil }
            return results[index]
        }

        /// Records `result` for `slot` during this event.
        @inline(__always)
        func record(_ result: Bool, _ slot: Int32) {
            let index = Int(slot)
            guard index < capacity else { return }
            stamps[index] = current.pointee
            results[index] = result
        }
    }

    let slots: Slots

    /// A memo with `slots` slots: a pool's ``LeafPool/count``.
    public init(slots count: Int) {
        let size = max(1, count)
        let stamps = UnsafeMutablePointer<UInt32>.allocate(capacity: size)
        stamps.initialize(repeating: 0, count: size)
        let results = UnsafeMutablePointer<Bool>.allocate(capacity: size)
        results.initialize(repeating: false, count: size)
        let current = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
        current.initialize(to: 1)
        slots = Slots(capacity: count, stamps: stamps, results: results, current: current)
    }

    deinit {
        slots.stamps.deallocate()
        slots.results.deallocate()
        slots.current.deallocate()
    }

    /// Forgets the previous event's results.
    public func beginEvent() {
        slots.current.pointee &+= 1
        if slots.current.pointee == 0 {
            slots.stamps.update(repeating: 0, count: max(1, slots.capacity))
            slots.current.pointee = 1
        }
    }
}
