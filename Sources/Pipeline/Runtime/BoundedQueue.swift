import Foundation

/// A blocking first-in first-out queue with a fixed capacity: the hand-off between pipeline threads.
///
/// `push` blocks while the queue is full (back-pressure towards the producer), `pop` blocks while it
/// is empty. After ``close()`` pushes are refused and pops drain what is left, then return `nil`.
final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    // @unchecked: every stored property is read and written with `condition` locked.
    private let condition = NSCondition()
    private var items: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false

    /// Creates a queue holding at most `capacity` elements.
    init(capacity: Int) {
        precondition(capacity > 0)
        items = Array(repeating: nil, count: capacity)
    }

    /// Appends `element`, waiting while full; returns `false` when the queue was closed.
    @discardableResult
    func push(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while count == items.count, !closed { condition.wait() }
        guard !closed else { return false }
        items[(head + count) % items.count] = element
        count += 1
        condition.broadcast()
        return true
    }

    /// Removes the oldest element, waiting while empty; `nil` once closed and drained.
    func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0, !closed { condition.wait() }
        guard count > 0, case .element(let element) = takeFirst() else { return nil }
        return element
    }

    /// What ``pop(waitingAtMost:)`` found.
    enum Popped {
        case element(Element)
        case timedOut
        case closed
    }

    /// Removes the oldest element, waiting at most `seconds` while empty.
    func pop(waitingAtMost seconds: Double) -> Popped {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while count == 0, !closed {
            if !condition.wait(until: deadline) { return count > 0 ? takeFirst() : (closed ? .closed : .timedOut) }
        }
        return count > 0 ? takeFirst() : .closed
    }

    /// Takes the head; the lock must be held and the queue non-empty.
    private func takeFirst() -> Popped {
        let element = items[head]!
        items[head] = nil
        head = (head + 1) % items.count
        count -= 1
        condition.broadcast()
        return .element(element)
    }

    /// The number of queued elements now (for metrics and idle detection).
    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return count
    }

    /// Refuses further pushes and wakes every waiter.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// A countdown that lets several threads wait for each other once per batch.
final class CountdownLatch: @unchecked Sendable {
    // @unchecked: `remaining` is only touched with `condition` locked.
    private let condition = NSCondition()
    private var remaining: Int

    init(count: Int) { remaining = count }

    /// Counts down by one and waits until every party has.
    func arriveAndWait() {
        condition.lock()
        remaining -= 1
        if remaining == 0 { condition.broadcast() }
        while remaining > 0 { condition.wait() }
        condition.unlock()
    }
}
