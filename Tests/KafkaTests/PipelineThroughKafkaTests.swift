import Foundation
import Kafka
import Pipeline
import Synchronization
import TestScratch
import Testing

/// The `tripline` executable, built next to the test bundle.
private var triplineBinary: String {
    var directory = Bundle.main.bundleURL
    if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
    return directory.appendingPathComponent("tripline").path
}

/// A `tripline` process with its standard error collected while it runs.
private final class TriplineProcess: Sendable {
    let process: Process
    private let errors = ErrorText()

    /// Standard error collected so far.
    final class ErrorText: Sendable {
        let data = Mutex(Data())
    }

    init(_ arguments: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: triplineBinary)
        process.arguments = arguments
        process.currentDirectoryURL = KafkaBroker.repositoryRoot
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let handle = errorPipe.fileHandleForReading
        Thread { [errors] in
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                errors.data.withLock { $0.append(data) }
            }
        }.start()
    }

    var stderr: String { errors.data.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Waits for the process to exit (at most `seconds`), killing it if it does not.
    func waitForExit(seconds: Double = 60) -> Int32 {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// The bundled sample, the file pipeline's alert ids for it, and helpers to move it through Kafka.
private enum Sample {
    static let lines: [String] = {
        let text = try! String(contentsOf: KafkaBroker.repositoryRoot.appendingPathComponent("Config/sample-events.ndjson"),
                               encoding: .utf8)
        return text.split(separator: "\n").map(String.init)
    }()

    /// Host names in a fixed order; host *i* is produced to partition *i % 4*, so every partition has a host.
    static let hosts = ["bastion", "build-07", "db-01", "web-01", "web-02"]

    static func hostID(of line: String) -> (id: String, name: String) {
        let document = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        let host = document["host"] as! [String: Any]
        return (host["id"] as! String, host["name"] as! String)
    }

    /// The alert ids the file pipeline raises on the sample.
    static let expectedAlertIDs: Set<String> = {
        let scratch = ScratchDirectory()
        let output = scratch.path("alerts.ndjson")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: triplineBinary)
        process.arguments = ["run", "--input", "Config/sample-events.ndjson", "--output", output]
        process.currentDirectoryURL = KafkaBroker.repositoryRoot
        process.standardError = FileHandle.nullDevice
        try! process.run()
        process.waitUntilExit()
        return alertIDs(in: try! String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map { Array($0.utf8) })
    }()

    static func alertIDs(in documents: [[UInt8]]) -> Set<String> {
        Set(documents.map { (try! JSONSerialization.jsonObject(with: Data($0)) as! [String: Any])["kibana.alert.uuid"] as! String })
    }

    /// Sends `lines` to `topic` (4 partitions), keyed by `host.id`.
    static func produce(_ lines: ArraySlice<String>, to topic: String) throws {
        let producer = try KafkaProducer(settings: Fixtures.settings())
        for line in lines {
            let host = hostID(of: line)
            let partition = Int32(hosts.firstIndex(of: host.name)! % 4)
            try producer.send(topic: topic, key: Array(host.id.utf8), value: Array(line.utf8), partition: partition)
        }
        try producer.flush()
    }

    /// Reads alert documents from `topic` until `done` holds or `seconds` pass.
    static func readAlerts(from topic: String, seconds: Double, until done: (Set<String>) -> Bool) throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(settings: Fixtures.consumerSettings())
        defer { consumer.close() }
        try consumer.assign((0 ..< 4).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) }, from: .beginning)
        var messages: [KafkaMessage] = []
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            for case .message(let message) in try consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)) {
                messages.append(message)
            }
            if done(alertIDs(in: messages.map(\.value))) { break }
        }
        return messages
    }
}

extension BrokerTests {
    /// The founding rules through a real broker, end to end, with the `tripline` executable.
    @Suite("Pipeline through Kafka", .serialized)
    struct PipelineThroughKafkaTests {
        func topics() throws -> (input: String, alerts: String, group: String) {
            let input = Fixtures.unique("events"), alerts = Fixtures.unique("alerts")
            try Fixtures.createTopic(input, partitions: 4)
            try Fixtures.createTopic(alerts, partitions: 4)
            return (input, alerts, Fixtures.unique("tripline"))
        }

