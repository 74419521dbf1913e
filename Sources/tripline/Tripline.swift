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
          # The default pipeline on a file, alerts on stdout:
          tripline run --input Config/sample-events.ndjson
          # Any declared pipeline, with its ends swapped:
          tripline run linux-endpoint --input - --output alerts.ndjson --rules Rules
          # From Kafka to Kafka:
          tripline run --topic TOPIC --alerts-topic security-alerts --brokers HOST:9092
          # Load and compile every rule, one line per file:
          tripline rules check Rules
          # The pipelines declared in Pipelines/:
          tripline pipelines
        """,
        subcommands: [RunCommand.self, ProduceCommand.self, RepartitionCommand.self, RulesCommand.self, PipelinesCommand.self, BenchCommand.self]
    )
}
