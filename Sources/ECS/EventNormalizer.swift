/// Turns a raw record into an ECS ``Event``: the stage between a source and detection.
///
/// Elastic Endpoint (Defend) documents are ECS already and pass through ``ElasticEndpointNormalizer``;
/// normalizers for other producers map their fields onto ECS paths.
public protocol EventNormalizer: Sendable {
    /// A short name for logs and `--help`.
    var name: String { get }

    /// Reads `record` with `reader` (which keeps the catalog's fields) and returns the ECS event.
    func normalize(_ record: RawRecord, reader: inout EventReader) throws(EventReadError) -> Event
}

/// Elastic Endpoint / Elastic Defend documents: already ECS, nested or dotted keys.
public struct ElasticEndpointNormalizer: EventNormalizer {
    /// Creates the normalizer.
    public init() {}

    public var name: String { "elastic-endpoint" }

    public func normalize(_ record: RawRecord, reader: inout EventReader) throws(EventReadError) -> Event {
        try reader.read(record)
    }
}
