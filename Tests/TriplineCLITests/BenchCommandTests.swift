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
        // The planted attacks raise exactly the founding rules' expected detections.
        #expect(table.contains("as expected"), "\(table)")
        #expect(!table.contains("MISMATCH"), "\(table)")
        // Progress goes to standard error.
        #expect(result.stderr.contains("generating workload"), "\(result.stderr)")
    }

    @Test("bench rejects a malformed shard list")
    func badShards() throws {
        let result = try tripline(["bench", "--shards", "0,x"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--shards"), "\(result.stderr)")
    }
}
