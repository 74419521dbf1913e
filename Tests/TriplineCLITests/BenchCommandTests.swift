import Foundation
import Testing

@Suite("tripline bench")
struct BenchCommandTests {
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

    @Test("bench rejects a malformed shard list")
    func badShards() throws {
        let result = try tripline(["bench", "--shards", "0,x"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--shards"), "\(result.stderr)")
    }
}
