import Foundation
import Workload

/// The workload file a bench run reads, and what is known about it.
///
/// A generated workload gets a sidecar `FILE.summary.json` (counts, planted scenarios, expected
/// founding-rule detections), so `--workload FILE` can reuse it on a later run without generating
/// it again.
struct BenchWorkload: Codable {
    var path: String
    var events: Int
    var bytes: Int
    var hosts: Int?
    var eventTimeSpan: Double?
    var seed: UInt64?
    /// Planted scenarios by description.
    var scenarios: [String: Int]
    /// Detections the founding rules should raise, by rule name (unknown for foreign files).
    var expectedDetections: [String: Int]?
    var wasGenerated = false

    var averageEventBytes: Double { events > 0 ? Double(bytes) / Double(events) : 0 }

    /// Uses `path` when it exists (reading its sidecar summary, or counting its lines), otherwise
    /// generates a workload there with `settings`.
    ///
    /// The workload is generated into `PATH.partial`, announced to `writing` first, and renamed to
    /// `path` (then announced to `completed`) once it and its summary are written: a generation cut
    /// short leaves no file that a later run would take for a whole workload.
    static func prepare(path: String, settings: WorkloadSettings, log: (String) -> Void,
                        writing: (URL) -> Void = { _ in }, completed: (URL) -> Void = { _ in }) throws -> BenchWorkload {
        let summaryPath = path + ".summary.json"
        if FileManager.default.fileExists(atPath: path) {
            if let data = FileManager.default.contents(atPath: summaryPath),
               var known = try? JSONDecoder().decode(BenchWorkload.self, from: data) {
                log("reusing workload \(path) (\(known.events.grouped) events)")
                known.path = path
                known.wasGenerated = false
                return known
            }
            log("reusing workload \(path): counting its events")
            return try counted(path)
        }
        log("generating workload: \(settings.eventCount.grouped) events from \(settings.hostCount.grouped) hosts (seed \(settings.seed)) → \(path)")
        let started = Date()
        let partial = URL(fileURLWithPath: path + ".partial")
        writing(partial)
        let summary = try WorkloadGenerator(settings: settings).write(to: partial.path) { written in
            log("  generated \(written.grouped) / \(settings.eventCount.grouped) events")
        }
        log(String(format: "  done in %.1f s: %@ MB, %.0f bytes per event", Date().timeIntervalSince(started),
                   (summary.bytes / 1_000_000).grouped, summary.averageEventBytes))
        var workload = BenchWorkload(
            path: path, events: summary.events, bytes: summary.bytes, hosts: summary.hosts, eventTimeSpan: summary.eventTimeSpan,
            seed: settings.seed,
            scenarios: Dictionary(uniqueKeysWithValues: summary.scenarios.map { ($0.key.rawValue, $0.value) }),
            expectedDetections: summary.expectedDetections)
        try JSONEncoder().encode(workload).write(to: URL(fileURLWithPath: summaryPath))
        guard rename(partial.path, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path,
                                                          NSLocalizedDescriptionKey: "cannot rename \(partial.path) to \(path): \(String(cString: strerror(errno)))"])
        }
        completed(partial)
        workload.wasGenerated = true
        return workload
    }

    /// The first `count` events of this workload, written to `path`.
    func prefix(_ count: Int, writingTo path: String) throws -> BenchWorkload {
        guard let input = FileHandle(forReadingAtPath: self.path) else { throw CocoaError(.fileReadNoPermission) }
        defer { try? input.close() }
        guard FileManager.default.createFile(atPath: path, contents: nil), let output = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission)
        }
        defer { try? output.close() }
        var lines = 0, bytes = 0
        while lines < count, let chunk = try input.read(upToCount: 4 << 20), !chunk.isEmpty {
            var end = chunk.startIndex
            while end < chunk.endIndex, lines < count {
                guard let newline = chunk[end...].firstIndex(of: 0x0A) else { end = chunk.endIndex; break }
                end = newline + 1
                lines += 1
            }
            try output.write(contentsOf: chunk[chunk.startIndex ..< end])
            bytes += end - chunk.startIndex
        }
        return BenchWorkload(path: path, events: lines, bytes: bytes, hosts: hosts, eventTimeSpan: nil, seed: seed,
                             scenarios: [:], expectedDetections: nil)
    }

    /// A workload of unknown origin: its lines and bytes counted.
    private static func counted(_ path: String) throws -> BenchWorkload {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoPermission) }
        defer { try? handle.close() }
        var lines = 0, bytes = 0
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            bytes += chunk.count
            lines += chunk.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
        }
        return BenchWorkload(path: path, events: lines, bytes: bytes, scenarios: [:], expectedDetections: nil)
    }
}

extension BinaryInteger {
    /// The number with thousands separators: `1,234,567`.
    var grouped: String {
        let digits = String(self.magnitude)
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return self < 0 ? "-" + text : text
    }
}
