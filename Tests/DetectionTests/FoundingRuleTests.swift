import Detection
import Foundation
import ECS
import Testing

/// The single-event founding rule: every clause of its query has a case that flips the outcome.
@Suite("Openssl Client or Server Activity")
struct OpensslActivityTests {
    let rules: RuleSet

    init() throws { rules = try loadFoundingRules("linux_openssl_client_or_server_activity.toml") }

    func fires(_ configure: (inout ProcessEventFixture) -> Void) throws -> Bool {
        var fixture = ProcessEventFixture()
        configure(&fixture)
        return try !evaluate([fixture.json], rules: rules).isEmpty
    }

    @Test("s_client connecting to host:port fires, and each condition flips it")
    func clientClauses() throws {
        #expect(try fires { _ in })
        #expect(try !fires { $0.osType = "windows" })
        #expect(try !fires { $0.eventType = "end" })
        #expect(try !fires { $0.action = "fork" })
        #expect(try fires { $0.action = "exec_event" })
        #expect(try !fires { $0.name = "OpenSSL" }, "== is case-sensitive")
        #expect(try !fires { $0.args = ["openssl", "s_client", "-quiet"] }, "neither -connect nor host:port")
        #expect(try fires { $0.args = ["openssl", "s_client", "example.com:443"] }, "*:* alone matches")
        #expect(try fires { $0.args = ["openssl", "s_client", "-CONNECT", "x"] }, ": is case-insensitive")
        #expect(try !fires { $0.args = ["openssl", "s_client", "-connect", "x:443", "-showcerts"] })
        #expect(try !fires { $0.args = ["openssl", "-connect", "x:443"] }, "no s_client")
    }

    @Test("s_server with -port fires, and each condition flips it")
    func serverClauses() throws {
        #expect(try fires { $0.args = ["openssl", "s_server", "-port", "8443"] })
        #expect(try !fires { $0.args = ["openssl", "s_server", "-accept", "8443"] })
        #expect(try !fires { $0.args = ["openssl", "x509", "-port", "8443"] })
        #expect(try !fires { $0.args = ["openssl", "s_server", "-PORT", "8443"] }, "== is case-sensitive")
    }

    @Test("the alert carries the rule's metadata, the event's fields and a deterministic id")
    func alertDocument() throws {
        var fixture = ProcessEventFixture()
        fixture.eventID = "evt-1"
        let first = try evaluate([fixture.json], rules: rules)
        let second = try evaluate([fixture.json], rules: rules)
        #expect(first.count == 1)
        #expect(first[0].uuid == second[0].uuid)
        #expect(first[0].uuid.count == 64)
        let document = try JSONSerialization.jsonObject(with: Data(first[0].document(createdAt: 0))) as! [String: Any]
        #expect(document["kibana.alert.rule.rule_id"] as? String == "ad5a3757-c872-4719-8c72-12d3f08db655")
        #expect(document["kibana.alert.rule.name"] as? String == "Openssl Client or Server Activity")
        #expect(document["kibana.alert.severity"] as? String == "low")
        #expect(document["kibana.alert.risk_score"] as? Int == 21)
        #expect(document["kibana.alert.original_time"] as? String == "2026-11-25T09:00:00.000Z")
        #expect(document["kibana.alert.building_block_type"] == nil)
        #expect(document["kibana.alert.reason"] as? String
            == "process event with process openssl, parent process bash, by root on host-1 created low alert Openssl Client or Server Activity.")
        #expect(((document["kibana.alert.ancestors"] as? [[String: Any]])?.first?["id"]) as? String == "evt-1")
        #expect((document["host"] as? [String: Any])?["id"] as? String == "host-1")
        let threat = try #require(document["threat"] as? [[String: Any]])
        #expect(threat.count == 2)
        #expect((threat[0]["tactic"] as? [String: Any])?["id"] as? String == "TA0002")
    }
}

/// The sequence founding rule: `sequence by host.id, user.name, process.parent.entity_id with
/// maxspan=5s [...] with runs=10`.
@Suite("Suspicious Data Encryption via OpenSSL Utility")
struct DataEncryptionTests {
    let rules: RuleSet

    init() throws { rules = try loadFoundingRules("linux_impact_data_encrypted_via_openssl.toml") }

    /// One encryption event at `seconds`, as the rule expects it.
    func encryption(_ seconds: Double, _ configure: (inout ProcessEventFixture) -> Void = { _ in }) -> String {
        var fixture = ProcessEventFixture()
        fixture.time = ProcessEventFixture.time(seconds)
        fixture.args = ["openssl", "enc", "-aes-256-cbc", "-in", "f\(seconds)", "-out", "f\(seconds).enc", "-k", "pw"]
        configure(&fixture)
        return fixture.json
    }

