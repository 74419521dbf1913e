import ECS

/// Per-shard state of one sequence (or sample) query: partial sequences keyed by their join
/// values, advanced event by event exactly as Elasticsearch's `SequenceMatcher` advances them.
///
/// Not thread-safe: one thread owns a matcher. Events **must** arrive in non-decreasing
/// ``Ordinal`` order; the caller (the pipeline) reorders by event time within its allowed
/// lateness. Given that, the matches are those Elasticsearch finds over the same events:
///
/// - An event matching stage *i* > 0 takes, for its join key, the **latest** partial sequence at
///   stage *i − 1* whose ordinal is strictly lower; that sequence and all older ones at stage
///   *i − 1* are removed (`trimBefore`). Only then are `maxspan` (last − first event time ≤ maxspan)
///   and `until` (no `until` event for the key between the partial's last event and this one)
///   checked, so a rejected partial is gone too. A stage-0 event starts a new partial sequence.
///   An event matching several stages is applied to the highest stage first, which gives the
///   result of Elasticsearch's stage-by-stage batch processing.
/// - `[…] with runs=N` is the stage written N times.
/// - Missing-event stages `![…]` are checked when the positive stages complete, with
///   Elasticsearch's rules (`TumblingWindow.checkMissingEvents`): an event of a middle missing stage
///   strictly between its neighbours' times discards the sequence; leading and trailing missing
///   stages reject it when such an event lies within `maxspan`. A match waiting on a trailing
///   missing stage is released by ``advance(to:into:)`` once event time passes the point where no
///   event could reject it, or by ``finish(into:)``.
/// - Memory is bounded: ``advance(to:into:)`` drops partial sequences that can no longer complete
///   within `maxspan`, and at most ``CompileOptions/maxLivePartialSequences`` partials are kept
///   (the oldest is evicted and counted in ``evictions``).
/// - `| head N` stops the matcher after N matches; `| tail N` holds the last N matches back until
///   ``finish(into:)``.
///
/// Matches are appended to the `matches` argument of each call, in the order they are decided.
public struct SequenceMatcher {
    /// The engine of a sequence query, or `nil`. Two optionals rather than an enum with payloads:
    /// an engine mutates in place through optional chaining, where taking it out of an enum case
    /// and putting it back retained and released every one of its buffers on each event.
    private var sequence: SequenceEngine?
    /// The engine of a sample query, or `nil`.
    private var sample: SampleEngine?

    /// A matcher of a sequence query.
    init(sequence: SequenceEngine) {
        self.sequence = sequence
    }

    /// A matcher of a sample query.
    init(sample: SampleEngine) {
        self.sample = sample
    }

    /// A matcher that matches nothing (single-event queries).
    init() {}

    /// Feeds one event. `ordinal` must not be lower than the previous event's. `filterHits`, when
    /// given, are the query's ``CompiledQuery/filterHits(_:memo:)`` for the event, so the matcher
    /// does not test its filters again.
    public mutating func process(_ event: Event, ordinal: Ordinal, filterHits: UInt64? = nil, into matches: inout [SequenceMatch]) {
        sequence?.process(event, ordinal: ordinal, filterHits: filterHits, into: &matches)
        sample?.process(event, ordinal: ordinal)
    }

    /// Tells the matcher that event time has reached `watermark` (nanoseconds): no event processed
    /// from now on has a lower timestamp. Expires partial sequences that can no longer complete
    /// within `maxspan` and releases matches that were waiting on a trailing missing-event stage.
    public mutating func advance(to watermark: Int64, into matches: inout [SequenceMatch]) {
        sequence?.advance(to: watermark, into: &matches)
    }

    /// Ends the input: releases matches still waiting on a trailing missing-event stage, the
    /// held-back results of `| tail N`, and the results of `sample` queries.
    public mutating func finish(into matches: inout [SequenceMatch]) {
        sequence?.finish(into: &matches)
        sample?.finish(into: &matches)
    }

    /// How the query's stages follow each other, by filter (bits of
    /// ``CompiledQuery/filterHits(_:memo:among:)``): what tells an event that can only extend a
    /// partial sequence. `nil` for samples, for sequences with missing-event stages (their events
    /// reject matches) and for more than 64 filters.
    public var stageLinks: SequenceStageLinks? { sequence?.stageLinks }

    /// The filters of the stages right after those where a live partial sequence waits: an event
    /// matching none of them extends nothing. 0 for samples. Changes only as events are processed.
    /// A mutating getter, so that reading it from an array element is an access in place: a
    /// plain getter copied the whole matcher (retaining each of its buffers) per read.
    public var filtersExtendingLivePartials: UInt64 { mutating get { sequence?.filtersExtendingLivePartials ?? 0 } }

    /// Partial sequences currently held (not counting matches waiting on a missing-event check).
    public var liveSequences: Int { sequence?.liveCount ?? sample?.liveCount ?? 0 }

    /// Partial sequences evicted so far because of ``CompileOptions/maxLivePartialSequences``
    /// (for `sample` queries: join keys not tracked because the cap was reached).
    public var evictions: Int { sequence?.evictionCount ?? sample?.droppedKeys ?? 0 }
}
