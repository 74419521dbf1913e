import Foundation
import HeapModule

/// What a generated workload holds: counts, size, time span, and the planted scenarios with the
/// detections the founding rules should raise on it.
public struct WorkloadSummary: Sendable {
    /// Events written.
    public var events = 0
    /// Bytes written, newlines included.
    public var bytes = 0
    /// Hosts that sent events.
    public var hosts = 0
    /// Event time of the earliest event (nanoseconds since the epoch).
    public var firstEventTime = Int64.max
    /// Event time of the latest event (nanoseconds since the epoch).
    public var lastEventTime = Int64.min
    /// How many times each scenario was planted.
    public var scenarios: [PlantedScenario: Int] = [:]
    /// Events that belong to planted scenarios.
    public var scenarioEvents = 0
    /// Detections the founding rules should raise, by rule name (a sequence counts once).
    public var expectedDetections: [String: Int] = [:]

    /// Creates an empty summary.
    public init() {}

    /// Mean bytes per event (newline included).
    public var averageEventBytes: Double { events > 0 ? Double(bytes) / Double(events) : 0 }
    /// Seconds of event time the workload spans.
    public var eventTimeSpan: Double { events > 0 ? Double(lastEventTime - firstEventTime) / 1e9 : 0 }
}

/// Generates a reproducible stream of Elastic Defend Linux process events as NDJSON.
///
/// A fleet of ``WorkloadSettings/hostCount`` hosts (web, database, build, bastion, Kubernetes and
/// application servers on five distributions) boots with systemd, cron, sshd, its services and
/// logged-in shells; events are those processes starting children (`exec`), forking, and children
/// exiting (`end`), so parent entity ids, session and entry leaders and users form real process
/// trees. ``WorkloadSettings/scenarioFraction`` of the events are ``PlantedScenario``s. Each event
/// arrives up to ``WorkloadSettings/maximumArrivalDelay`` after its place in event-time order.
///
/// ```swift
/// let summary = try WorkloadGenerator(settings: WorkloadSettings(eventCount: 100_000))
///     .write(to: "/tmp/events.ndjson")
/// ```
public struct WorkloadGenerator: Sendable {
    /// The settings the workload is generated from.
    public let settings: WorkloadSettings

    /// Creates a generator.
    public init(settings: WorkloadSettings) {
        self.settings = settings
    }

    /// Writes the workload to `path` (truncating it), calling `progress` with the number of events
    /// written every 100,000 events.
    public func write(to path: String, progress: (Int) -> Void = { _ in }) throws -> WorkloadSummary {
        let file = try WorkloadFile(creating: path)
        defer { file.finish() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(WorkloadFile.bufferSize + 4096)
        let summary = try generate(emit: { line in
            buffer.append(contentsOf: line)
            buffer.append(0x0A)
            if buffer.count >= WorkloadFile.bufferSize {
                try file.append(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }, progress: progress)
        try file.append(buffer)
        return summary
    }

    /// Generates the workload, handing each event's JSON bytes (no newline) to `emit` in arrival order.
    public func generate(emit: ([UInt8]) throws -> Void, progress: (Int) -> Void = { _ in }) rethrows -> WorkloadSummary {
        var random = SeededRandom(seed: settings.seed)
        var hosts = (0 ..< settings.hostCount).map { SimulatedHost(index: $0, random: &random, start: settings.startTime - 86_400_000_000_000) }
        var encoder = ProcessEventEncoder()
        var pending = Heap<PendingEvent>()
        var summary = WorkloadSummary()
        summary.hosts = hosts.count
        var serial = 0
        var created = 0
        var time = settings.startTime
        let meanGap = 1e9 / Double(settings.eventsPerSecond)
        let scenarioChoices = PlantedScenario.allCases.map { (weight: $0.weight, value: $0) }

        func schedule(_ action: ProcessAction, _ process: SimulatedProcess, host: Int, at eventTime: Int64) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(2048)
            let eventID = "NVk" + random.hexIdentifier(21)
            let ingestDelay = Int64(random.integer(in: 300 ... 1500)) * 1_000_000
            encoder.encode(action, process: process, host: hosts[host], time: eventTime, ingestDelay: ingestDelay,
                           eventID: eventID, into: &bytes)
            let delay = settings.maximumArrivalDelay > 0 ? Int64(random.next() % UInt64(settings.maximumArrivalDelay + 1)) : 0
            pending.insert(PendingEvent(arrival: eventTime + delay, serial: serial, eventTime: eventTime, bytes: bytes))
            serial += 1
            created += 1
        }
        func release(upTo arrival: Int64) throws {
            while let next = pending.min, next.arrival <= arrival {
                let event = pending.removeMin()
                try emit(event.bytes)
                summary.events += 1
                summary.bytes += event.bytes.count + 1
                summary.firstEventTime = min(summary.firstEventTime, event.eventTime)
                summary.lastEventTime = max(summary.lastEventTime, event.eventTime)
                if summary.events % 100_000 == 0 { progress(summary.events) }
            }
        }

        while created < settings.eventCount {
            time += Int64(-meanGap * log(1 - random.unit()))
            let host = random.index(below: hosts.count)
            if Double(summary.scenarioEvents) < settings.scenarioFraction * Double(created), created + 14 <= settings.eventCount {
                let scenario = random.weighted(scenarioChoices)
                let shell = hosts[host].login(random: &random, time: time)
                schedule(.exec, shell, host: host, at: time)
                let commands = scenario.commands(random: &random)
                for (offset, command) in commands {
                    let at = time + Int64(offset * 1e9)
                    let process = hosts[host].spawnProcess(command, user: shell.user, parent: shell, random: &random, time: at)
                    schedule(.exec, process, host: host, at: at)
                }
                summary.scenarios[scenario, default: 0] += 1
                summary.scenarioEvents += commands.count + 1
                if let rule = scenario.foundingRule {
                    summary.expectedDetections[rule, default: 0] += scenario.expectedDetections(commandCount: commands.count)
                }
            } else {
                let roll = random.unit()
                if roll < 0.2, let exiting = hosts[host].takeExitingProcess(random: &random) {
                    schedule(.end, exiting, host: host, at: time)
                } else if roll < 0.4 {
                    let parent = hosts[host].pickSpawner(random: &random)
                    let child = SimulatedProcess(entityID: random.hexIdentifier(32), pid: hosts[host].allocatePID(&random),
                                                 executable: parent.executable, args: Array(parent.args.dropFirst()),
                                                 user: parent.user, kind: .leaf, workingDirectory: parent.workingDirectory,
                                                 start: time, parent: parent)
                    hosts[host].remember(child, random: &random)
                    schedule(.fork, child, host: host, at: time)
                } else {
                    let parent = hosts[host].pickSpawner(random: &random)
                    let child = hosts[host].everydayChild(of: parent, random: &random, time: time)
                    hosts[host].remember(child, random: &random)
                    schedule(.exec, child, host: host, at: time)
                }
            }
            try release(upTo: time)
        }
        try release(upTo: Int64.max)
        return summary
    }
}

/// An event waiting for its arrival time.
private struct PendingEvent: Comparable {
    let arrival: Int64
    let serial: Int
    let eventTime: Int64
    let bytes: [UInt8]

    static func < (lhs: PendingEvent, rhs: PendingEvent) -> Bool {
        (lhs.arrival, lhs.serial) < (rhs.arrival, rhs.serial)
    }

    static func == (lhs: PendingEvent, rhs: PendingEvent) -> Bool { lhs.serial == rhs.serial }
}
