import ArgumentParser

/// The `tripline` command line.
@main
struct Tripline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tripline",
        abstract: "Streaming detection: Elastic EQL rules on endpoint events, alerts seconds after the event.",
        discussion: """
        Tripline reads ECS endpoint events (NDJSON from a file, standard input or Kafka), evaluates \
        Elastic detection rules (detection-rules TOML files with EQL queries) as the events arrive, and \
        writes Elastic Security alert documents.

        Examples:
          tripline run --input Config/sample-events.ndjson          # default pipeline, alerts on stdout
          tripline run linux-endpoint --input - --output alerts.ndjson --rules Rules
          tripline rules check Rules                                 # load and compile every rule
          tripline pipelines                                         # the pipelines declared in Pipelines/
        """,
        subcommands: [RunCommand.self, ProduceCommand.self, RepartitionCommand.self, RulesCommand.self, PipelinesCommand.self, BenchCommand.self]
    )
}