        func arguments(_ topics: (input: String, alerts: String, group: String)) -> [String] {
            ["run", "--topic", topics.input, "--alerts-topic", topics.alerts, "--brokers", KafkaBroker.address, "--group", topics.group]
        }

        @Test("the sample loaded with `tripline produce` raises the file pipeline's alerts through Kafka, keyed by host, with rule headers")
        func sameAlertsAsFilePipeline() async throws {
            try await Fixtures.onThread {
                let topics = try topics()
                let produce = try TriplineProcess(["produce", "--topic", topics.input, "--input", "Config/sample-events.ndjson",
                                                   "--brokers", KafkaBroker.address])
                #expect(produce.waitForExit() == 0, "\(produce.stderr)")
                #expect(produce.stderr.contains("produced 1135 events"), "\(produce.stderr)")
                let run = try TriplineProcess(arguments(topics) + ["--stop-at-end"])
                #expect(run.waitForExit() == 0, "\(run.stderr)")
                let messages = try Sample.readAlerts(from: topics.alerts, seconds: 20) { $0.count >= Sample.expectedAlertIDs.count }
                #expect(Sample.expectedAlertIDs.count == 35)
                #expect(Sample.alertIDs(in: messages.map(\.value)) == Sample.expectedAlertIDs)
                #expect(messages.count == 35, "no duplicates without a crash")
                for message in messages {
                    let document = try JSONSerialization.jsonObject(with: Data(message.value)) as! [String: Any]
                    let host = (document["host"] as? [String: Any])?["id"] as? String ?? document["host.id"] as? String
                    #expect(message.key.map { String(decoding: $0, as: UTF8.self) } == host)
                    #expect(message.header("tripline.rule_id") == document["kibana.alert.rule.rule_id"] as? String)
                }
            }
        }

        /// A consumer catching up on a backlog reads partitions in turn: one partition's whole stream
        /// can arrive before another's first event. Small batches make that certain here.
        @Test("a backlog read partition after partition, 20 records a batch, raises the file pipeline's alerts")
        func backlogInSmallBatches() async throws {
            let names = try await Fixtures.onThread {
                let names = try topics()
                try Sample.produce(Sample.lines[...], to: names.input)
                return names
            }
            let scratch = ScratchDirectory()
            let output = scratch.path("alerts.ndjson")
            let source = try KafkaSource(topics: [names.input], settings: Fixtures.consumerSettings(group: names.group),
                                         options: .init(maxBatchSize: 20, stopAtEnd: true))
            var pipeline = Pipeline("backlog") {
                PartitionBy("host.id", shards: .count(2))
                Detect(rules: KafkaBroker.repositoryRoot.appendingPathComponent("Rules").path)
                WriteNDJSON(path: output)
            }
            pipeline.source = SourceStage(description: "kafka") { source }
            let report = try await PipelineRunner.prepare(pipeline).run()
            let written = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map { Array($0.utf8) }
            #expect(report.events == Sample.lines.count)
            #expect(report.lateEvents == 0)
            #expect(Sample.alertIDs(in: written) == Sample.expectedAlertIDs)
        }

        @Test("kill -9 in the middle of a sequence, restart: every expected alert is raised (duplicates keep their ids)")
        func crashAndRestart() async throws {
            try await Fixtures.onThread {
                let topics = try topics()
                // Stop producing after the fifth of twelve encryptions: the crash falls inside the sequence.
                let encryptions = Sample.lines.indices.filter { Sample.lines[$0].contains("\"R4ns0m!\"") }
                let split = encryptions[4] + 1
                try Sample.produce(Sample.lines[..<split], to: topics.input)

                let first = try TriplineProcess(arguments(topics))
                // The two single-event alerts of the first part show the pipeline got that far.
                let early = try Sample.readAlerts(from: topics.alerts, seconds: 30) { $0.count >= 2 }
                #expect(Sample.alertIDs(in: early.map(\.value)).count == 2, "\(first.stderr)")
                kill(first.process.processIdentifier, SIGKILL)
                _ = first.waitForExit()

                try Sample.produce(Sample.lines[split...], to: topics.input)
                let second = try TriplineProcess(arguments(topics) + ["--stop-at-end"])
                #expect(second.waitForExit(seconds: 90) == 0, "\(second.stderr)")
                let messages = try Sample.readAlerts(from: topics.alerts, seconds: 20) { $0.isSuperset(of: Sample.expectedAlertIDs) }
                let ids = Sample.alertIDs(in: messages.map(\.value))
                #expect(ids == Sample.expectedAlertIDs, "missing: \(Sample.expectedAlertIDs.subtracting(ids).count); \(second.stderr)")
            }
        }

