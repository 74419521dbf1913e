import CRdKafka
import Foundation
import Kafka
import Pipeline
import Testing

/// Failure paths of the client wrapper, against librdkafka's mock cluster.
@Suite struct KafkaFaultInjectionTests {
    @Test func undeliveredMessagesFailTheFlushWhileTheBrokerIsDown() async throws {
        let cluster = MockCluster()
        cluster.createTopic("alerts", partitions: 2)
        cluster.setBroker(1, up: false)
        try await Fixtures.onThread {
            let producer = try KafkaProducer(settings: cluster.settings().overriding(with: ["message.timeout.ms": "800"]))
            for index in 0..<3 {
                try producer.send(topic: "alerts", key: Array("host-\(index)".utf8), value: Array("{}".utf8))
            }
            #expect(producer.unacknowledgedCount == 3)
            #expect {
                try producer.flush()
            } throws: { error in
                guard case KafkaError.deliveryFailed(3, let first) = error else { return false }
                return first.topic == "alerts" && first.code == .messageTimedOut
            }
            #expect(producer.unacknowledgedCount == 0)

            // Once the broker is back, the same producer delivers again.
            cluster.setBroker(1, up: true)
            try producer.send(topic: "alerts", key: nil, value: Array("{}".utf8))
            try producer.flush()
        }
    }

    @Test func retriableProduceErrorsAreRetriedWithoutDuplicates() async throws {
        let cluster = MockCluster()
        cluster.createTopic("alerts", partitions: 1)
        cluster.failNextRequests(apiKey: MockCluster.APIKey.produce,
                                 with: [.notLeaderForPartition, .code(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT)])
        let values = try await Fixtures.onThread {
            let producer = try KafkaProducer(settings: cluster.settings().overriding(with: ["retry.backoff.ms": "10"]))
            for index in 0..<20 { try producer.send(topic: "alerts", key: nil, value: Array("alert-\(index)".utf8)) }
            try producer.flush()
            let consumer = try KafkaConsumer(settings: cluster.settings())
            defer { consumer.close() }
            try consumer.assign([KafkaTopicPartition(topic: "alerts", partition: 0)], from: .beginning)
            var values: [String] = []
            let deadline = ContinuousClock.now + .seconds(10)
            while values.count < 20, ContinuousClock.now < deadline {
                for case .message(let message) in try consumer.poll(maxMessages: 100, timeout: .milliseconds(100)) {
                    values.append(String(decoding: message.value, as: UTF8.self))
                }
            }
            // Anything sent twice would show up here (the idempotent producer's sequence numbers prevent it).
            for case .message(let message) in try consumer.poll(maxMessages: 100, timeout: .milliseconds(300)) {
                values.append(String(decoding: message.value, as: UTF8.self))
            }
            return values
        }
        #expect(values == (0..<20).map { "alert-\($0)" })
    }

    @Test func aPermanentProduceErrorFailsTheFlushWithItsCode() async throws {
        let cluster = MockCluster()
        cluster.createTopic("alerts", partitions: 1)
        cluster.failNextRequests(apiKey: MockCluster.APIKey.produce, with: [.topicAuthorizationFailed])
        try await Fixtures.onThread {
            let producer = try KafkaProducer(settings: cluster.settings())
            try producer.send(topic: "alerts", key: nil, value: Array("{}".utf8))
            #expect {
                try producer.flush()
            } throws: { error in
                guard case KafkaError.deliveryFailed(1, let first) = error else { return false }
                return first.code == .topicAuthorizationFailed && "\(error)".contains("alerts")
            }
        }
    }

    @Test func commitErrorsAreThrownButRebalanceRefusalsOnlySkipTheCommit() async throws {
        let cluster = MockCluster()
        cluster.createTopic("events", partitions: 2)
        try await Fixtures.onThread {
            let producer = try KafkaProducer(settings: cluster.settings())
            for index in 0..<10 { try producer.send(topic: "events", key: Array("h\(index)".utf8), value: Array("{}".utf8)) }
            try producer.flush()
        }
        let source = try KafkaSource(topics: ["events"], settings: cluster.settings(group: "tripline"),
                                     options: .init(maxBatchSize: 100, maxBatchWait: .milliseconds(50), stopAtEnd: true))
        let batches = try await Fixtures.consume(source, timeout: .seconds(20)) { $0.count >= 10 }
        let checkpoint = try #require(batches.last?.checkpoint)
        try await Fixtures.onThread {
            cluster.failNextRequests(apiKey: MockCluster.APIKey.offsetCommit,
                                     with: [.code(RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED)])
            #expect {
                try source.commit(checkpoint)
            } throws: { error in
                guard case KafkaError.commitFailed(let code, _) = error else { return false }
                return code == .code(RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED)
            }
            cluster.failNextRequests(apiKey: MockCluster.APIKey.offsetCommit, with: [.rebalanceInProgress])
            try source.commit(checkpoint) // skipped, not thrown: the partitions' next owner reads the records again
            try source.commit(checkpoint)
            let observer = try KafkaConsumer(settings: cluster.settings(group: "tripline"))
            let partitions = (0..<2).map { KafkaTopicPartition(topic: "events", partition: Int32($0)) }
            #expect(try observer.committedOffsets(for: partitions).values.reduce(0, +) == 10)
            source.close()
        }
    }

    @Test func anUnauthorizedTopicStopsTheSourceWithATypedError() async throws {
        let cluster = MockCluster()
        cluster.createTopic("secret-events", partitions: 1)
        cluster.setTopicError("secret-events", .topicAuthorizationFailed)
        let source = try KafkaSource(topics: ["secret-events"], settings: cluster.settings(group: "tripline"))
        await #expect {
            _ = try await Fixtures.consume(source, timeout: .seconds(15))
        } throws: { error in
            guard case KafkaError.consumeFailed(let code, _) = error else { return false }
            return code == .topicAuthorizationFailed
        }
    }

    @Test func creatingATopicWithoutAReachableBrokerTimesOut() async throws {
        try await Fixtures.onThread {
            let admin = try KafkaAdmin(settings: ["bootstrap.servers": "127.0.0.1:1", "log_level": "0"])
            #expect {
                try admin.createTopic("never", partitions: 1, timeout: .seconds(1))
            } throws: { error in
                guard case KafkaError.topicCreationFailed("never", let code, _) = error else { return false }
                return code == .timedOut || code == .code(RD_KAFKA_RESP_ERR__TRANSPORT)
            }
        }
    }
}
