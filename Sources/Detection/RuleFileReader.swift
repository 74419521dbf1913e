import Foundation
import TOMLKit

/// Why a rule file could not be loaded, with the file and line to look at.
public struct RuleLoadError: Error, Sendable, CustomStringConvertible {
    /// The rule file.
    public let path: String
    /// 1-based line in the file (0 when the problem is the whole file).
    public let line: Int
    /// 1-based column (0 when unknown).
    public let column: Int
    /// What is wrong and what to do about it.
    public let message: String

    /// Creates an error.
    public init(path: String, line: Int, column: Int = 0, message: String) {
        self.path = path
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var location = path
        if line > 0 { location += ":\(line)" }
        if column > 0 { location += ":\(column)" }
        return "\(location): \(message)"
    }
}

/// Reads Elastic detection-rules TOML files (`[metadata]`, `[rule]`, `[[rule.threat]]`) as Elastic
/// ships them.
public enum RuleFileReader {
    /// Reads the rule file at `path`.
    public static func read(path: String) throws(RuleLoadError) -> Rule {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw RuleLoadError(path: path, line: 0, message: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(text, path: path)
    }

    /// Parses rule TOML text; `path` names it in errors.
    public static func parse(_ text: String, path: String) throws(RuleLoadError) -> Rule {
        let document: TOMLTable
        do {
            document = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw RuleLoadError(path: path, line: error.source.begin.line, column: error.source.begin.column,
                                message: "invalid TOML: \(error.description)")
        } catch {
            throw RuleLoadError(path: path, line: 0, message: "invalid TOML: \(error)")
        }
        let fields = FieldReader(document: document, text: text, path: path)
        guard let rule = document["rule"]?.table else {
            throw RuleLoadError(path: path, line: 0, message: "no [rule] table: not an Elastic detection rule file")
        }
        let query = try fields.string(rule, "query", required: false) ?? ""
        return Rule(
            ruleID: try fields.string(rule, "rule_id")!,
            name: try fields.string(rule, "name")!,
            description: try fields.string(rule, "description", required: false) ?? "",
            severity: try fields.string(rule, "severity", required: false) ?? "low",
            riskScore: try fields.integer(rule, "risk_score") ?? 21,
            type: try fields.string(rule, "type")!,
            language: try fields.string(rule, "language", required: false) ?? "",
            indexPatterns: try fields.strings(rule, "index"),
            query: query,
            timestampOverride: try fields.string(rule, "timestamp_override", required: false),
            tags: try fields.strings(rule, "tags"),
            threat: try readThreat(rule, fields: fields),
            version: try fields.integer(rule, "version"),
            maxSignals: try fields.integer(rule, "max_signals"),
            buildingBlockType: try fields.string(rule, "building_block_type", required: false),
            authors: try fields.strings(rule, "author"),
            license: try fields.string(rule, "license", required: false),
            references: try fields.strings(rule, "references"),
            source: RuleSource(path: path, queryLine: fields.queryStartLine())
        )
    }

    private static func readThreat(_ rule: TOMLTable, fields: FieldReader) throws(RuleLoadError) -> [ThreatMapping] {
        guard let entries = rule["threat"] else { return [] }
        guard let array = entries.array else { throw fields.error("threat", "[[rule.threat]] must be an array of tables") }
        var mappings: [ThreatMapping] = []
        for entry in array {
            guard let table = entry.table else { throw fields.error("threat", "each [[rule.threat]] must be a table") }
            guard let tacticTable = table["tactic"]?.table else {
                throw fields.error("tactic", "a [[rule.threat]] entry has no [rule.threat.tactic]")
            }
            var techniques: [ThreatTechnique] = []
            for techniqueEntry in table["technique"]?.array ?? TOMLArray() {
                guard let techniqueTable = techniqueEntry.table else {
                    throw fields.error("technique", "each [[rule.threat.technique]] must be a table")
                }
                var subtechniques: [ThreatReference] = []
                for subEntry in techniqueTable["subtechnique"]?.array ?? TOMLArray() {
                    guard let subTable = subEntry.table else {
                        throw fields.error("subtechnique", "each [[rule.threat.technique.subtechnique]] must be a table")
                    }
                    subtechniques.append(try reference(subTable, fields: fields))
                }
                techniques.append(ThreatTechnique(technique: try reference(techniqueTable, fields: fields), subtechniques: subtechniques))
            }
            mappings.append(ThreatMapping(
                framework: try fields.string(table, "framework", required: false) ?? "MITRE ATT&CK",
                tactic: try reference(tacticTable, fields: fields),
                techniques: techniques))
        }
        return mappings
    }

    private static func reference(_ table: TOMLTable, fields: FieldReader) throws(RuleLoadError) -> ThreatReference {
        ThreatReference(id: try fields.string(table, "id")!, name: try fields.string(table, "name")!,
                        reference: try fields.string(table, "reference", required: false) ?? "")
    }
}

/// Typed access to TOML values, with errors that point at the key's line in the file.
private struct FieldReader {
    let document: TOMLTable
    let lines: [Substring]
    let path: String

    init(document: TOMLTable, text: String, path: String) {
        self.document = document
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        self.path = path
    }

    /// The first line assigning `key` (best effort: TOMLKit does not keep value positions).
    func line(of key: String) -> Int {
        for (index, line) in lines.enumerated() {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.hasPrefix(key), trimmed.dropFirst(key.count).drop(while: { $0 == " " }).hasPrefix("=") {
                return index + 1
            }
        }
        return 0
    }

    /// The line on which the query text starts (the line after `query = '''` + newline, or that line).
    func queryStartLine() -> Int {
        let assignment = line(of: "query")
        guard assignment > 0 else { return 1 }
        let text = lines[assignment - 1]
        for opener in ["'''", "\"\"\""] {
            if let range = text.range(of: opener), text[range.upperBound...].allSatisfy({ $0 == " " || $0 == "\r" }) {
                return assignment + 1
            }
        }
        return assignment
    }

    func error(_ key: String, _ message: String) -> RuleLoadError {
        RuleLoadError(path: path, line: line(of: key), message: message)
    }

    func string(_ table: TOMLTable, _ key: String, required: Bool = true) throws(RuleLoadError) -> String? {
        guard let value = table[key] else {
            if required { throw RuleLoadError(path: path, line: 0, message: "missing required key '\(key)'") }
            return nil
        }
        guard let string = value.string else { throw error(key, "'\(key)' must be a string") }
        return string
    }

    func integer(_ table: TOMLTable, _ key: String) throws(RuleLoadError) -> Int? {
        guard let value = table[key] else { return nil }
        guard let number = value.int else { throw error(key, "'\(key)' must be an integer") }
        return number
    }

    func strings(_ table: TOMLTable, _ key: String) throws(RuleLoadError) -> [String] {
        guard let value = table[key] else { return [] }
        guard let array = value.array else { throw error(key, "'\(key)' must be an array of strings") }
        var result: [String] = []
        for element in array {
            guard let string = element.string else { throw error(key, "'\(key)' must hold strings only") }
            result.append(string)
        }
        return result
    }
}
