/// What a generated workload looks like: how many events, from how many hosts, at what event-time
/// rate, how far out of order, and how much of it is attack activity.
///
/// Every field has a default that models a mid-sized Linux fleet running Elastic Defend; the same
/// settings (seed included) always produce byte-identical output.
public struct WorkloadSettings: Sendable, Hashable {
    /// Seeds every random choice.
    public var seed: UInt64
    /// How many events to write.
    public var eventCount: Int
    /// How many distinct hosts send events.
    public var hostCount: Int
    /// Fleet-wide process events per second of event time.
    public var eventsPerSecond: Int
    /// The most an event may arrive after its own `@timestamp` order (nanoseconds). Keep it below the
    /// pipeline's allowed lateness so sequences see the same events as on sorted input.
    public var maximumArrivalDelay: Int64
    /// The share of events that belong to planted scenarios (attacks and near misses).
    public var scenarioFraction: Double
    /// Event time of the first event, nanoseconds since the Unix epoch.
    public var startTime: Int64

    /// Creates settings; see each property for its meaning.
    public init(seed: UInt64 = 20_261_125, eventCount: Int = 1_000_000, hostCount: Int = 5_000,
                eventsPerSecond: Int = 10_000, maximumArrivalDelay: Int64 = 2_000_000_000,
                scenarioFraction: Double = 0.001, startTime: Int64 = 1_795_597_200_000_000_000) {
        self.seed = seed
        self.eventCount = max(0, eventCount)
        self.hostCount = max(1, hostCount)
        self.eventsPerSecond = max(1, eventsPerSecond)
        self.maximumArrivalDelay = max(0, maximumArrivalDelay)
        self.scenarioFraction = min(1, max(0, scenarioFraction))
        self.startTime = startTime
    }
}
