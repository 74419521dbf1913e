import Foundation

/// Kafka client settings under librdkafka's property names, the ones Kafka users already know
/// (`bootstrap.servers`, `group.id`, `security.protocol`, `sasl.mechanism`, `ssl.ca.location`, …).
///
/// Settings come from a `key=value` properties file, from Swift, or both; later sources override
/// earlier ones, which is how the CLI's `--brokers` and `--group` win over `Config/kafka.properties`:
///
/// ```swift
/// var settings = try KafkaSettings.file("Config/kafka.properties")
/// settings = settings.overriding(brokers: "127.0.0.1:9092", groupID: "tripline")
/// settings["sasl.password"] = "${KAFKA_PASSWORD}"   // read from the environment when a client starts
/// ```
///
/// Every property passes to librdkafka unchanged (TLS and SASL included), which validates it when a
/// client is created. A value may refer to environment variables as `${NAME}` (write `$${` for a literal
/// `${`); they are expanded when a client is created, so secrets need not sit in files. Secret values
/// (``isSecret(_:)``) never appear in descriptions, dumps, logs or error messages.
public struct KafkaSettings: Sendable, Hashable {
    struct Entry: Sendable, Hashable {
        var value: String
        /// `file:line` when the entry came from a properties file.
        var location: String?
    }

    private var entries: [String: Entry] = [:]

    /// Creates settings from property names and values.
    public init(_ properties: [String: String] = [:]) {
        for (key, value) in properties { entries[key] = Entry(value: value, location: nil) }
    }

