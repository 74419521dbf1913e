extension CompiledQuery {
    /// How long, in event time, an event can stay part of this query's state: a sequence's `maxspan`
    /// in nanoseconds (twice that with missing-event stages, whose history looks back further); `nil` when the state is not bounded in time (a sequence without `maxspan`, a
    /// sample); 0 for event queries, which keep no state.
    ///
    /// The pipeline commits a source position only once every event before it is older than this
    /// horizon behind the released event time, so a restart never loses a partial sequence.
    public var stateHorizon: Int64? {
        switch plan {
        case .event: 0
        // Leading missing-event stages look back up to 2 × maxspan before a match (see MissingEventChecker).
        case .sequence(let sequence):
            sequence.maxspan == 0 ? nil : sequence.stages.contains(where: \.isMissing) ? 2 * sequence.maxspan : sequence.maxspan
        case .sample: nil
        }
    }
}
