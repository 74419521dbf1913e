import ArgumentParser
import Pipeline
import Pipelines

/// Finds declared pipelines by name.
enum PipelineCatalog {
    static func find(_ name: String?) throws -> Pipeline {
        guard let name else {
            guard let first = registeredPipelines.first else { throw ValidationError("no pipeline is declared in Pipelines/") }
            return first
        }
        guard let pipeline = registeredPipelines.first(where: { $0.name == name }) else {
            let known = registeredPipelines.map(\.name).joined(separator: ", ")
            throw ValidationError("no pipeline named '\(name)'; declared pipelines: \(known)")
        }
        return pipeline
    }
}

/// `tripline pipelines`: lists the pipelines declared in `Pipelines/`.
struct PipelinesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipelines",
        abstract: "List the pipelines declared in Swift under Pipelines/ (the first is the default)."
    )

    func run() throws {
        for pipeline in registeredPipelines {
            print("\(pipeline.name)\t\(pipeline.summary)")
            print("    \(pipeline.source.description) → \(pipeline.normalizer.name) → partition by \(pipeline.partitioning.key) → rules in \(pipeline.detection.rulesPath) → enrich: \(pipeline.enrichers.map(\.description).joined(separator: ", ")) → \(pipeline.sink.description)")
        }
    }
}
