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

    /// The process ``capture(_:_:)`` is waiting for, if any, and whether ``terminateRunning()``
    /// has been called (the bench is being interrupted).
    private static let state = Mutex<(running: pid_t?, stopping: Bool)>((nil, false))

    /// Runs `program ARGUMENTS` and returns its standard output; fails on a non-zero exit.
    static func capture(_ program: URL, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        state.withLock { $0.running = process.processIdentifier }
        defer { state.withLock { $0.running = nil } }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // A child stopped by an interruption is no failure to report: the interruption's handler
        // cleans up and exits, and this thread must not exit first (with the failure's status).
        while state.withLock({ $0.stopping }) { sleep(1) }
        guard process.terminationStatus == 0 else {
            throw BenchError.measurementFailed(arguments: [program.lastPathComponent] + arguments, status: process.terminationStatus)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Sends SIGTERM to the process ``capture(_:_:)`` is waiting for, if any, and returns its id;
    /// from then on ``capture(_:_:)`` returns no more, so that the caller (an interruption's
    /// handler, which exits) ends the process.
    static func terminateRunning() -> pid_t? {
        state.withLock { state in
            state.stopping = true
            guard let id = state.running else { return nil }
            kill(id, SIGTERM)
            return id
        }
    }
}