        @Test("two processes in one group share the partitions and together raise the alerts of one")
        func twoProcessesOneGroup() async throws {
            try await Fixtures.onThread {
                let topics = try topics()
                let first = try TriplineProcess(arguments(topics))
                let second = try TriplineProcess(arguments(topics))
                Thread.sleep(forTimeInterval: 1)
                try Sample.produce(Sample.lines[...], to: topics.input)
                let messages = try Sample.readAlerts(from: topics.alerts, seconds: 60) { $0.isSuperset(of: Sample.expectedAlertIDs) }
                #expect(Sample.alertIDs(in: messages.map(\.value)) == Sample.expectedAlertIDs)
                first.process.terminate()
                second.process.terminate()
                #expect(first.waitForExit() == 0, "\(first.stderr)")
                #expect(second.waitForExit() == 0, "\(second.stderr)")
                // Both consumed part of the stream: each summary counts events, and they add up.
                let counts = [first.stderr, second.stderr].map { text -> Int in
                    guard let range = text.range(of: #"tripline: \d+ events"#, options: .regularExpression) else { return -1 }
                    return Int(text[range].dropFirst("tripline: ".count).split(separator: " ")[0]) ?? -1
                }
                #expect(counts.allSatisfy { $0 > 0 }, "\(counts): \(first.stderr) \(second.stderr)")
                #expect(counts.reduce(0, +) >= Sample.lines.count)
            }
        }
    }
}

extension BrokerTests {
    @Suite("Repartition by host")
    struct RepartitionTests {
        @Test("events spread over partitions regardless of host come out keyed by host.id, one partition per host")
        func repartition() async throws {
            try await Fixtures.onThread {
                let input = Fixtures.unique("unkeyed"), output = Fixtures.unique("by-host"), deadLetters = Fixtures.unique("dlq")
                try Fixtures.createTopic(input, partitions: 4)
                try Fixtures.createTopic(deadLetters, partitions: 1)
                let producer = try KafkaProducer(settings: Fixtures.settings())
                for index in 0 ..< 100 {
                    let value = Fixtures.event(host: "host-\(index % 5)", sequence: index)
                    try producer.send(topic: input, key: nil, value: Array(value.utf8), partition: Int32(index % 4))
                }
                try producer.send(topic: input, key: nil, value: Array("{not json".utf8), partition: 0)
                try producer.flush()

                let run = try TriplineProcess(["repartition", "--topic", input, "--to", output, "--partitions", "4",
                                               "--brokers", KafkaBroker.address, "--group", Fixtures.unique("repartition"),
                                               "--dead-letter-topic", deadLetters, "--stop-at-end"])
                #expect(run.waitForExit() == 0, "\(run.stderr)")
                #expect(run.stderr.contains("101 records → 100 keyed, 0 without a key, 1 bad"), "\(run.stderr)")

                let messages = try Fixtures.readMessages(topic: output, partitions: 4, count: 100)
                #expect(messages.count == 100)
                var partitionsByHost: [String: Set<Int32>] = [:]
                for message in messages {
                    let key = message.key.map { String(decoding: $0, as: UTF8.self) } ?? ""
                    #expect(String(decoding: message.value, as: UTF8.self).contains(#""id":"\#(key)""#))
                    partitionsByHost[key, default: []].insert(message.partition)
                }
                #expect(partitionsByHost.count == 5)
                #expect(partitionsByHost.values.allSatisfy { $0.count == 1 }, "\(partitionsByHost)")
                let letters = try Fixtures.readMessages(topic: deadLetters, partitions: 1, count: 1)
                #expect(letters.map { String(decoding: $0.value, as: UTF8.self) } == ["{not json"])
            }
        }
    }
}
