import Foundation
import TestScratch
import Testing

@Suite("tripline bench")
struct BenchCommandTests {
    let scratch = ScratchDirectory("bench")
    @Test("bench --quick generates a workload, measures both rule sets and prints the table")
    func quickBench() throws {
        let result = try tripline(["bench", "--quick"])
        #expect(result.status == 0, "\(result.stderr)")
        let table = result.stdout
        #expect(table.contains("events/s"), "\(table)")
        #expect(table.contains("peak RSS"))
        #expect(table.contains("median*"), "the median of the runs beside the best")
        for row in ["founding", "linux corpus"] {
            #expect(table.split(separator: "\n").contains { $0.hasPrefix(row) }, "a \(row) row in \(table)")
        }
        #expect(table.contains("latency at half the maximum rate"))
        #expect(table.contains("bytes per live key"))
        #expect(table.contains("tested per event after the rule index"), "\(table)")
        #expect(table.contains("held events compressed"), "\(table)")
        #expect(table.contains("held in the reorder buffer for sequence rules"), "\(table)")
        #expect(table.contains("found in the rule index's memo"), "the corpus rules' contained literals: \(table)")
        // The planted attacks raise exactly the founding rules' expected detections.
        #expect(table.contains("as expected"), "\(table)")
        #expect(!table.contains("MISMATCH"), "\(table)")
        // Progress goes to standard error.
        #expect(result.stderr.contains("generating workload"), "\(result.stderr)")
    }

