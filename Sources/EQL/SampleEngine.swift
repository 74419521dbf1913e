import ECS

/// The state of a `sample` query (placeholder until sampling is implemented).
struct SampleEngine {
    let plan: SamplePlan
    var liveCount: Int { 0 }

    mutating func process(_ event: Event, ordinal: Ordinal) {}

    mutating func finish(into matches: inout [SequenceMatch]) {}
}
