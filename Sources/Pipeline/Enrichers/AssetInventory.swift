import Detection
import ECS
import Foundation

/// Adds asset context (owner, criticality, …) to alerts from a CSV table keyed by `host.id`.
///
/// The first row names the columns: the first column holds host ids, every other column is a field
/// added to the alerts of that host, under its header (`asset.owner`, `asset.criticality`, …).
/// Fields are comma-separated; a field may be double-quoted to hold commas (`""` is a quote).
///
/// ```
/// host.id,asset.owner,asset.criticality
/// 9e795e3c83f0a95aee9e9cd5928adc56,web-team,high
/// ```
public struct AssetInventory: AlertEnricher {
    /// Added fields per host id.
    let fieldsByHost: [String: [JSONMember]]

    /// Loads the table at `csvPath`; errors name the file and line.
    public init(csvPath: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: csvPath, encoding: .utf8)
        } catch {
            throw AssetInventoryError(path: csvPath, line: 0, message: "cannot read the file: \(error.localizedDescription)")
        }
        try self.init(csv: text, path: csvPath)
    }

    /// Parses a table given as text; `path` names it in errors.
    public init(csv text: String, path: String = "<memory>") throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard let headerLine = lines.first, !headerLine.isEmpty else {
            throw AssetInventoryError(path: path, line: 1, message: "missing header row (e.g. host.id,asset.owner)")
        }
        let header = try Self.fields(of: headerLine, path: path, line: 1)
        guard header.count >= 2 else {
            throw AssetInventoryError(path: path, line: 1, message: "need a key column and at least one field column")
        }
        var table: [String: [JSONMember]] = [:]
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let values = try Self.fields(of: line, path: path, line: index + 1)
            guard values.count == header.count else {
                throw AssetInventoryError(path: path, line: index + 1,
                                          message: "\(values.count) fields where the header has \(header.count)")
            }
            table[values[0]] = zip(header.dropFirst(), values.dropFirst()).map { JSONMember($0, .string($1)) }
        }
        fieldsByHost = table
    }

    public func enrich(_ alerts: inout [Alert]) {
        for index in alerts.indices {
            guard let host = alerts[index].hostID, let fields = fieldsByHost[host] else { continue }
            alerts[index].enrichment.append(contentsOf: fields)
        }
    }

    /// Splits one CSV line into fields.
    static func fields(of line: Substring, path: String, line number: Int) throws -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else if next == "," { quoted = false; fields.append(current); current = "" } else {
                            throw AssetInventoryError(path: path, line: number, message: "unexpected character after a closing quote")
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.isEmpty {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        guard !quoted else { throw AssetInventoryError(path: path, line: number, message: "unterminated quoted field") }
        fields.append(current)
        return fields
    }
}

/// A malformed asset table.
public struct AssetInventoryError: Error, CustomStringConvertible {
    /// The table's path.
    public let path: String
    /// 1-based line.
    public let line: Int
    /// What is wrong.
    public let message: String

    public var description: String { "\(path):\(line): \(message)" }
}