    /// Reads a properties file: one `key=value` per line, `#` or `!` starting a comment line, blank
    /// lines ignored, whitespace around keys and values trimmed. Errors name the file and line.
    public static func file(_ path: String) throws(KafkaError) -> KafkaSettings {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadablePropertiesFile(path: path, reason: (error as NSError).localizedDescription)
        }
        return try KafkaSettings(propertiesText: text, source: path)
    }

    /// Parses properties text; `source` names it in errors (`source:line`).
    public init(propertiesText text: String, source: String) throws(KafkaError) {
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("!") { continue }
            let location = "\(source):\(lineNumber)"
            guard let equals = line.firstIndex(of: "=") else {
                throw .malformedProperty(location: location, reason: "expected key=value, found '\(Self.preview(line))'")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else {
                throw .malformedProperty(location: location, reason: "missing the property name before '='")
            }
            if let first = entries[key] {
                throw .duplicateProperty(key: key, location: location, firstLocation: first.location ?? source)
            }
            _ = try Self.expand(value, key: key, location: location, environment: [:], checkOnly: true)
            entries[key] = Entry(value: value, location: location)
        }
    }

    /// A property's value as written (before `${NAME}` expansion); setting `nil` removes it.
    public subscript(key: String) -> String? {
        get { entries[key]?.value }
        set { entries[key] = newValue.map { Entry(value: $0, location: nil) } }
    }

    /// The property names set, sorted.
    public var keys: [String] { entries.keys.sorted() }

    /// `bootstrap.servers`: comma-separated `host:port` list.
    public var brokers: String? {
        get { self["bootstrap.servers"] }
        set { self["bootstrap.servers"] = newValue }
    }

    /// `group.id`: the consumer group.
    public var groupID: String? {
        get { self["group.id"] }
        set { self["group.id"] = newValue }
    }

    /// These settings with every property of `overrides` replacing or adding to them.
    public func overriding(with overrides: KafkaSettings) -> KafkaSettings {
        var merged = self
        merged.entries.merge(overrides.entries) { _, new in new }
        return merged
    }

    /// These settings with `bootstrap.servers` and `group.id` replaced where given (CLI flags).
    public func overriding(brokers: String? = nil, groupID: String? = nil) -> KafkaSettings {
        var merged = self
        if let brokers { merged.brokers = brokers }
        if let groupID { merged.groupID = groupID }
        return merged
    }

    /// These settings plus `defaults` for the properties not set (a client's own defaults).
    func withDefaults(_ defaults: KeyValuePairs<String, String>) -> KafkaSettings {
        var merged = self
        for (key, value) in defaults where merged.entries[key] == nil {
            merged.entries[key] = Entry(value: value, location: nil)
        }
        return merged
    }

    /// Whether a property holds a secret whose value must never be shown: passwords, secrets, private
    /// keys, JAAS and OAUTHBEARER configurations.
    public static func isSecret(_ key: String) -> Bool {
        let key = key.lowercased()
        return key.contains("password") || key.contains("secret") || key == "ssl.key.pem" || key == "ssl_key"
            || key.hasSuffix(".jaas.config") || key == "sasl.oauthbearer.config"
    }

    /// Every property with `${NAME}` references expanded from `environment`, in key order.
    func resolved(environment: [String: String]) throws(KafkaError) -> [(key: String, value: String, location: String?)] {
        var resolved: [(key: String, value: String, location: String?)] = []
        for key in keys {
            let entry = entries[key]!
            let value = try Self.expand(entry.value, key: key, location: entry.location, environment: environment,
                                        checkOnly: false)
            resolved.append((key, value, entry.location))
        }
        return resolved
    }

    /// Expands `${NAME}` (and `$${` to a literal `${`). With `checkOnly` only the syntax is checked.
    private static func expand(_ value: String, key: String, location: String?, environment: [String: String],
                               checkOnly: Bool) throws(KafkaError) -> String {
        guard value.contains("${") else { return value }
        var output = ""
        var rest = Substring(value)
        while let dollar = rest.range(of: "${") {
            if dollar.lowerBound > rest.startIndex, rest[rest.index(before: dollar.lowerBound)] == "$" {
                output += rest[..<rest.index(before: dollar.lowerBound)] + "${"
                rest = rest[dollar.upperBound...]
                continue
            }
            output += rest[..<dollar.lowerBound]
            guard let close = rest[dollar.upperBound...].firstIndex(of: "}") else {
                throw .malformedProperty(location: location ?? "setting '\(key)'",
                                         reason: "'${' without a closing '}' in the value of '\(key)'")
            }
            let name = String(rest[dollar.upperBound..<close])
            guard !name.isEmpty else {
                throw .malformedProperty(location: location ?? "setting '\(key)'",
                                         reason: "empty variable name '${}' in the value of '\(key)'")
            }
            if !checkOnly {
                guard let replacement = environment[name] else {
                    throw .undefinedEnvironmentVariable(name: name, key: key, location: location)
                }
                output += replacement
            }
            rest = rest[rest.index(after: close)...]
        }
        return output + rest
    }

    /// The start of a bad line for an error message: its first word only, since the rest might be a
    /// secret written without `=`.
    private static func preview(_ line: String) -> String {
        let word = line.prefix { !$0.isWhitespace }.prefix(40)
        return word.count < line.count ? word + " …" : String(word)
    }
}

extension KafkaSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `bootstrap.servers=127.0.0.1:9092, sasl.password=<redacted>`: secrets never shown.
    public var description: String {
        keys.map { "\($0)=\(Self.isSecret($0) ? "<redacted>" : entries[$0]!.value)" }.joined(separator: ", ")
    }

    public var debugDescription: String { "KafkaSettings(\(description))" }

    /// Keeps `dump(settings)` and debugger views free of secrets too.
    public var customMirror: Mirror {
        Mirror(self, children: keys.map { (label: $0, value: Self.isSecret($0) ? "<redacted>" : entries[$0]!.value) },
               displayStyle: .dictionary)
    }
}

extension KafkaSettings: ExpressibleByDictionaryLiteral {
    /// `let settings: KafkaSettings = ["bootstrap.servers": "127.0.0.1:9092"]`.
    public init(dictionaryLiteral elements: (String, String)...) {
        for (key, value) in elements { entries[key] = Entry(value: value, location: nil) }
    }
}
