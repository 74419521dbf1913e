/// One Elastic detection rule, as read from a detection-rules TOML file.
///
/// Holds the metadata alerts carry (name, severity, risk, MITRE mapping) and the query text; the
/// compiled form is ``DetectionRule``.
public struct Rule: Sendable {
    /// The rule's stable identifier (`[rule] rule_id`).
    public var ruleID: String
    /// Human-readable name.
    public var name: String
    /// What the rule detects.
    public var description: String
    /// `low`, `medium`, `high` or `critical`.
    public var severity: String
    /// 0–100.
    public var riskScore: Int
    /// Rule type (`eql`, `query`, `threshold`, …); Tripline serves `eql`.
    public var type: String
    /// Query language (`eql`, `kuery`, `esql`, …).
    public var language: String
    /// Index patterns the rule searches in Elasticsearch (kept for alert metadata).
    public var indexPatterns: [String]
    /// The query text.
    public var query: String
    /// Field whose value orders and times events instead of `@timestamp`, if set.
    public var timestampOverride: String?
    /// Tags such as `OS: Linux`, `Tactic: Execution`.
    public var tags: [String]
    /// MITRE ATT&CK mapping.
    public var threat: [ThreatMapping]
    /// Rule version, when the file states one.
    public var version: Int?
    /// Alerts one scheduled execution may raise in Elastic (kept as metadata; streaming has no executions).
    public var maxSignals: Int?
    /// `default` for building-block rules, whose alerts are hidden by default.
    public var buildingBlockType: String?
    /// Authors.
    public var authors: [String]
    /// License of the rule text.
    public var license: String?
    /// Reference URLs.
    public var references: [String]
    /// Where the rule came from.
    public var source: RuleSource

    /// Creates a rule; every metadata field but the essentials has a default.
    public init(
        ruleID: String, name: String, description: String = "", severity: String = "low", riskScore: Int = 21,
        type: String = "eql", language: String = "eql", indexPatterns: [String] = [], query: String,
        timestampOverride: String? = nil, tags: [String] = [], threat: [ThreatMapping] = [],
        version: Int? = nil, maxSignals: Int? = nil, buildingBlockType: String? = nil,
        authors: [String] = [], license: String? = nil, references: [String] = [],
        source: RuleSource = RuleSource(path: "<memory>", queryLine: 1)
    ) {
        self.ruleID = ruleID
        self.name = name
        self.description = description
        self.severity = severity
        self.riskScore = riskScore
        self.type = type
        self.language = language
        self.indexPatterns = indexPatterns
        self.query = query
        self.timestampOverride = timestampOverride
        self.tags = tags
        self.threat = threat
        self.version = version
        self.maxSignals = maxSignals
        self.buildingBlockType = buildingBlockType
        self.authors = authors
        self.license = license
        self.references = references
        self.source = source
    }
}

/// Where a rule's text lives, so query errors point at a line of the file.
public struct RuleSource: Sendable, Hashable {
    /// The rule file's path.
    public var path: String
    /// The file line on which the query's first line stands.
    public var queryLine: Int

    /// Creates a source location.
    public init(path: String, queryLine: Int) {
        self.path = path
        self.queryLine = queryLine
    }
}

/// One `[[rule.threat]]` entry: a MITRE ATT&CK tactic and the techniques under it.
public struct ThreatMapping: Sendable, Hashable {
    /// `MITRE ATT&CK`.
    public var framework: String
    /// The tactic (`TA0002 Execution`).
    public var tactic: ThreatReference
    /// Techniques, each with optional subtechniques.
    public var techniques: [ThreatTechnique]

    /// Creates a mapping.
    public init(framework: String, tactic: ThreatReference, techniques: [ThreatTechnique]) {
        self.framework = framework
        self.tactic = tactic
        self.techniques = techniques
    }
}

/// An ATT&CK identifier with its name and reference URL.
public struct ThreatReference: Sendable, Hashable {
    /// `T1059`, `TA0002`, `T1059.004`.
    public var id: String
    /// `Command and Scripting Interpreter`.
    public var name: String
    /// The attack.mitre.org page.
    public var reference: String

    /// Creates a reference.
    public init(id: String, name: String, reference: String) {
        self.id = id
        self.name = name
        self.reference = reference
    }
}

/// A technique and its subtechniques.
public struct ThreatTechnique: Sendable, Hashable {
    /// The technique itself.
    public var technique: ThreatReference
    /// Its subtechniques (may be empty).
    public var subtechniques: [ThreatReference]

    /// Creates a technique entry.
    public init(technique: ThreatReference, subtechniques: [ThreatReference] = []) {
        self.technique = technique
        self.subtechniques = subtechniques
    }
}
