import Foundation

/// Runs `scripts/bench-python-eql.py` (Elastic's Python `eql` engine) on the first events of a workload.
enum PythonEQLBaseline {
    /// Why the Python figure is missing.
    enum Unavailable: Error, CustomStringConvertible {
        case noScript(String)
        case noPython
        case failed(String)

        var description: String {
            switch self {
            case .noScript(let path): "\(path) not found (run from the package root)"
            case .noPython: "python3 not found on PATH"
            case .failed(let reason): "the script failed (is PyPI eql installed? scripts/bootstrap.sh installs it): \(reason)"
            }
        }
    }

    static let script = "scripts/bench-python-eql.py"

    static func measure(workload: String, events: Int, rules: String) throws -> PythonEQLMeasurement {
        guard FileManager.default.fileExists(atPath: script) else { throw Unavailable.noScript(script) }
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let python = searchPath.split(separator: ":").map({ URL(fileURLWithPath: String($0)).appendingPathComponent("python3") })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else { throw Unavailable.noPython }
        let output: String
        do {
            output = try MeasuringProcess.capture(python, [script, workload, "--limit", String(events), "--rules", rules])
        } catch {
            throw Unavailable.failed("\(error)")
        }
        guard let line = output.split(separator: "\n").last,
              let measurement = try? JSONDecoder().decode(PythonEQLMeasurement.self, from: Data(line.utf8)) else {
            throw Unavailable.failed("unreadable output: \(output.prefix(200))")
        }
        return measurement
    }
}
