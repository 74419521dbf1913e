internal import CRdKafka

/// Everything that can go wrong talking to Kafka, with messages an operator can act on.
///
/// Settings errors name the properties file and line they came from; broker errors carry the
/// ``KafkaErrorCode`` librdkafka reported. No case ever carries the value of a secret setting.
public enum KafkaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A properties file could not be read.
    case unreadablePropertiesFile(path: String, reason: String)
    /// A properties line is not `key=value` (or has an unterminated `${`).
    case malformedProperty(location: String, reason: String)
    /// A key appears twice in one properties file.
    case duplicateProperty(key: String, location: String, firstLocation: String)
    /// A value refers to `${NAME}` but the environment has no `NAME`.
    case undefinedEnvironmentVariable(name: String, key: String, location: String?)
    /// librdkafka rejected a setting (unknown property, invalid value).
    case invalidSetting(key: String, reason: String, location: String?)
    /// A setting the client needs is absent (`group.id` for a consumer group).
    case missingSetting(key: String, reason: String)
    /// librdkafka could not create the client.
    case clientCreationFailed(reason: String)
    /// Subscribing to topics failed.
    case subscriptionFailed(topics: [String], code: KafkaErrorCode)
    /// Assigning, pausing or resuming partitions failed.
    case assignmentFailed(operation: String, code: KafkaErrorCode)
    /// The broker refused the consumer (authorization, a fatal client error).
    case consumeFailed(code: KafkaErrorCode, reason: String)
    /// Committing offsets failed; the offsets were not committed.
    case commitFailed(code: KafkaErrorCode, reason: String)
    /// A message could not be queued for sending (unknown topic, message too large, …).
    case produceFailed(topic: String, code: KafkaErrorCode, reason: String)
    /// Messages were not acknowledged by the broker; `failed` counts them, `first` describes the first.
    case deliveryFailed(failed: Int, first: KafkaDeliveryFailure)
    /// The client hit an unrecoverable error (for example, the idempotent producer lost its sequence)
    /// and must be recreated.
    case fatal(code: KafkaErrorCode, reason: String)
    /// Creating a topic failed.
    case topicCreationFailed(topic: String, code: KafkaErrorCode, reason: String)
    /// Reading cluster metadata or committed offsets failed.
    case requestFailed(operation: String, code: KafkaErrorCode, reason: String)
    /// The client was used after ``KafkaConsumer/close()``.
    case closed
    /// A topic read to its end (``KafkaSource/Options/stopAtEnd``) does not exist.
    case unknownTopic(topic: String)
    /// A TLS handshake or a SASL login failed: the settings, not the network, are wrong, and
    /// retrying would wait forever.
    case securityFailed(code: KafkaErrorCode, reason: String)

    public var description: String {
        func at(_ location: String?) -> String { location.map { "\($0): " } ?? "" }
        switch self {
        case .unreadablePropertiesFile(let path, let reason):
            return "cannot read Kafka properties file \(path): \(reason)"
        case .malformedProperty(let location, let reason):
            return "\(location): \(reason)"
        case .duplicateProperty(let key, let location, let firstLocation):
            return "\(location): '\(key)' is already set at \(firstLocation); keep one of the two lines"
        case .undefinedEnvironmentVariable(let name, let key, let location):
            return "\(at(location))'\(key)' refers to ${\(name)}, but the environment has no \(name); export it "
                + "before starting Tripline"
        case .invalidSetting(let key, let reason, let location):
            return "\(at(location))Kafka setting '\(key)': \(reason)"
        case .missingSetting(let key, let reason):
            return "Kafka setting '\(key)' is required: \(reason)"
        case .clientCreationFailed(let reason):
            return "cannot create the Kafka client: \(reason)"
        case .subscriptionFailed(let topics, let code):
            return "cannot subscribe to \(topics.joined(separator: ", ")): \(code)"
        case .assignmentFailed(let operation, let code):
            return "cannot \(operation) partitions: \(code)"
        case .consumeFailed(let code, let reason):
            return "consuming failed: \(reason) (\(code.name))"
        case .commitFailed(let code, let reason):
            return "committing offsets failed: \(reason) (\(code.name)); they will be consumed again after a restart"
        case .produceFailed(let topic, let code, let reason):
            return "cannot send to topic \(topic): \(reason) (\(code.name))"
        case .deliveryFailed(let failed, let first):
            return "\(failed) message(s) were not acknowledged by Kafka; first: \(first)"
        case .fatal(let code, let reason):
            return "fatal Kafka client error: \(reason) (\(code.name)); the client must be restarted"
        case .topicCreationFailed(let topic, let code, let reason):
            return "cannot create topic \(topic): \(reason) (\(code.name))"
        case .requestFailed(let operation, let code, let reason):
            return "\(operation) failed: \(reason) (\(code.name))"
        case .closed:
            return "the Kafka client is closed"
        case .unknownTopic(let topic):
            return "topic \(topic) does not exist on the broker (a source that stops at the end of its topics "
                + "does not wait for them to be created)"
        case .securityFailed(let code, let reason):
            return "cannot connect to Kafka securely: \(reason) (\(code.name)); check security.protocol and the ssl.* "
                + "and sasl.* settings (ssl.ca.location: the CA that signed the broker's certificate)"
        }
    }
}

