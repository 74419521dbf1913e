import Foundation
import Synchronization

/// What `tripline bench` does on SIGINT (Ctrl-C) or SIGTERM: stops the measurement running in a
/// child process, removes what it wrote that no later run can use (its scratch directory, with a
/// generated workload of 1.7 GB for a million events, and a workload file still being generated),
/// says so on standard error and exits with 128 + the signal's number.
///
/// Without it the process died where it stood: the scratch directory stayed in the temporary
/// directory, and a measurement process killed with SIGTERM sent to the bench alone ran on.
final class BenchInterruption: @unchecked Sendable {
    // @unchecked: `sources` is set once in init and only cancelled afterwards (DispatchSource is
    // thread-safe); the paths are behind a lock.
    private let sources: [any DispatchSourceSignal]
    private let removals: Removals

    /// The paths removed on interruption.
    private final class Removals: Sendable {
        let paths: Mutex<[URL]>
        init(_ paths: [URL]) { self.paths = Mutex(paths) }
    }

    /// Installs the handlers; `removing` are the paths to remove on interruption.
    init(removing paths: [URL]) {
        let removals = Removals(paths)
        self.removals = removals
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { Self.interrupted(by: number, removing: removals) }
            source.resume()
            return source
        }
    }

    /// Removes `path` too on interruption (a file this run is writing and would leave unusable).
    func alsoRemove(_ path: URL) {
        removals.paths.withLock { $0.append(path) }
    }

    /// No longer removes `path` on interruption (it is complete).
    func keep(_ path: URL) {
        removals.paths.withLock { $0.removeAll { $0 == path } }
    }

    /// Uninstalls the handlers: a signal from now on has its default effect.
    func cancel() {
        sources.forEach { $0.cancel() }
        for number in [SIGINT, SIGTERM] { signal(number, SIG_DFL) }
    }

    private static func interrupted(by number: Int32, removing removals: Removals) {
        let stopped = MeasuringProcess.terminateRunning()
        let paths = removals.paths.withLock { $0 }
        for path in paths { try? FileManager.default.removeItem(at: path) }
        var message = "tripline bench: interrupted (\(number == SIGINT ? "SIGINT" : "SIGTERM"))"
        if let stopped { message += "; stopped the measurement running (process \(stopped))" }
        if !paths.isEmpty { message += "; removed " + paths.map(\.path).joined(separator: ", ") }
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(128 + number)
    }
}
