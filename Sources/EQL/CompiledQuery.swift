import ECS

/// A query compiled against a field catalog: fast evaluators for its filters and the plan of its
/// sequence or sample.
///
/// Compiling interns every field path the query reads in `fields`, so that an ``EventReader``
/// built from the resulting catalog keeps exactly those values. A compiled query is immutable and
/// shared between threads; sequence state lives in the ``SequenceMatcher``s it makes.
///
/// ```swift
/// var fields = FieldCatalog.Builder()
/// let rule = try CompiledQuery(Query.parse(#"process where process.name : "openssl*""#), fields: &fields)
/// var reader = EventReader(catalog: fields.build())
/// let event = try reader.read(bytes: Array(json.utf8), origin: .memory(index: 0))
/// rule.matches(event)
/// ```
public final class CompiledQuery: Sendable {
    /// The query this was compiled from.
    public let query: Query
    /// The join (`by`) fields of the first stage, shared keys first; empty for event queries.
    /// Keys that are expressions rather than fields (`by unique_pid * 2`, rare) are not listed,
    /// so ``SequenceMatch/joinValues`` lines up with this list when every key is a field.
    public let joinFields: [FieldID]
    let plan: Plan
    /// The conditions ``matches(_:)`` tests: the event filter, or every stage filter and `until`'s
    /// (kept apart from `plan` so a test copies no enum payload).
    let relevanceFilters: [Condition]
    /// `relevanceFilters`, tested without retaining them.
    private let borrowedRelevanceFilters: [BorrowedCondition]

    /// What the query runs.
    enum Plan: Sendable {
        case event(Condition)
        case sequence(SequencePlan)
        case sample(SamplePlan)
    }

    /// Compiles `query`, registering the fields it reads in `fields`. Queries compiled with one
    /// `leaves` pool share their identical string comparisons (see ``LeafPool``), which
    /// ``matches(_:memo:)`` then tests once per event.
    public init(_ query: Query, fields: inout FieldCatalog.Builder, options: CompileOptions = .init(),
                leaves: LeafPool = LeafPool()) throws(EQLError) {
        self.query = query
        var compiler = ExpressionCompiler(fields: fields, dateFields: options.dateFields, leaves: leaves)
        let category = compiler.fields.intern(options.categoryField)
        switch query.ast.body {
        case .event(let filter):
            plan = .event(try Self.filter(filter, category: category, mandatoryKeys: [], compiler: &compiler))
            joinFields = []
        case .sequence(let sequence):
            let built = try SequencePlan.build(sequence, limit: query.limit, options: options, category: category, compiler: &compiler)
            plan = .sequence(built)
            joinFields = built.stages.first?.keys.fields ?? []
        case .sample(let sample):
            let built = try SamplePlan.build(sample, limit: query.limit, options: options, category: category, compiler: &compiler)
            plan = .sample(built)
            joinFields = built.stages.first?.keys.fields ?? []
        }
        fields = compiler.fields
        relevanceFilters = switch plan {
        case .event(let condition): [condition]
        case .sequence(let sequence): sequence.filters
        case .sample(let sample): sample.filters
        }
        borrowedRelevanceFilters = relevanceFilters.map(BorrowedCondition.init)
    }

    /// Compiles `category where condition`, plus a not-null test for each mandatory join key.
    static func filter(_ filter: EventFilterAST, category: FieldID, mandatoryKeys: [FieldID],
                       compiler: inout ExpressionCompiler) throws(EQLError) -> Condition {
        var operands: [Condition] = []
        if let name = filter.category { operands.append(CategoryCondition(field: category, category: Array(name.utf8))) }
        for key in mandatoryKeys { operands.append(FieldIsNullCondition(field: key, negated: true)) }
        let condition = try compiler.condition(filter.condition)
        if operands.isEmpty { return condition }
        if let and = condition as? AndCondition { operands.append(contentsOf: and.operands) } else { operands.append(condition) }
        return AndCondition(operands: operands)
    }

    /// Compiles join keys; non-optional field keys are mandatory (must not be null), as
    /// Elasticsearch's `AddMandatoryJoinKeyFilter` makes them.
    static func keys(_ expressions: [ExpressionAST], compiler: inout ExpressionCompiler) throws(EQLError) -> (parts: [JoinKeyReader.Part], mandatory: [FieldID]) {
        var parts: [JoinKeyReader.Part] = []
        var mandatory: [FieldID] = []
        for expression in expressions {
            if case .field(let path, let optional) = expression.kind {
                let id = compiler.fields.intern(path)
                parts.append(.field(id))
                if !optional { mandatory.append(id) }
            } else {
                var bindings: [FieldID] = []
                let node = try compiler.value(expression, &bindings)
                parts.append(.expression(node, fields: bindings))
            }
        }
        return (parts, mandatory)
    }

    /// For event queries, whether `event` matches (category and condition). For sequence and
    /// sample queries, whether `event` matches any of the stages (positive, missing or `until`),
    /// i.e. whether the matcher needs to see it at all.
    ///
    /// `memo` (of the pool the query was compiled with, begun for `event`) shares the results of
    /// string comparisons with the other queries tested on the same event.
    public func matches(_ event: Event, memo: LeafMemo? = nil) -> Bool {
        let slots = memo?.slots
        for index in borrowedRelevanceFilters.indices where borrowedRelevanceFilters[index].test(event, memo: slots) == true { return true }
        return false
    }

