import Detection
import ECS
import EQL
import Foundation

/// The rule sets `tripline bench` measures.
enum BenchRuleSet: String, CaseIterable, Codable {
    /// The two founding rules in `Rules/`.
    case founding
    /// Every rule of Elastic's detection-rules corpus tagged `OS: Linux` that compiles.
    case linux

    /// A column label for the results table.
    var label: String {
        switch self {
        case .founding: "founding"
        case .linux: "linux corpus"
        }
    }
}

/// Rules loaded for one ``BenchRuleSet``, and what happened to the files read.
struct LoadedBenchRules {
    /// Rules read (for `linux`: those tagged `OS: Linux`).
    let rules: [Rule]
    /// Rule files read.
    let filesRead: Int
    /// Files that could not be read as rules.
    let unreadable: [RuleLoadError]

    /// Reads the rules of `set`: `Rules/` for the founding set; for `linux`, every `*.toml` under
    /// `corpusPath` whose tags include `OS: Linux`.
    static func load(_ set: BenchRuleSet, foundingPath: String, corpusPath: String) throws -> LoadedBenchRules {
        let root = set == .founding ? foundingPath : corpusPath
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue,
              let walker = FileManager.default.enumerator(atPath: root) else {
            throw BenchError.missingRules(path: root)
        }
        var paths: [String] = []
        while let entry = walker.nextObject() as? String {
            if entry.hasSuffix(".toml") { paths.append((root as NSString).appendingPathComponent(entry)) }
        }
        var rules: [Rule] = []
        var unreadable: [RuleLoadError] = []
        for path in paths.sorted() {
            do throws(RuleLoadError) {
                let rule = try RuleFileReader.read(path: path)
                if set == .founding || rule.tags.contains("OS: Linux") { rules.append(rule) }
            } catch {
                unreadable.append(error)
            }
        }
        return LoadedBenchRules(rules: rules, filesRead: paths.count, unreadable: unreadable)
    }

    /// Compiles the rules for a pipeline that reads `extraFields` besides them.
    func compile(extraFields: [String], options: CompileOptions = CompileOptions()) -> RuleSet {
        RuleSet.compile(rules, extraFields: extraFields, options: options)
    }
}

/// Why the benchmark cannot run.
enum BenchError: Error, CustomStringConvertible {
    case missingRules(path: String)
    case noSequenceRule(path: String)
    case measurementFailed(arguments: [String], status: Int32)
    case unreadableMeasurement(output: String)
    case unreadableWorkload(path: String, reason: String)
    case unreadableDocument(origin: RecordOrigin, reason: String)

    var description: String {
        switch self {
        case .missingRules(let path): "no rule directory at \(path)"
        case .noSequenceRule(let path): "no sequence rule among the rules in \(path)"
        case .measurementFailed(let arguments, let status): "measurement `\(arguments.joined(separator: " "))` exited with status \(status)"
        case .unreadableMeasurement(let output): "unreadable measurement output: \(output.prefix(300))"
        case .unreadableWorkload(let path, let reason): "cannot read the workload \(path): \(reason)"
        case .unreadableDocument(let origin, let reason): "cannot read the workload's document at \(origin): \(reason)"
        }
    }
}
