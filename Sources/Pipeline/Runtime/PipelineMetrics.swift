import CoreMetrics
import Foundation
import Synchronization

/// The pipeline's metrics, reported through swift-metrics (Prometheus names, `tripline_` prefix).
///
/// Updated once per batch by the output thread, never per event:
/// - `tripline_records_total{stage="source"}`, `tripline_events_total{stage="normalizer"}`,
///   `tripline_events_total{stage="shard-N"}`, `tripline_alerts_total{rule="…"}`,
///   `tripline_dead_letters_total`, `tripline_batches_total`
/// - `tripline_late_events_total`, `tripline_untimed_events_total`, `tripline_sequence_evictions_total`,
///   `tripline_sequence_early_releases_total` (events released before the lateness bound: buffer full),
///   `tripline_candidate_rules_total` (rules tested on events after the rule index's look-up; over
///   the shards' events, how many rules an event costs), `tripline_held_events_compressed_total`
///   (events of partial sequences still held once too old to be kept whole, and compressed),
///   `tripline_index_memo_lookups_total` and `tripline_index_memo_hits_total` (values of fields with
///   contained literals the rule index looked up in its memo of recent values, and found there)
/// - gauges `tripline_live_sequences`, `tripline_reorder_buffer_bytes`, `tripline_queue_depth{queue="shards|output"}`,
///   `tripline_event_time_lag_seconds` (wall clock minus the newest event time seen), and for sources
///   with lanes (Kafka partitions) `tripline_source_lanes_behind` and `tripline_sequence_wait_seconds`
///   (how far, in event time, sequence rules wait for the partitions behind)
/// - timer `tripline_batch_latency_seconds`: a batch handed over by the source → its alerts written.
///
/// Sources report metrics of their own through ``StageContext/metricsFactory`` (the Kafka source:
/// `tripline_kafka_consumer_lag{topic, partition}`).
public final class PipelineMetrics: Sendable {
    let factory: any MetricsFactory
    let records: Counter
    let decodedEvents: Counter
    let deadLetters: Counter
    let batches: Counter
    let lateEvents: Counter
    let candidateRules: Counter
    let heldEvents: Counter
    let parkedEvents: Counter
    let heldEventsCompressed: Counter
    let indexMemoLookups: Counter
    let indexMemoHits: Counter
    let untimedEvents: Counter
    let evictions: Counter
    let earlyReleases: Counter
    let liveSequences: Gauge
    let reorderBufferBytes: Gauge
    let shardQueueDepth: Gauge
    let outputQueueDepth: Gauge
    let eventTimeLag: Gauge
    let lanesBehind: Gauge
    let sequenceWait: Gauge
    let batchLatency: CoreMetrics.Timer
    private let ruleCounters = Mutex<[String: Counter]>([:])
    private let shardCounters = Mutex<[Int: Counter]>([:])

    /// Creates the metrics on `factory` (default: the process-wide `MetricsSystem`).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        records = Counter(label: "tripline_records_total", dimensions: [("stage", "source")], factory: factory)
        decodedEvents = Counter(label: "tripline_events_total", dimensions: [("stage", "normalizer")], factory: factory)
        deadLetters = Counter(label: "tripline_dead_letters_total", dimensions: [], factory: factory)
        batches = Counter(label: "tripline_batches_total", dimensions: [], factory: factory)
        lateEvents = Counter(label: "tripline_late_events_total", dimensions: [], factory: factory)
        candidateRules = Counter(label: "tripline_candidate_rules_total", dimensions: [], factory: factory)
        heldEvents = Counter(label: "tripline_held_events_total", dimensions: [], factory: factory)
        parkedEvents = Counter(label: "tripline_parked_events_total", dimensions: [], factory: factory)
        heldEventsCompressed = Counter(label: "tripline_held_events_compressed_total", dimensions: [], factory: factory)
        indexMemoLookups = Counter(label: "tripline_index_memo_lookups_total", dimensions: [], factory: factory)
        indexMemoHits = Counter(label: "tripline_index_memo_hits_total", dimensions: [], factory: factory)
        untimedEvents = Counter(label: "tripline_untimed_events_total", dimensions: [], factory: factory)
        evictions = Counter(label: "tripline_sequence_evictions_total", dimensions: [], factory: factory)
        earlyReleases = Counter(label: "tripline_sequence_early_releases_total", dimensions: [], factory: factory)
        liveSequences = Gauge(label: "tripline_live_sequences", dimensions: [], factory: factory)
        reorderBufferBytes = Gauge(label: "tripline_reorder_buffer_bytes", dimensions: [], factory: factory)
        shardQueueDepth = Gauge(label: "tripline_queue_depth", dimensions: [("queue", "shards")], factory: factory)
        outputQueueDepth = Gauge(label: "tripline_queue_depth", dimensions: [("queue", "output")], factory: factory)
        eventTimeLag = Gauge(label: "tripline_event_time_lag_seconds", dimensions: [], factory: factory)
        lanesBehind = Gauge(label: "tripline_source_lanes_behind", dimensions: [], factory: factory)
        sequenceWait = Gauge(label: "tripline_sequence_wait_seconds", dimensions: [], factory: factory)
        batchLatency = CoreMetrics.Timer(label: "tripline_batch_latency_seconds", dimensions: [], factory: factory)
    }

    func alerts(rule: String) -> Counter {
        ruleCounters.withLock { counters in
            if let counter = counters[rule] { return counter }
            let counter = Counter(label: "tripline_alerts_total", dimensions: [("rule", rule)], factory: factory)
            counters[rule] = counter
            return counter
        }
    }

    func shardEvents(_ shard: Int) -> Counter {
        shardCounters.withLock { counters in
            if let counter = counters[shard] { return counter }
            let counter = Counter(label: "tripline_events_total", dimensions: [("stage", "shard-\(shard)")], factory: factory)
            counters[shard] = counter
            return counter
        }
    }
}
