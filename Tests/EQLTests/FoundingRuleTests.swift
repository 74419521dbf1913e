import ECS
@testable import EQL
import Testing

/// The single-event founding rule, "Openssl Client or Server Activity": every clause flips the outcome.
@Suite struct OpensslClientServerRuleTests {
    static let rule = """
    process where host.os.type == "linux" and event.type == "start" and event.action in ("exec", "exec_event") and
    process.name == "openssl" and (
      (process.args == "s_client" and process.args : ("-connect", "*:*") and not process.args == "-showcerts") or
      (process.args == "s_server" and process.args == "-port")
    )
    """

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let json: String
        let expected: Bool
        var testDescription: String { name }
    }

    static func document(os: String = "linux", type: String = #""start""#, action: String = "exec", category: String = "process",
                         name: String = "openssl", args: [String] = ["openssl", "s_client", "-connect", "example.com:443"]) -> String {
        let argList = args.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"@timestamp":"2024-07-30T12:00:00Z","event":{"category":["\#(category)"],"type":\#(type),"action":"\#(action)"},"host":{"os":{"type":"\#(os)"}},"process":{"name":"\#(name)","args":[\#(argList)]}}"#
    }

    static let cases: [Case] = [
        Case(name: "client with -connect host:port matches", json: document(), expected: true),
        Case(name: "client with -connect flag only matches (':' wildcard or literal)", json: document(args: ["openssl", "s_client", "-connect"]), expected: true),
        Case(name: "client with host:port but no -connect matches", json: document(args: ["openssl", "s_client", "example.com:443"]), expected: true),
        Case(name: "client without connect target does not match", json: document(args: ["openssl", "s_client"]), expected: false),
        Case(name: "client with -showcerts does not match", json: document(args: ["openssl", "s_client", "-connect", "a:1", "-showcerts"]), expected: false),
        Case(name: "-CONNECT is matched case-insensitively by ':'", json: document(args: ["openssl", "s_client", "-CONNECT"]), expected: true),
        Case(name: "S_CLIENT is not s_client (== is case-sensitive)", json: document(args: ["openssl", "S_CLIENT", "-connect"]), expected: false),
        Case(name: "server with -port matches", json: document(args: ["openssl", "s_server", "-port", "4433"]), expected: true),
        Case(name: "server without -port does not match", json: document(args: ["openssl", "s_server", "-accept", "4433"]), expected: false),
        Case(name: "-port without s_server does not match", json: document(args: ["openssl", "-port", "4433"]), expected: false),
        Case(name: "windows host does not match", json: document(os: "windows"), expected: false),
        Case(name: "event.type end does not match", json: document(type: #""end""#), expected: false),
        Case(name: "event.type as array containing start matches", json: document(type: #"["info","start"]"#), expected: true),
        Case(name: "action exec_event matches", json: document(action: "exec_event"), expected: true),
        Case(name: "action fork does not match", json: document(action: "fork"), expected: false),
        Case(name: "category network does not match", json: document(category: "network"), expected: false),
        Case(name: "process name OpenSSL does not match", json: document(name: "OpenSSL"), expected: false),
        Case(name: "process name openssl3 does not match", json: document(name: "openssl3"), expected: false),
    ]

    @Test(arguments: cases)
    func clause(_ testCase: Case) throws {
        var harness = Harness()
        let query = try harness.compile(Self.rule)
        let event = try harness.event(testCase.json)
        #expect(query.matches(event) == testCase.expected)
    }

    @Test func missingArgsDoesNotMatch() throws {
        var harness = Harness()
        let query = try harness.compile(Self.rule)
        let event = try harness.event(#"{"event":{"category":"process","type":"start","action":"exec"},"host":{"os":{"type":"linux"}},"process":{"name":"openssl"}}"#)
        #expect(!query.matches(event))
    }
}

/// The sequence founding rule, "Suspicious Data Encryption via OpenSSL Utility".
@Suite struct OpensslEncryptionSequenceTests {
    static let rule = """
    sequence by host.id, user.name, process.parent.entity_id with maxspan=5s
      [ process where host.os.type == "linux" and event.action == "exec" and
        process.name == "openssl" and process.parent.name : ("bash", "dash", "sh", "tcsh", "csh", "zsh", "ksh", "fish", "perl*", "php*", "python*", "xargs") and
        process.args == "-in" and process.args == "-out" and
        process.args in ("-k", "-K", "-kfile", "-pass", "-iv", "-md") and
        /* excluding base64 encoding options and including encryption password or key params */
        not process.args in ("-d", "-a", "-A", "-base64", "-none", "-nosalt") ] with runs=10
    """

    static func event(millis: Int, host: String = "h1", user: String = "root", parent: String = "p1", parentName: String = "bash",
                      action: String = "exec", os: String = "linux", name: String = "openssl",
                      args: [String] = ["openssl", "enc", "-aes-256-cbc", "-in", "f", "-out", "f.enc", "-k", "secret"]) -> String {
        let time = Timestamp.formatISO8601(Int64(millis) * 1_000_000)
        let argList = args.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"@timestamp":"\#(time)","event":{"category":"process","action":"\#(action)"},"host":{"id":"\#(host)","os":{"type":"\#(os)"}},"user":{"name":"\#(user)"},"process":{"name":"\#(name)","args":[\#(argList)],"parent":{"entity_id":"\#(parent)","name":"\#(parentName)"}}}"#
    }

    func run(_ documents: [String], options: CompileOptions = .init()) throws -> [SequenceMatch] {
        var harness = Harness()
        let query = try harness.compile(Self.rule, options: options)
        #expect(query.query.isSequence)
        return runSequence(query, try harness.events(documents))
    }

    @Test func tenMatchingEventsWithinFiveSecondsMatchOnce() throws {
        let matches = try run((0 ..< 10).map { Self.event(millis: $0 * 400) })
        #expect(matches.count == 1)
        #expect(matches.first?.events.count == 10)
        #expect(matches.first?.joinValues == [.string("h1"), .string("root"), .string("p1")])
    }

    @Test func nineEventsDoNotMatch() throws {
        #expect(try run((0 ..< 9).map { Self.event(millis: $0 * 400) }).isEmpty)
    }

    /// Every event matches every one of the ten stages, so (as in Elasticsearch) each advances the
    /// partial sequences of all stages: sequences start at events 0…10 and complete at events 9…19.
    @Test func twentyEventsMatchElevenOverlappingSequences() throws {
        let matches = try run((0 ..< 20).map { Self.event(millis: $0 * 200) })
        #expect(matches.count == 11)
        #expect(matches.map { $0.ordinals[0].arrival } == Array(0 ... 10))
    }

    @Test func spanOverFiveSecondsDoesNotMatch() throws {
        #expect(try run((0 ..< 10).map { Self.event(millis: $0 * 600) }).isEmpty)
    }

    @Test func exactlyFiveSecondsMatches() throws {
        #expect(try run((0 ..< 10).map { Self.event(millis: $0 * 5000 / 9) }).count == 1)
    }

    @Test(arguments: ["host", "user", "parent"])
    func differentJoinKeyBreaksTheSequence(_ key: String) throws {
        let documents = (0 ..< 10).map { index in
            let other = index == 5
            return Self.event(millis: index * 100, host: key == "host" && other ? "h2" : "h1",
                              user: key == "user" && other ? "alice" : "root",
                              parent: key == "parent" && other ? "p2" : "p1")
        }
        #expect(try run(documents).isEmpty)
    }

    static let breakingVariants: [String] = [
        event(millis: 500, action: "fork"),
        event(millis: 500, os: "macos"),
        event(millis: 500, name: "gpg"),
        event(millis: 500, parentName: "systemd"),
        event(millis: 500, args: ["openssl", "enc", "-out", "x", "-k", "s"]),
        event(millis: 500, args: ["openssl", "enc", "-in", "x", "-k", "s"]),
        event(millis: 500, args: ["openssl", "enc", "-in", "x", "-out", "y"]),
        event(millis: 500, args: ["openssl", "enc", "-d", "-in", "x", "-out", "y", "-k", "s"]),
        event(millis: 500, args: ["openssl", "enc", "-in", "x", "-out", "y", "-pass", "pass:s", "-base64"]),
    ]

    @Test(arguments: breakingVariants)
    func eachClauseExcludesAnEvent(_ variant: String) throws {
        // Nine good events and one that breaks a clause: no sequence of ten.
        var documents = (0 ..< 9).map { Self.event(millis: $0 * 100) }
        documents.insert(variant, at: 5)
        #expect(try run(documents).isEmpty)
        // The same ten with the variant replaced by a good event do match.
        documents[5] = Self.event(millis: 500)
        #expect(try run(documents).count == 1)
    }

    @Test(arguments: ["perl5.36", "python3", "PHP8", "xargs", "ZSH"])
    func parentNameWildcards(_ parent: String) throws {
        let matches = try run((0 ..< 10).map { Self.event(millis: $0 * 100, parentName: parent) })
        #expect(matches.count == 1)
    }

    @Test func missingJoinKeyNeverMatches() throws {
        let documents = (0 ..< 10).map { Self.event(millis: $0 * 100).replacingOccurrences(of: #""user":{"name":"root"},"#, with: "") }
        #expect(try run(documents).isEmpty)
    }
}
