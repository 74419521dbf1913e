import ArgumentParser

/// The options the measuring subcommands share (`measure-pipeline`, `measure-reader`): the
/// workload, and the rule set whose fields are read from it.
struct MeasurementOptions: ParsableArguments {
    // Option names differ from `bench`'s own, which ArgumentParser would otherwise take for the parent.
    @Option(help: "The NDJSON workload.")
    var eventsFile: String

    @Option(help: "founding or linux.")
    var ruleSet: BenchRuleSet

    @Option(help: "The founding rules directory.")
    var rulesDirectory = "Rules"

    @Option(help: "Elastic's detection-rules corpus.")
    var corpusDirectory = "../shared/rules-corpus"

    /// The field the bench pipeline partitions events by, which the reader keeps besides the rules'.
    static let partitionKey = "host.id"

    /// The rules of ``ruleSet``, read from their directory.
    func loadRules() throws -> LoadedBenchRules {
        try LoadedBenchRules.load(ruleSet, foundingPath: rulesDirectory, corpusPath: corpusDirectory)
    }
}
