import Detection
import Foundation
import TestScratch
import Testing

@Suite("RuleFileReader")
struct RuleFileReaderTests {
    @Test("the single-event founding rule loads with its metadata and MITRE mapping")
    func opensslActivity() throws {
        let rule = try RuleFileReader.read(path: packageRoot.appendingPathComponent("Rules/linux_openssl_client_or_server_activity.toml").path)
        #expect(rule.ruleID == "ad5a3757-c872-4719-8c72-12d3f08db655")
        #expect(rule.name == "Openssl Client or Server Activity")
        #expect(rule.severity == "low")
        #expect(rule.riskScore == 21)
        #expect(rule.type == "eql" && rule.language == "eql")
        #expect(rule.indexPatterns == ["logs-endpoint.events.*", "endgame-*"])
        #expect(rule.timestampOverride == "event.ingested")
        #expect(rule.query.hasPrefix("process where host.os.type == \"linux\""))
        #expect(rule.threat.map(\.tactic.id) == ["TA0002", "TA0011"])
        #expect(rule.threat[0].techniques[0].technique.id == "T1059")
        #expect(rule.threat[0].techniques[0].subtechniques.map(\.id) == ["T1059.004"])
        #expect(rule.threat[1].techniques[0].technique.name == "Application Layer Protocol")
        #expect(rule.source.queryLine == 59)
    }

    @Test("the sequence founding rule loads with its metadata and MITRE mapping")
    func dataEncryption() throws {
        let rule = try RuleFileReader.read(path: packageRoot.appendingPathComponent("Rules/linux_impact_data_encrypted_via_openssl.toml").path)
        #expect(rule.ruleID == "f530ca17-153b-4a7a-8cd3-98dd4b4ddf73")
        #expect(rule.severity == "medium" && rule.riskScore == 47)
        #expect(rule.maxSignals == 100 && rule.version == 7)
        #expect(rule.timestampOverride == nil)
        #expect(rule.query.contains("with runs=10"))
        #expect(rule.threat.first?.tactic.id == "TA0040")
        #expect(rule.threat.first?.techniques.first?.technique.id == "T1486")
    }

    @Test("invalid TOML names the file, line and column")
    func invalidTOML() {
        let text = "[rule]\nname = \"x\"\nrisk_score = = 3\n"
        do {
            _ = try RuleFileReader.parse(text, path: "bad.toml")
            Issue.record("accepted invalid TOML")
        } catch {
            #expect(error.path == "bad.toml")
            #expect(error.line == 3)
            #expect(error.column > 0)
        }
    }

    @Test("missing and mistyped keys are named")
    func missingKeys() {
        #expect(throws: RuleLoadError.self) { try RuleFileReader.parse("[metadata]\nmaturity = \"production\"\n", path: "x.toml") }
        do {
            _ = try RuleFileReader.parse("[rule]\nname = \"x\"\ntype = \"eql\"\nquery = \"any where true\"\n", path: "x.toml")
            Issue.record("accepted a rule without rule_id")
        } catch {
            #expect(error.message.contains("rule_id"))
        }
        do {
            _ = try RuleFileReader.parse("[rule]\nrule_id = \"r\"\nname = \"x\"\ntype = \"eql\"\nrisk_score = \"high\"\nquery = \"any where true\"\n", path: "x.toml")
            Issue.record("accepted a string risk_score")
        } catch {
            #expect(error.line == 5)
            #expect(error.message.contains("risk_score"))
        }
    }
}

@Suite("RuleSet")
struct RuleSetTests {
    let scratch = ScratchDirectory("rules")

    /// Writes `files` into this test's scratch directory and returns it.
    func write(_ files: [String: String]) throws -> URL {
        for (name, text) in files { try text.write(to: scratch.url.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return scratch.url
    }

    @Test("both founding rules compile")
    func foundingRules() throws {
        let rules = try loadFoundingRules()
        #expect(rules.rules.count == 2)
        #expect(rules.failures.isEmpty)
        let sequence = try #require(rules.rules.first { $0.rule.name.hasPrefix("Suspicious Data Encryption") })
        #expect(sequence.joinPaths == ["host.id", "user.name", "process.parent.entity_id"])
    }

    @Test("a query error points at the rule file's line and column; other rules still load")
    func queryErrorLocation() throws {
        let good = "[rule]\nrule_id = \"a\"\nname = \"good\"\ntype = \"eql\"\nlanguage = \"eql\"\nquery = '''\nprocess where process.name == \"x\"\n'''\n"
        let bad = "[rule]\nrule_id = \"b\"\nname = \"bad\"\ntype = \"eql\"\nlanguage = \"eql\"\nquery = '''\nprocess where\n  process.name == \n'''\n"
        let unsupported = "[rule]\nrule_id = \"c\"\nname = \"kql\"\ntype = \"query\"\nlanguage = \"kuery\"\nquery = \"process.name: x\"\n"
        let directory = try write(["a.toml": good, "b.toml": bad, "c.toml": unsupported])
        let rules = try RuleSet.load(from: directory.path)
        #expect(rules.rules.map(\.rule.name) == ["good"])
        #expect(rules.outcomes.count == 3)
        let failure = try #require(rules.outcomes[1].error)
        #expect(failure.path.hasSuffix("b.toml"))
        #expect(failure.line >= 8, "\(failure)")
        let kql = try #require(rules.outcomes[2].error)
        #expect(kql.message.contains("unsupported rule"))
    }

    @Test("fields are numbered in path order, the order ECS documents mostly write them in")
    func fieldsInPathOrder() throws {
        let rules = try loadFoundingRules()
        let paths = rules.catalog.paths
        #expect(paths == paths.sorted(), "\(paths)")
        for path in ["@timestamp", "host.id", "process.name", "process.args", "user.name", "process.parent.entity_id"] {
            #expect(paths.contains(path), "\(path) in \(paths)")
        }
    }
}
