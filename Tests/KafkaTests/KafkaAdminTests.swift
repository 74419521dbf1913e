import Kafka
import Testing

extension BrokerTests {
    @Suite struct KafkaAdminTests {
        @Test func createsATopicWithFourPartitions() async throws {
            let topic = Fixtures.unique("admin")
            try await Fixtures.onThread {
                let admin = try KafkaAdmin(settings: Fixtures.settings())
                #expect(try admin.partitionCount(of: topic) == nil)
                #expect(try admin.createTopic(topic, partitions: 4))
                #expect(try admin.partitionCount(of: topic) == 4)
                #expect(try admin.createTopic(topic, partitions: 4) == false, "creating it again reports that it existed")
            }
        }
    }
}
