import ECS
import Kafka
import Pipeline
import Testing

extension BrokerTests {
    @Suite struct KafkaDeadLetterSinkTests {
        @Test func deadLettersKeepTheOriginalBytesWithReasonAndOriginHeaders() async throws {
            let topic = Fixtures.unique("dead-letters")
            let letters = [
                DeadLetter(bytes: Array(#"{"host":{"id":"web-1"}, broken"#.utf8),
                           origin: .kafka(topic: "logs-endpoint.events.process", partition: 2, offset: 41),
                           reason: "column 24: expected '\"' to start a member name"),
                DeadLetter(bytes: Array("not json at all\u{0}\u{1}".utf8), origin: .line(source: "events.ndjson", number: 7),
                           reason: "line 7: expected a JSON object"),
            ]
            let messages = try await Fixtures.onThread {
                try Fixtures.createTopic(topic, partitions: 1)
                let sink = try KafkaDeadLetterSink(topic: topic, settings: Fixtures.settings())
                try sink.write(letters)
                try sink.flush()
                try sink.close()
                return try Fixtures.readMessages(topic: topic, partitions: 1, count: 2)
            }
            try #require(messages.count == 2)
            for (message, letter) in zip(messages, letters) {
                #expect(message.value == letter.bytes)
                #expect(message.key == nil)
                #expect(message.header(KafkaDeadLetterSink.reasonHeader) == letter.reason)
                #expect(message.header(KafkaDeadLetterSink.originHeader) == letter.origin.description)
            }
            #expect(messages[0].header(KafkaDeadLetterSink.originHeader) == "logs-endpoint.events.process[2]@41")
        }
    }
}