/// A message the broker did not acknowledge, as reported by the producer's delivery report.
public struct KafkaDeliveryFailure: Sendable, Hashable, CustomStringConvertible {
    /// The topic it was sent to.
    public let topic: String
    /// The partition it was assigned to, or `-1` before partitioning.
    public let partition: Int32
    /// Why it failed.
    public let code: KafkaErrorCode

    /// Creates a failure record.
    public init(topic: String, partition: Int32, code: KafkaErrorCode) {
        self.topic = topic
        self.partition = partition
        self.code = code
    }

    public var description: String {
        "\(topic)\(partition >= 0 ? "[\(partition)]" : ""): \(code)"
    }
}

/// A librdkafka error code (`rd_kafka_resp_err_t`): broker error codes are positive, client-side ones
/// (timeouts, transport) negative.
public struct KafkaErrorCode: Sendable, Hashable, CustomStringConvertible {
    /// The numeric code.
    public let rawValue: Int32

    /// Wraps a numeric code.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    init(_ code: rd_kafka_resp_err_t) { rawValue = code.rawValue }

    var cValue: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: rawValue) }

    /// The symbolic name (`_MSG_TIMED_OUT`, `TOPIC_ALREADY_EXISTS`).
    public var name: String { String(cString: rd_kafka_err2name(cValue)) }

    /// librdkafka's human-readable text.
    public var description: String { "\(String(cString: rd_kafka_err2str(cValue))) (\(name))" }

    /// A local operation timed out.
    public static let timedOut = KafkaErrorCode(RD_KAFKA_RESP_ERR__TIMED_OUT)
    /// A message was not acknowledged within `message.timeout.ms`.
    public static let messageTimedOut = KafkaErrorCode(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
    /// The topic already exists.
    public static let topicAlreadyExists = KafkaErrorCode(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    /// The topic or partition does not exist.
    public static let unknownTopicOrPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    /// The client is not authorized to access the topic.
    public static let topicAuthorizationFailed = KafkaErrorCode(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
    /// The group is rebalancing; offsets could not be committed.
    public static let rebalanceInProgress = KafkaErrorCode(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS)
    /// The broker is not the coordinator of the group.
    public static let notCoordinator = KafkaErrorCode(RD_KAFKA_RESP_ERR_NOT_COORDINATOR)
    /// The broker is not the leader of the partition.
    public static let notLeaderForPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
    /// No error.
    public static let noError = KafkaErrorCode(RD_KAFKA_RESP_ERR_NO_ERROR)
}
