extension CompiledQuery {
    /// How long, in event time, an event can stay part of this query's state: a sequence's `maxspan`
    /// in nanoseconds; `nil` when the state is not bounded in time (a sequence without `maxspan`, a
    /// sample); 0 for event queries, which keep no state.
    ///
    /// The pipeline commits a source position only once every event before it is older than this
    /// horizon behind the released event time, so a restart never loses a partial sequence.
    public var stateHorizon: Int64? {
        switch plan {
        case .event: 0
        case .sequence(let sequence): sequence.maxspan > 0 ? sequence.maxspan : nil
        case .sample: nil
        }
    }
}
