import Foundation
import Synchronization

/// Runs one measurement in a fresh `tripline` process and decodes the JSON line it prints.
///
/// A fresh process per run makes `ru_maxrss` that run's peak and keeps allocator state from one
/// run out of the next.
enum MeasuringProcess {
    /// This executable.
    static var executable: URL {
        let link = URL(fileURLWithPath: "/proc/self/exe")
        if FileManager.default.fileExists(atPath: link.path) { return link.resolvingSymlinksInPath() }
        return URL(fileURLWithPath: CommandLine.arguments[0])
    }

    /// Runs `tripline ARGUMENTS` (standard error passes through) and decodes its last output line.
    static func run<Result: Decodable>(_ arguments: [String], as type: Result.Type) throws -> Result {
        let output = try capture(executable, arguments)
        guard let line = output.split(separator: "\n").last,
              let result = try? JSONDecoder().decode(Result.self, from: Data(line.utf8)) else {
            throw BenchError.unreadableMeasurement(output: output)
        }
        return result
    }

    /// The process ``capture(_:_:)`` is waiting for, if any.
    private static let running = Mutex<pid_t?>(nil)

    /// Runs `program ARGUMENTS` and returns its standard output; fails on a non-zero exit.
    static func capture(_ program: URL, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        running.withLock { $0 = process.processIdentifier }
        defer { running.withLock { $0 = nil } }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError.measurementFailed(arguments: [program.lastPathComponent] + arguments, status: process.terminationStatus)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Sends SIGTERM to the process ``capture(_:_:)`` is waiting for, if any, and returns its id.
    static func terminateRunning() -> pid_t? {
        running.withLock { running in
            guard let id = running else { return nil }
            kill(id, SIGTERM)
            return id
        }
    }
}