    /// Which of the filters ``matches(_:memo:)`` tests `event` satisfies, bit `i` for filter `i`
    /// (for a sequence: its distinct stage filters, then `until`'s, as its matcher numbers them);
    /// `nil` for a query with more than 64. Zero when the event does not match; a sequence matcher
    /// given these hits does not test its filters again. Only the filters of `candidates` are
    /// tested: the others are known not to match (``RuleIndex/Candidates/filters``).
    public func filterHits(_ event: Event, memo: LeafMemo? = nil, among candidates: UInt64 = .max) -> UInt64? {
        let count = borrowedRelevanceFilters.count
        guard count <= 64 else { return nil }
        var hits: UInt64 = 0
        let slots = memo?.slots
        var remaining = count == 64 ? candidates : candidates & (1 << UInt64(count) &- 1)
        while remaining != 0 {
            let index = remaining.trailingZeroBitCount
            if borrowedRelevanceFilters[index].test(event, memo: slots) == true { hits |= 1 << UInt64(index) }
            remaining &= remaining &- 1
        }
        return hits
    }

    /// A fresh matcher for a sequence or sample query (for an event query, a matcher that never
    /// matches). Each shard owns its own. With a `codec` (owned by the same thread), partial
    /// sequences keep their events compressed.
    public func makeMatcher(codec: RetainedEventCodec? = nil) -> SequenceMatcher {
        switch plan {
        case .event: SequenceMatcher()
        case .sequence(let sequence): SequenceMatcher(sequence: SequenceEngine(plan: sequence, codec: codec))
        case .sample(let sample): SequenceMatcher(sample: SampleEngine(plan: sample))
        }
    }
}

/// One stage of a compiled sequence or sample, after `runs` expansion.
struct PlanStage: Sendable {
    /// Index of the stage's filter in the plan's distinct filters.
    let filter: Int
    /// How the join key is read (shared keys first).
    let keys: JoinKeyReader
    /// Whether this is a missing-event stage.
    let isMissing: Bool
}

/// The compiled form of a `sequence`.
struct SequencePlan: Sendable {
    /// Distinct stage filters (a stage repeated with `runs` shares one), then `until`'s.
    let filters: [Condition]
    let stages: [PlanStage]
    let until: PlanStage?
    /// `maxspan` in nanoseconds, 0 when absent.
    let maxspan: Int64
    let limit: ResultLimit?
    let maxLivePartials: Int

    static func build(_ sequence: SequenceAST, limit: ResultLimit?, options: CompileOptions, category: FieldID,
                      compiler: inout ExpressionCompiler) throws(EQLError) -> SequencePlan {
        var filters: [Condition] = []
        var stages: [PlanStage] = []
        let shared = try CompiledQuery.keys(sequence.sharedKeys, compiler: &compiler)
        for stage in sequence.stages {
            let own = try CompiledQuery.keys(stage.keys, compiler: &compiler)
            let condition = try CompiledQuery.filter(stage.filter, category: category, mandatoryKeys: shared.mandatory + own.mandatory, compiler: &compiler)
            filters.append(condition)
            for _ in 0 ..< stage.runs {
                stages.append(PlanStage(filter: filters.count - 1, keys: JoinKeyReader(parts: shared.parts + own.parts), isMissing: stage.isMissing))
            }
        }
        var until: PlanStage?
        if let stage = sequence.until {
            let own = try CompiledQuery.keys(stage.keys, compiler: &compiler)
            filters.append(try CompiledQuery.filter(stage.filter, category: category, mandatoryKeys: [], compiler: &compiler))
            until = PlanStage(filter: filters.count - 1, keys: JoinKeyReader(parts: shared.parts + own.parts), isMissing: false)
        }
        return SequencePlan(filters: filters, stages: stages, until: until, maxspan: sequence.maxspan ?? 0, limit: limit,
                            maxLivePartials: options.maxLivePartialSequences)
    }
}

/// The compiled form of a `sample`.
struct SamplePlan: Sendable {
    let filters: [Condition]
    let stages: [PlanStage]
    let limit: ResultLimit?
    let maxSamplesPerKey: Int
    /// The most join keys tracked (``CompileOptions/maxLivePartialSequences``).
    let maxKeys: Int

    static func build(_ sample: SampleAST, limit: ResultLimit?, options: CompileOptions, category: FieldID,
                      compiler: inout ExpressionCompiler) throws(EQLError) -> SamplePlan {
        var filters: [Condition] = []
        var stages: [PlanStage] = []
        let shared = try CompiledQuery.keys(sample.sharedKeys, compiler: &compiler)
        for stage in sample.stages {
            let own = try CompiledQuery.keys(stage.keys, compiler: &compiler)
            filters.append(try CompiledQuery.filter(stage.filter, category: category, mandatoryKeys: shared.mandatory + own.mandatory, compiler: &compiler))
            stages.append(PlanStage(filter: filters.count - 1, keys: JoinKeyReader(parts: shared.parts + own.parts), isMissing: false))
        }
        return SamplePlan(filters: filters, stages: stages, limit: limit, maxSamplesPerKey: options.maxSamplesPerKey,
                          maxKeys: options.maxLivePartialSequences)
    }
}
