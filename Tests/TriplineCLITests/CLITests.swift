import Foundation
import TestScratch
import Testing

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `tripline` executable built next to the test bundle.
var triplineBinary: URL {
    var directory = Bundle.main.bundleURL
    if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
    return directory.appendingPathComponent("tripline")
}

struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

func tripline(_ arguments: [String], stdin: String? = nil) throws -> CommandResult {
    try command(triplineBinary, arguments, stdin: stdin)
}

/// Runs `executable` with `arguments` from the package root, to its end.
func command(_ executable: URL, _ arguments: [String], stdin: String? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = packageRoot
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                         stderr: String(decoding: stderrData, as: UTF8.self))
}

/// Whether `condition` holds within `seconds`, checked every 50 ms.
func eventually(within seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date(timeIntervalSinceNow: seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return condition()
}

@Suite("tripline CLI")
struct CLITests {
    @Test("the executable was built")
    func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: triplineBinary.path), "\(triplineBinary.path)")
    }

    @Test("run on the bundled sample prints one JSON alert per line and a summary")
    func runSample() throws {
        let result = try tripline(["run", "--input", "Config/sample-events.ndjson"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 35)
        for line in lines {
            let document = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(document?["kibana.alert.uuid"] as? String != nil)
            #expect(document?["kibana.alert.rule.rule_id"] as? String != nil)
        }
        #expect(result.stderr.contains("1135 events (0 bad) → 35 alert documents"), "\(result.stderr)")
        #expect(result.stdout.contains(#""asset.owner":"dba""#), "the default pipeline enriches from Config/assets.csv")
        #expect(result.stderr.contains("3 × Suspicious Data Encryption via OpenSSL Utility"))
        #expect(result.stderr.contains("2 × Openssl Client or Server Activity"))
    }

    @Test("run reads standard input and reports a bad line with its number, going on")
    func runStdin() throws {
        let sample = try String(contentsOf: packageRoot.appendingPathComponent("Config/sample-events.ndjson"), encoding: .utf8)
        let lines = sample.split(separator: "\n").map(String.init)
        let opensslLine = try #require(lines.first { $0.contains("\"s_server\"") })
        let result = try tripline(["run", "--input", "-", "--output", "-"], stdin: "{bad\n" + opensslLine + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("<stdin>:1"), "\(result.stderr)")
        #expect(result.stderr.contains("1 events (1 bad)"), "\(result.stderr)")
    }

    @Test("rules check compiles every rule and prints a summary")
    func rulesCheck() throws {
        let result = try tripline(["rules", "check", "Rules"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("2 rules: 2 compiled, 0 failed"), "\(result.stdout)")
    }

    @Test("rules check fails on a broken rule, naming file and line")
    func rulesCheckFailure() throws {
        let scratch = ScratchDirectory()
        let directory = scratch.url
        try "[rule]\nrule_id = \"x\"\nname = \"x\"\ntype = \"eql\"\nlanguage = \"eql\"\nquery = '''\nprocess where process.name ==\n'''\n"
            .write(to: directory.appendingPathComponent("broken.toml"), atomically: true, encoding: .utf8)
        let result = try tripline(["rules", "check", directory.path])
        #expect(result.status != 0)
        // The query ends right after `==`: the error stands at the end of the query text.
        #expect(result.stdout.contains("broken.toml:8:1: query: expected an expression"), "\(result.stdout)")
        #expect(result.stdout.contains("1 rules: 0 compiled, 1 failed"))
    }

    @Test("a missing input file is a clear error and a non-zero exit")
    func missingInput() throws {
        let result = try tripline(["run", "--input", "/nonexistent.ndjson"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent.ndjson"), "\(result.stderr)")
    }

    @Test("out-of-range options are refused, naming the option")
    func optionValidation() throws {
        for (arguments, option) in [(["--shards", "0"], "--shards"), (["--lateness", "-1"], "--lateness"),
                                    (["--max-partition-skew", "-5"], "--max-partition-skew"),
                                    (["--reorder-buffer-mb", "0"], "--reorder-buffer-mb"),
                                    (["--max-partial-sequences", "0"], "--max-partial-sequences")] {
            let result = try tripline(["run", "--input", "Config/sample-events.ndjson", "--output", "-"] + arguments)
            #expect(result.status != 0)
            #expect(result.stderr.contains(option), "\(result.stderr)")
            #expect(result.stdout.isEmpty, "nothing runs")
        }
    }

    @Test("--max-partial-sequences caps each rule's partial sequences; evictions are warned about, naming the rule")
    func partialSequenceCap() throws {
        let capped = try tripline(["run", "--input", "Config/sample-events.ndjson", "--output", "-", "--max-partial-sequences", "1"])
        #expect(capped.status == 0, "\(capped.stderr)")
        #expect(capped.stderr.contains("partial sequence(s) evicted"), "\(capped.stderr)")
        #expect(capped.stderr.contains("(the most so far by 'Suspicious Data Encryption via OpenSSL Utility')"), "\(capped.stderr)")
        #expect(capped.stderr.contains("more than 1 live partial sequences in a shard"), "\(capped.stderr)")
        // The sample's encryption bursts need more than one partial sequence at a time: capped, they are lost.
        #expect(!capped.stdout.contains("Suspicious Data Encryption via OpenSSL Utility"), "no sequence alert")
        let uncapped = try tripline(["run", "--input", "Config/sample-events.ndjson", "--output", "-"])
        #expect(uncapped.stdout.contains("Suspicious Data Encryption via OpenSSL Utility"))
        #expect(!uncapped.stderr.contains("evicted"), "\(uncapped.stderr)")
    }

    @Test("pipelines lists the declared pipelines; an unknown one is refused")
    func pipelines() throws {
        let list = try tripline(["pipelines"])
        #expect(list.stdout.contains("linux-endpoint"))
        let unknown = try tripline(["run", "nope"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("linux-endpoint"))
    }
}
