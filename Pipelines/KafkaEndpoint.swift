import ECS
import Kafka
import Pipeline

/// Elastic Defend process events from the `logs-endpoint.events.process` topic, every rule under
/// `Rules/`, alerts to the `security-alerts` topic keyed by `host.id`, bad records to
/// `tripline-dead-letters`. Client settings come from `Config/kafka.properties`; offsets are
/// committed only once the alerts the events caused are acknowledged (at-least-once).
///
/// `tripline run kafka-endpoint --brokers 127.0.0.1:9092 --group tripline`
let kafkaEndpoint = Pipeline("kafka-endpoint", summary: "Kafka logs-endpoint.events.process → Rules/ → Kafka security-alerts") {
    ConsumeKafka(topics: ["logs-endpoint.events.process"], settings: .file("Config/kafka.properties"))
    Normalize(ElasticEndpointNormalizer())
    PartitionBy("host.id", shards: .automatic)
    Detect(rules: "Rules", allowedLateness: .seconds(5))
    Enrich("asset inventory (Config/assets.csv)") { try AssetInventory(csvPath: "Config/assets.csv") }
    ProduceAlertsToKafka(topic: "security-alerts")
    KafkaDeadLetters(topic: "tripline-dead-letters")
}
