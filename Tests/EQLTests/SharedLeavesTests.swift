import ECS
@testable import EQL
import Testing

/// Queries compiled with one ``LeafPool`` share their identical string comparisons, and a
/// ``LeafMemo`` tests each once per event without changing any result.
@Suite struct SharedLeavesTests {
    static let queries = [
        #"process where host.os.type == "linux" and process.name in ("curl", "wget") and process.args : "*http*""#,
        #"process where host.os.type == "linux" and process.name in ("curl", "wget") and not process.args : "-h""#,
        #"process where host.os.type == "linux" and process.name in ("wget", "curl")"#,
        #"process where host.os.type == "LINUX" or process.args : "*HTTP*""#,
        #"process where process.args : "*http*" and process.args regex~ ".*ftp.*""#,
        #"sequence by host.id [process where host.os.type == "linux" and process.args : "*http*"] [process where process.name in ("curl", "wget")]"#,
    ]

    static func document(os: String, name: String, args: [String]) -> String {
        let list = args.map { #""\#($0)""# }.joined(separator: ",")
        return #"{"@timestamp":1,"event":{"category":["process"]},"host":{"id":"h","os":{"type":"\#(os)"}},"process":{"name":"\#(name)","args":[\#(list)]}}"#
    }

    @Test func identicalComparisonsAreOneConditionWithOneSlot() throws {
        var harness = Harness()
        let pool = LeafPool()
        for query in Self.queries { _ = try CompiledQuery(Query.parse(query), fields: &harness.fields, leaves: pool) }
        // Distinct comparisons: os == linux, os == LINUX, name in (curl, wget), name in (wget, curl),
        // args : *http*, args : *HTTP*, args : -h, args regex~ .*ftp.*, and each query's category test
        // is not a string comparison.
        #expect(pool.count == 8)
    }

    @Test func memoizedResultsEqualFreshOnesEventAfterEvent() throws {
        var harness = Harness()
        let pool = LeafPool()
        let compiled = try Self.queries.map { try CompiledQuery(Query.parse($0), fields: &harness.fields, leaves: pool) }
        var documents: [String] = []
        for os in ["linux", "LINUX", "windows"] {
            for name in ["curl", "wget", "bash"] {
                for args in [["curl", "http://x"], ["-h"], ["ftp://y", "HTTP"], []] { documents.append(Self.document(os: os, name: name, args: args)) }
            }
        }
        let events = try harness.events(documents)
        let memo = LeafMemo(slots: pool.count)
        var matched = 0
        for event in events {
            memo.beginEvent()
            for query in compiled {
                let fresh = query.matches(event)
                #expect(query.matches(event, memo: memo) == fresh)
                #expect(query.matches(event, memo: memo) == fresh, "asked twice in one event")
                #expect(query.filterHits(event, memo: memo).map { $0 != 0 } == fresh)
                if fresh { matched += 1 }
            }
        }
        #expect(matched > 20 && matched < events.count * compiled.count, "the events exercise both outcomes")
    }
}
