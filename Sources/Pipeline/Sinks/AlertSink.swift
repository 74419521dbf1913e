import Detection

/// Where alert documents go: a file, standard output, a Kafka topic.
///
/// Sinks are called from one thread (the pipeline's output stage), in order.
public protocol AlertSink: Sendable {
    /// A short name for logs and metrics.
    var name: String { get }

    /// Accepts a batch of alerts; may buffer.
    func write(_ alerts: [Alert]) throws

    /// Returns once every alert written so far is durable (written out, or acknowledged by Kafka).
    func flush() throws

    /// Flushes and releases resources; the sink is not used afterwards.
    func close() throws
}

/// Where records that could not be read or normalized go, with the reason and their origin.
public protocol DeadLetterSink: Sendable {
    /// Accepts a batch of dead letters; may buffer.
    func write(_ letters: [DeadLetter]) throws

    /// Returns once every dead letter written so far is durable.
    func flush() throws

    /// Flushes and releases resources.
    func close() throws
}
