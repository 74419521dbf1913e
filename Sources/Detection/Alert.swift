import ECS

/// One alert, as Elastic Security would index it: a rule, the event(s) that tripped it, and the
/// fields enrichers added.
///
/// A single-event rule raises one ``Kind/single`` alert. A sequence raises one ``Kind/sequence``
/// shell alert holding the fields common to its events (the join keys) plus one
/// ``Kind/buildingBlock(index:)`` alert per matched event; all of them share ``groupID``.
public struct Alert: Sendable {
    /// What part of a detection this alert is.
    public enum Kind: Sendable, Hashable {
        /// The alert of a single-event rule.
        case single
        /// The shell alert of a sequence.
        case sequence
        /// The alert for the event at `index` in a sequence (`kibana.alert.group.index`).
        case buildingBlock(index: Int)
    }

    /// The rule that fired.
    public let rule: Rule
    /// What part of a detection this is.
    public let kind: Kind
    /// Deterministic id: SHA-256 over the rule id and the identities of the source events, so a
    /// replay raises the same id and downstream can de-duplicate.
    public let uuid: String
    /// Shared by a sequence's shell and building-block alerts.
    public let groupID: String?
    /// The source event (single and building-block alerts).
    public let event: Event?
    /// Fields written at the top of the document instead of a source event (a sequence's join keys).
    public let commonFields: [JSONMember]
    /// Event time of the (first) source event, in nanoseconds since the epoch.
    public let originalTime: Int64
    /// The host the alert is about (the Kafka message key), when known.
    public let hostID: String?
    /// `kibana.alert.reason`: what happened, in one sentence.
    public let reason: String
    /// What the alert derives from (`kibana.alert.ancestors`): the source events' identities, or for
    /// a sequence's shell alert its building-block alerts' ids.
    public let ancestors: [String]
    /// Fields added by enrichers, written as dotted keys.
    public var enrichment: [JSONMember] = []
    /// The document members made from ``rule`` alone.
    let ruleMembers: RuleAlertMembers

    /// Creates an alert; ``AlertFactory`` is the usual way.
    public init(rule: Rule, kind: Kind, uuid: String, groupID: String?, event: Event?,
                commonFields: [JSONMember], originalTime: Int64, hostID: String?, reason: String = "",
                ancestors: [String] = []) {
        self.init(rule: rule, ruleMembers: RuleAlertMembers(rule), kind: kind, uuid: uuid, groupID: groupID, event: event,
                  commonFields: commonFields, originalTime: originalTime, hostID: hostID, reason: reason, ancestors: ancestors)
    }

    /// Creates an alert whose rule's members are already serialized (`ruleMembers`, made from `rule`).
    init(rule: Rule, ruleMembers: RuleAlertMembers, kind: Kind, uuid: String, groupID: String?, event: Event?,
         commonFields: [JSONMember], originalTime: Int64, hostID: String?, reason: String, ancestors: [String]) {
        self.ruleMembers = ruleMembers
        self.reason = reason
        self.ancestors = ancestors
        self.rule = rule
        self.kind = kind
        self.uuid = uuid
        self.groupID = groupID
        self.event = event
        self.commonFields = commonFields
        self.originalTime = originalTime
        self.hostID = hostID
    }
}