    func detections(_ lines: [String]) throws -> Int {
        try evaluate(lines, rules: rules).filter { $0.kind == .sequence }.count
    }

    @Test("ten encryptions within 5 s by one user under one parent raise one sequence")
    func tenRuns() throws {
        let alerts = try evaluate((0 ..< 10).map { encryption(Double($0) * 0.4) }, rules: rules)
        #expect(alerts.filter { $0.kind == .sequence }.count == 1)
        #expect(alerts.count == 11, "one shell alert plus ten building blocks")
        let groups = Set(alerts.map(\.groupID))
        #expect(groups.count == 1 && groups.first! != nil)
        let indices = alerts.compactMap { alert -> Int? in
            if case .buildingBlock(let index) = alert.kind { return index }
            return nil
        }
        #expect(indices == Array(0 ..< 10))
    }

    /// As in Elasticsearch (see `withByKey_runs` in its missing-events suite), runs of a repeated
    /// stage slide: each new matching event completes the window of the ten latest.
    @Test("nine are not enough; each event after the tenth completes the next window of ten")
    func runCounts() throws {
        #expect(try detections((0 ..< 9).map { encryption(Double($0) * 0.4) }) == 0)
        #expect(try detections((0 ..< 12).map { encryption(Double($0) * 0.2) }) == 3)
        #expect(try detections((0 ..< 20).map { encryption(Double($0) * 0.2) }) == 11)
    }

    @Test("maxspan: ten events spread over more than 5 s do not match")
    func maxspan() throws {
        #expect(try detections((0 ..< 10).map { encryption(Double($0) * 0.6) }) == 0)
        #expect(try detections((0 ..< 10).map { encryption(Double($0) * 5.0 / 9.0) }) == 1, "exactly 5 s is within maxspan")
    }

    @Test("the join keys must agree: host, user and parent")
    func joinKeys() throws {
        let mixedHost = (0 ..< 10).map { i in encryption(Double(i) * 0.2) { $0.hostID = i == 5 ? "host-2" : "host-1" } }
        #expect(try detections(mixedHost) == 0)
        let mixedUser = (0 ..< 10).map { i in encryption(Double(i) * 0.2) { $0.userName = i == 5 ? "alice" : "root" } }
        #expect(try detections(mixedUser) == 0)
        let mixedParent = (0 ..< 10).map { i in encryption(Double(i) * 0.2) { $0.parentEntityID = i == 5 ? "p2" : "p1" } }
        #expect(try detections(mixedParent) == 0)
    }

    @Test("each condition of the stage flips the outcome")
    func stageClauses() throws {
        func tenWith(_ configure: @escaping (inout ProcessEventFixture) -> Void) throws -> Int {
            try detections((0 ..< 10).map { encryption(Double($0) * 0.2, configure) })
        }
        #expect(try tenWith { _ in } == 1)
        #expect(try tenWith { $0.osType = "macos" } == 0)
        #expect(try tenWith { $0.action = "fork" } == 0)
        #expect(try tenWith { $0.name = "gpg" } == 0)
        #expect(try tenWith { $0.parentName = "node" } == 0)
        #expect(try tenWith { $0.parentName = "Python3.11" } == 1, ": with wildcard, case-insensitive")
        #expect(try tenWith { $0.parentName = "perl5.36" } == 1)
        #expect(try tenWith { $0.args.removeAll { $0.hasPrefix("-in") } } == 0)
        #expect(try tenWith { $0.args.removeAll { $0 == "-out" } } == 0)
        #expect(try tenWith { $0.args = $0.args.map { $0 == "-k" ? "-pass" : $0 } } == 1)
        #expect(try tenWith { $0.args.removeAll { $0 == "-k" } } == 0, "no key or password option")
        #expect(try tenWith { $0.args.append("-a") } == 0, "base64 output is excluded")
        #expect(try tenWith { $0.args.append("-d") } == 0, "decryption is excluded")
    }

    @Test("out-of-order arrival within the allowed lateness gives the same alerts as sorted input")
    func outOfOrder() throws {
        var lines: [String] = []
        for i in 0 ..< 25 { lines.append(encryption(Double(i) * 0.3)) }
        let sorted = try evaluate(lines, rules: rules).map(\.uuid).sorted()
        var generator = SystemRandomNumberGenerator()
        for _ in 0 ..< 5 {
            // Swap neighbours up to 2 s apart in event time (well inside the 5 s lateness).
            var shuffled = lines
            for i in stride(from: 0, to: shuffled.count - 6, by: 1) where Bool.random(using: &generator) {
                shuffled.swapAt(i, i + Int.random(in: 1 ... 6, using: &generator))
            }
            #expect(try evaluate(shuffled, rules: rules).map(\.uuid).sorted() == sorted)
        }
        #expect(sorted.count == 16 * 11, "16 windows of ten, each a shell plus ten building blocks")
    }
}
