import ECS
@testable import EQL
import Foundation
import Testing
import TOMLKit

/// Every EQL query of the Elastic detection-rules corpus in `../shared/rules-corpus` parses and compiles.
@Suite struct RulesCorpusTests {
    static func ruleFiles() throws -> [URL] {
        let root = SharedFiles.rulesCorpus
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == "toml" }.sorted { $0.path < $1.path }
    }

    @Test func everyCorpusQueryCompiles() throws {
        var compiled = 0
        var failures: [String] = []
        var fields = FieldCatalog.Builder()
        for file in try Self.ruleFiles() {
            let table = try TOMLTable(string: try SharedFiles.text(file))
            guard let rule = table["rule"]?.table, let query = rule["query"]?.string else { continue }
            if let language = rule["language"]?.string, language != "eql" { continue }
            do {
                _ = try CompiledQuery(Query.parse(query), fields: &fields)
                compiled += 1
            } catch {
                failures.append("\(file.lastPathComponent): \(error)")
            }
        }
        for failure in failures { Issue.record(Comment(rawValue: failure)) }
        print("rules corpus: \(compiled) EQL queries compiled, \(failures.count) failed, \(fields.registeredPaths.count) distinct fields")
        #expect(compiled == 1081)
    }
}
