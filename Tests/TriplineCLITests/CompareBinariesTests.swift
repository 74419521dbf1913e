import Foundation
import TestScratch
import Testing

/// `scripts/compare-binaries.py`: interleaved runs of several binaries, their speeds, and whether
/// they raise the same alerts.
@Suite("scripts/compare-binaries.py")
struct CompareBinariesTests {
    let scratch = ScratchDirectory("compare")

    func compare(_ binaries: [String]) throws -> CommandResult {
        try command(URL(fileURLWithPath: "/usr/bin/env"),
                    ["python3", "scripts/compare-binaries.py", "--events-file", "Config/sample-events.ndjson",
                     "--rules", "founding", "--runs", "2"] + binaries)
    }

    @Test("two runs of the same binary: speeds for each, the same alerts")
    func sameBinary() throws {
        let result = try compare([triplineBinary.path, triplineBinary.path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").filter { $0.contains("median") }
        #expect(lines.count == 2, "\(result.stdout)")
        #expect(lines.allSatisfy { $0.contains("same alerts") && $0.contains("runs ") }, "\(result.stdout)")
        #expect(result.stdout.contains("against the first"), "\(result.stdout)")
        #expect(result.stderr.contains("run 2 of 2"), "progress on standard error: \(result.stderr)")
    }

    @Test("a binary that raises other alerts is reported, and the script fails")
    func otherAlerts() throws {
        // The same binary with only one of the founding rules: fewer alerts.
        let rules = scratch.url.appendingPathComponent("rules")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Rules/linux_openssl_client_or_server_activity.toml"),
                                         to: rules.appendingPathComponent("linux_openssl_client_or_server_activity.toml"))
        let wrapper = scratch.path("tripline-one-rule")
        try "#!/bin/sh\nexec '\(triplineBinary.path)' \"$@\" --rules-directory '\(rules.path)'\n"
            .write(toFile: wrapper, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper)
        let result = try compare([triplineBinary.path, wrapper])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("ALERTS DIFFER"), "\(result.stdout)")
    }

    @Test("one binary is refused: there is nothing to compare")
    func oneBinary() throws {
        let result = try compare([triplineBinary.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("at least two binaries"), "\(result.stderr)")
    }
}
