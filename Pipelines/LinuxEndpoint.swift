import ECS
import Pipeline

/// The default pipeline: Elastic Defend (Endpoint) events as NDJSON on standard input, every rule
/// under `Rules/`, asset context from `Config/assets.csv`, alerts as NDJSON on standard output.
///
/// `tripline run` runs it; `--input`, `--output`, `--rules` and `--shards` swap its ends.
let linuxEndpoint = Pipeline("linux-endpoint", summary: "Elastic Defend events (NDJSON) → Rules/ → alerts (NDJSON)") {
    ReadNDJSON(path: "-")
    Normalize(ElasticEndpointNormalizer())
    PartitionBy("host.id", shards: .automatic)
    Detect(rules: "Rules", allowedLateness: .seconds(5))
    Enrich("asset inventory (Config/assets.csv)") { try AssetInventory(csvPath: "Config/assets.csv") }
    WriteNDJSON(path: "-")
}
