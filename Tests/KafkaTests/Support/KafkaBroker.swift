import Foundation
import Testing

/// The real Kafka-protocol broker the integration tests talk to.
///
/// `TRIPLINE_KAFKA_BROKERS` (a `bootstrap.servers` list) selects a running broker; otherwise the
/// ``RealBrokerTrait`` starts a Tansu broker through `scripts/kafka-broker.sh` for the suite and stops
/// it afterwards (and the script's watchdog stops it should the test process die).
struct KafkaBroker: Sendable {
    /// `host:port` list for `bootstrap.servers`.
    let address: String

    /// The broker of the running suite.
    @TaskLocal static var current: KafkaBroker?

    /// The broker of the running suite; fails the test when used outside a `.realBroker` suite.
    static var address: String {
        guard let current else { preconditionFailure("test needs the .realBroker trait on its suite") }
        return current.address
    }

    /// The repository root, found from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `scripts/kafka-broker.sh <command>` with `stateDirectory`, returning its standard output.
    ///
    /// Spawned with `posix_spawn` and reaped with `waitpid`: Foundation's `Process.waitUntilExit()` was seen
    /// to miss the exit of this short-lived child inside the test process and hang.
    static func script(_ command: String, stateDirectory: String) throws -> String {
        let outputPath = stateDirectory + "-\(command).out"
        defer { unlink(outputPath) }
        var environment = ProcessInfo.processInfo.environment
        environment["TRIPLINE_BROKER_STATE"] = stateDirectory
        environment["TRIPLINE_BROKER_WATCH_PID"] = String(getpid())
        let arguments = ["/bin/bash", repositoryRoot.appendingPathComponent("scripts/kafka-broker.sh").path, command]
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, argv, envp)
        guard spawned == 0 else { throw BrokerError(message: "cannot run scripts/kafka-broker.sh: errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw BrokerError(message: "scripts/kafka-broker.sh \(command) failed (wait status \(status))")
        }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts a broker of its own with `scripts/kafka-broker.sh <startCommand>` (`start-tls`,
    /// `start-sasl`), runs blocking `body` on a thread of its own with the broker's address and state
    /// directory, then stops the broker. (Expectations go outside `body`: on another thread, a failed
    /// one would not be attributed to its test.)
    static func withDedicatedBroker<T: Sendable>(
        _ startCommand: String, _ body: @escaping @Sendable (_ address: String, _ stateDirectory: String) throws -> T
    ) async throws -> T {
        let state = FileManager.default.temporaryDirectory
            .appendingPathComponent("tripline-\(startCommand)-broker-\(ProcessInfo.processInfo.processIdentifier)").path
        defer {
            _ = try? script("stop", stateDirectory: state)
            try? FileManager.default.removeItem(atPath: state)
        }
        let address = try script(startCommand, stateDirectory: state)
        return try await $current.withValue(KafkaBroker(address: address)) {
            try await Fixtures.onThread { try body(address, state) }
        }
    }

    struct BrokerError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

/// Provides a real broker to every test of the suite it is attached to (see ``KafkaBroker``).
struct RealBrokerTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        if let brokers = ProcessInfo.processInfo.environment["TRIPLINE_KAFKA_BROKERS"], !brokers.isEmpty {
            try await KafkaBroker.$current.withValue(KafkaBroker(address: brokers)) { try await function() }
            return
        }
        let state = FileManager.default.temporaryDirectory
            .appendingPathComponent("tripline-broker-\(ProcessInfo.processInfo.processIdentifier)").path
        let started = ContinuousClock.now
        let address = try KafkaBroker.script("start", stateDirectory: state)
        print("KafkaTests: started tansu at \(address) in \(ContinuousClock.now - started)")
        defer {
            _ = try? KafkaBroker.script("stop", stateDirectory: state)
            try? FileManager.default.removeItem(atPath: state)
        }
        try await KafkaBroker.$current.withValue(KafkaBroker(address: address)) { try await function() }
    }
}

extension Trait where Self == RealBrokerTrait {
    /// Runs the suite against a real Kafka-protocol broker.
    static var realBroker: Self { Self() }
}

/// Every test that needs a broker lives in a suite nested in this one.
@Suite(.realBroker) struct BrokerTests {}
