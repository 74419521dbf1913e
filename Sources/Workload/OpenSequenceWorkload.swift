import ECS

/// Events that each open a partial sequence that never completes: for measuring what one live
/// sequence key costs.
///
/// Every event is one `openssl enc … -in … -out … -k …` run from its own freshly logged-in shell, so
/// it matches the first stage of "Suspicious Data Encryption via OpenSSL Utility" (`sequence by
/// host.id, user.name, process.parent.entity_id … with runs=10`) under a join key no other event
/// shares. Events are ``spacing`` nanoseconds apart in event time, so a million of them stay within
/// the rule's five-second `maxspan`.
public struct OpenSequenceWorkload {
    private var random: SeededRandom
    private var hosts: [SimulatedHost]
    private var encoder = ProcessEventEncoder()
    private var time: Int64
    private var produced = 0
    /// Event-time distance between consecutive events (nanoseconds).
    public let spacing: Int64

    /// Creates the workload; events start at `startTime` and spread over `hostCount` hosts.
    public init(seed: UInt64 = 7, hostCount: Int = 100, startTime: Int64 = 1_795_597_200_000_000_000, spacing: Int64 = 1_000) {
        var random = SeededRandom(seed: seed)
        hosts = (0 ..< max(1, hostCount)).map { SimulatedHost(index: $0, random: &random, start: startTime - 86_400_000_000_000) }
        self.random = random
        self.time = startTime
        self.spacing = spacing
    }

    /// The next `count` events, each opening a new join key.
    public mutating func nextRecords(_ count: Int) -> [RawRecord] {
        var records: [RawRecord] = []
        records.reserveCapacity(count)
        for _ in 0 ..< count {
            let host = produced % hosts.count
            let shell = hosts[host].login(random: &random, time: time)
            let file = "/srv/data/part-%H.db"
            let command = CommandTemplate("/usr/bin/openssl", ["enc", "-aes-256-cbc", "-salt", "-in", file, "-out", file + ".enc", "-k", "R4ns0m!"],
                                          cwd: "/srv/data")
            let process = hosts[host].spawnProcess(command, user: shell.user, parent: shell, random: &random, time: time)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(2048)
            encoder.encode(.exec, process: process, host: hosts[host], time: time, ingestDelay: 500_000_000,
                           eventID: "NVk" + random.hexIdentifier(21), into: &bytes)
            records.append(RawRecord(bytes: bytes, origin: .memory(index: produced)))
            produced += 1
            time += spacing
        }
        return records
    }
}