    @Test("bench --brokers also reads the founding rules' workload from Kafka and raises the file run's alerts",
          .enabled(if: ProcessInfo.processInfo.environment["TRIPLINE_KAFKA_BROKERS"] != nil,
                   "needs the broker scripts/test.sh starts"))
    func kafkaBench() throws {
        let brokers = ProcessInfo.processInfo.environment["TRIPLINE_KAFKA_BROKERS"]!
        let result = try tripline(["bench", "--quick", "--rules", "founding", "--shards", "1", "--brokers", brokers,
                                   "--python-events", "0", "--sequence-keys", "0"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        // The file row's alerts column, and the Kafka line's figures.
        let fileRow = try #require(lines.first { $0.hasPrefix("founding ") }, "\(result.stdout)")
        let fileAlerts = fileRow.split(separator: " ")[8]
        let heading = try #require(lines.firstIndex { $0.hasPrefix("founding rules from Kafka (1,000 events in 4 partitions") },
                                   "\(result.stdout)")
        let figures = lines[heading + 1]
        #expect(figures.contains("events per CPU-second"), "\(figures)")
        #expect(figures.contains(", \(fileAlerts) alerts, latency p50 "), "the same alerts as the file run (\(fileAlerts)): \(figures)")
    }

    @Test("Ctrl-C during a measurement stops the measuring process, removes the bench's scratch directory and exits 130")
    func interruptedMeasurement() throws {
        // The scratch directory (`tripline-bench-PID`, the generated workload in it) goes under TMPDIR.
        let bench = try startBench(["--events", "50000", "--rules", "founding", "--shards", "1", "--repeats", "50"])
        let benchScratch = scratch.url.appendingPathComponent("tripline-bench-\(bench.process.processIdentifier)")
        // Once the workload is generated, a measurement runs: a child reading it in the scratch directory.
        #expect(eventually(within: 60) { !processes(reading: benchScratch.path).isEmpty }, "\(bench.stderr.text)")
        kill(bench.process.processIdentifier, SIGINT)
        bench.process.waitUntilExit()
        #expect(bench.process.terminationStatus == 130, "\(bench.stderr.text)")
        #expect(!FileManager.default.fileExists(atPath: benchScratch.path), "the scratch directory is removed")
        #expect(eventually(within: 5) { processes(reading: benchScratch.path).isEmpty }, "no measurement runs on")
        let said = bench.stderr.text
        #expect(said.contains("interrupted (SIGINT); stopped the measurement running"), "\(said)")
        #expect(said.contains("removed \(benchScratch.path)"), "\(said)")
    }

    @Test("a workload cut short while being generated is removed, not left for a later --workload run to reuse")
    func interruptedGeneration() throws {
        let workload = scratch.path("events.ndjson")
        let bench = try startBench(["--events", "5000000", "--workload", workload, "--rules", "founding", "--shards", "1"])
        #expect(eventually(within: 60) { bench.stderr.text.contains("generated 100,000 / 5,000,000 events") }, "\(bench.stderr.text)")
        #expect(FileManager.default.fileExists(atPath: workload + ".partial"), "generated under another name")
        #expect(!FileManager.default.fileExists(atPath: workload))
        kill(bench.process.processIdentifier, SIGTERM)
        bench.process.waitUntilExit()
        #expect(bench.process.terminationStatus == 143, "\(bench.stderr.text)")
        for path in [workload, workload + ".partial", workload + ".summary.json"] {
            #expect(!FileManager.default.fileExists(atPath: path), "\(path) is left")
        }
        #expect(bench.stderr.text.contains("interrupted (SIGTERM)"), "\(bench.stderr.text)")
        #expect(bench.stderr.text.contains(", \(workload).partial"), "the partial workload named among the removed: \(bench.stderr.text)")

        // Generated to the end, the workload is renamed into place beside its summary.
        let complete = try tripline(["bench", "--events", "300", "--workload", workload, "--rules", "founding", "--shards", "1",
                                     "--repeats", "1", "--python-events", "0", "--sequence-keys", "0"])
        #expect(complete.status == 0, "\(complete.stderr)")
        #expect(FileManager.default.fileExists(atPath: workload))
        #expect(FileManager.default.fileExists(atPath: workload + ".summary.json"))
        #expect(!FileManager.default.fileExists(atPath: workload + ".partial"))
        let lines = try String(contentsOfFile: workload, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 300)
    }

    /// `tripline bench ARGUMENTS` (without the Python and memory measurements) started with TMPDIR
    /// set to this test's scratch directory, its standard error collected as it runs.
    private func startBench(_ arguments: [String]) throws -> (process: Process, stderr: OutputCollector) {
        let process = Process()
        process.executableURL = triplineBinary
        process.arguments = ["bench"] + arguments + ["--python-events", "0", "--sequence-keys", "0"]
        process.currentDirectoryURL = packageRoot
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": scratch.url.path]) { $1 }
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        return (process, OutputCollector(errors.fileHandleForReading))
    }

    @Test("bench measure-reader times the reader alone on a workload's first documents, keeping the rule set's fields")
    func readerMeasurement() throws {
        let result = try tripline(["bench", "measure-reader", "--events-file", "Config/sample-events.ndjson",
                                   "--rule-set", "founding", "--document-count", "200", "--rounds", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        #expect(figures["documents"] as? Int == 200)
        let paths = try #require(figures["paths"] as? [String])
        for path in ["@timestamp", "host.id", "process.name", "process.args", "process.parent.entity_id", "user.name"] {
            #expect(paths.contains(path), "the founding rules' fields and the partition key: \(paths)")
        }
        let best = try #require(figures["bestNanosecondsPerDocument"] as? Double)
        let median = try #require(figures["medianNanosecondsPerDocument"] as? Double)
        #expect(best > 0 && best <= median, "\(result.stdout)")
        #expect((figures["valuesPerDocument"] as? Double ?? 0) >= 10, "each sample document has the founding fields: \(result.stdout)")
    }

    @Test("bench measure-reader names the file, line and column of a document it cannot read")
    func readerMeasurementOfBadWorkload() throws {
        let workload = scratch.path("bad.ndjson")
        let sample = try String(contentsOfFile: packageRoot.appendingPathComponent("Config/sample-events.ndjson").path, encoding: .utf8)
        let lines = sample.split(separator: "\n").prefix(2).map(String.init) + [#"{"@timestamp": "2026-11-25T09:00:00Z", "host": }"#]
        try lines.joined(separator: "\n").write(toFile: workload, atomically: true, encoding: .utf8)
        let result = try tripline(["bench", "measure-reader", "--events-file", workload, "--rule-set", "founding"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot read the workload's document at \(workload):3: column 48: expected a value"),
                "the file, line and column of the bad document: \(result.stderr)")
    }

    @Test("bench rejects a malformed shard list")
    func badShards() throws {
        let result = try tripline(["bench", "--shards", "0,x"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--shards"), "\(result.stderr)")
    }
}

/// The processes whose command line mentions `path`.
private func processes(reading path: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry in
        guard let id = Int32(entry), id != getpid(),
              let arguments = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
        return String(decoding: arguments, as: UTF8.self).contains(path) ? id : nil
    }
}
