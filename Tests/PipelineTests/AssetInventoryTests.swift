import Detection
import ECS
import Pipeline
import Testing

@Suite("AssetInventory")
struct AssetInventoryTests {
    func alert(host: String?) -> Alert {
        Alert(rule: Rule(ruleID: "r", name: "r", query: "any where true"), kind: .single, uuid: "u", groupID: nil,
              event: nil, commonFields: [], originalTime: 0, hostID: host)
    }

    @Test("adds the columns of the alert's host, quoted fields included")
    func enriches() throws {
        let inventory = try AssetInventory(csv: "host.id,asset.owner,asset.note\nh1,web-team,\"a, \"\"b\"\"\"\nh2,dba,x\n")
        var alerts = [alert(host: "h1"), alert(host: "h3"), alert(host: nil)]
        inventory.enrich(&alerts)
        #expect(alerts[0].enrichment == [JSONMember("asset.owner", .string("web-team")), JSONMember("asset.note", .string("a, \"b\""))])
        #expect(alerts[1].enrichment.isEmpty)
        #expect(alerts[2].enrichment.isEmpty)
    }

    @Test("malformed tables name the line", arguments: [
        ("", 1), ("host.id\nh1\n", 1), ("host.id,owner\nh1,a,b\n", 2), ("host.id,owner\nh1,\"open\n", 2),
    ])
    func malformed(csv: String, line: Int) {
        #expect {
            _ = try AssetInventory(csv: csv, path: "assets.csv")
        } throws: { error in
            (error as? AssetInventoryError)?.line == line
        }
    }

    @Test("a missing table is a start-up error naming the file")
    func missingFile() {
        #expect(throws: AssetInventoryError.self) { _ = try AssetInventory(csvPath: "/nonexistent/assets.csv") }
    }
}
