import Detection
import ECS
import Foundation
import Pipeline
import TestScratch
import Testing

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let samplePath = packageRoot.appendingPathComponent("Config/sample-events.ndjson").path
let rulesPath = packageRoot.appendingPathComponent("Rules").path

func readJSONLines(_ path: String) throws -> [[String: Any]] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
}

func run(input: String, output: String, shards: Int, deadLetters: String? = nil) async throws -> RunReport {
    var pipeline = Pipeline("test") {
        ReadNDJSON(path: input)
        PartitionBy("host.id", shards: .count(shards))
        Detect(rules: rulesPath)
        WriteNDJSON(path: output)
    }
    if let deadLetters { pipeline.deadLetters = .file(path: deadLetters) }
    return try await PipelineRunner.prepare(pipeline).run()
}

/// The alert ids of the file pipeline on the bundled sample (one shard).
func sampleAlertIDs() async throws -> Set<String> {
    let scratch = ScratchDirectory()
    let output = scratch.path("alerts.ndjson")
    _ = try await run(input: samplePath, output: output, shards: 1)
    return Set(try readJSONLines(output).compactMap { $0["kibana.alert.uuid"] as? String })
}

@Suite("PipelineRunner")
struct PipelineRunnerTests {
    let scratch = ScratchDirectory()

    @Test("the bundled sample raises both founding rules' alerts, the same on 1 and 3 shards")
    func bundledSample() async throws {
        var uuidSets: [Set<String>] = []
        for shards in [1, 3] {
            let output = scratch.path("alerts-\(shards).ndjson")
            let report = try await run(input: samplePath, output: output, shards: shards)
            let alerts = try readJSONLines(output)
            #expect(report.events == 1135 && report.deadLetters == 0)
            #expect(alerts.count == report.alerts)
            let single = alerts.filter { $0["kibana.alert.rule.name"] as? String == "Openssl Client or Server Activity" }
            #expect(Set(single.compactMap { ($0["host"] as? [String: Any])?["name"] as? String }) == ["bastion", "web-02"])
            let sequence = alerts.filter { $0["kibana.alert.rule.name"] as? String == "Suspicious Data Encryption via OpenSSL Utility" }
            let shells = sequence.filter { $0["kibana.alert.building_block_type"] == nil }
            #expect(shells.count == 3, "12 encryptions within 2.4 s slide into 3 windows of ten")
            #expect(sequence.count == 3 * 11)
            for shell in shells {
                #expect(shell["user.name"] as? String == "root")
                #expect(shell["host.id"] as? String != nil)
                let group = shell["kibana.alert.group.id"] as? String
                #expect(sequence.filter { $0["kibana.alert.group.id"] as? String == group }.count == 11)
            }
            uuidSets.append(Set(alerts.compactMap { $0["kibana.alert.uuid"] as? String }))
        }
        #expect(uuidSets[0] == uuidSets[1])
        #expect(uuidSets[0].count == 35)
    }

    @Test("a bad line is sent to the dead letters with its line number; the stream goes on")
    func badLines() async throws {
        let lines = try String(contentsOfFile: samplePath, encoding: .utf8).split(separator: "\n").prefix(50).map(String.init)
        var withBad = lines
        withBad.insert(#"{"process": {"name": "openssl""#, at: 2)
        withBad.insert("not json at all", at: 10)
        let input = scratch.path("events.ndjson")
        try (withBad.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let deadLetterPath = scratch.path("dead.ndjson")
        let report = try await run(input: input, output: scratch.path("alerts.ndjson"), shards: 2, deadLetters: deadLetterPath)
        #expect(report.events == 50)
        #expect(report.deadLetters == 2)
        let letters = try readJSONLines(deadLetterPath)
        let origins = letters.compactMap { $0["tripline.dead_letter.origin"] as? String }.sorted()
        #expect(origins == ["\(input):11", "\(input):3"].sorted())
        #expect(letters.allSatisfy { ($0["tripline.dead_letter.reason"] as? String)?.contains("column") == true })
    }

    @Test("a missing input file fails the run with the path in the message")
    func missingInput() async throws {
        await #expect(throws: PipelineError.self) {
            _ = try await run(input: "/nonexistent/events.ndjson", output: scratch.path("a"), shards: 1)
        }
    }

    @Test("rules that fail to compile stop the pipeline before it starts, naming every failure")
    func failingRules() throws {
        let directory = scratch.path("rules")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "[rule]\nrule_id = \"x\"\nname = \"x\"\ntype = \"eql\"\nlanguage = \"eql\"\nquery = \"process where (\"\n"
            .write(toFile: directory + "/bad.toml", atomically: true, encoding: .utf8)
        let pipeline = Pipeline("test") { Detect(rules: directory) }
        #expect {
            _ = try PipelineRunner.prepare(pipeline)
        } throws: { error in
            "\(error)".contains("bad.toml:6")
        }
    }
}

@Suite("Pipeline declaration")
struct PipelineDeclarationTests {
    let scratch = ScratchDirectory()

    struct Tagger: AlertEnricher {
        var requiredFields: [String] { ["host.name"] }
        func enrich(_ alerts: inout [Alert]) {
            for index in alerts.indices { alerts[index].enrichment.append(JSONMember("tripline.test", .string("tagged"))) }
        }
    }

    @Test("stages set their parts; omitted parts keep their defaults")
    func declaration() {
        let pipeline = Pipeline("p", summary: "s") {
            ReadNDJSON(path: "in.ndjson")
            PartitionBy("user.name", shards: .count(3))
            Enrich(Tagger())
        }
        #expect(pipeline.source.description == "in.ndjson")
        #expect(pipeline.sink.description == "stdout")
        #expect(pipeline.partitioning.key == "user.name")
        #expect(pipeline.partitioning.shards == .count(3))
        #expect(pipeline.detection.rulesPath == "Rules")
        #expect(pipeline.enrichers.count == 1)
        #expect(PipelineRunner.requiredFields(of: pipeline, enrichers: [Tagger()]).contains("host.name"))
    }

    @Test("enrichers add fields to every alert document")
    func enrichment() async throws {
        let output = scratch.path("alerts.ndjson")
        let pipeline = Pipeline("enriched") {
            ReadNDJSON(path: samplePath)
            Detect(rules: rulesPath)
            Enrich(Tagger())
            WriteNDJSON(path: output)
        }
        _ = try await PipelineRunner.prepare(pipeline).run()
        let alerts = try readJSONLines(output)
        #expect(!alerts.isEmpty)
        #expect(alerts.allSatisfy { $0["tripline.test"] as? String == "tagged" })
    }
}

@Suite("Partitioning")
struct PartitioningTests {
    let scratch = ScratchDirectory()

    @Test("sequence rules that do not join on the partition key are reported; the founding rules join on host.id")
    func rulesSpanningPartitions() throws {
        let directory = scratch.path("rules")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: rulesPath + "/linux_impact_data_encrypted_via_openssl.toml",
                                         toPath: directory + "/founding.toml")
        let byUser = """
            [rule]
            rule_id = "u"
            name = "by user"
            type = "eql"
            language = "eql"
            query = "sequence by user.name [process where true] [network where true]"
            """
        try byUser.write(toFile: directory + "/by-user.toml", atomically: true, encoding: .utf8)
        let runner = try PipelineRunner.prepare(Pipeline("p") { Detect(rules: directory) })
        #expect(runner.rulesSpanningPartitions.map(\.rule.name) == ["by user"])
    }
}
