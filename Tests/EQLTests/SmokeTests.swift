import ECS
@testable import EQL
import Testing

@Test func parsesEventQuery() throws {
    let query = try Query.parse(#"process where process.name == "openssl""#)
    #expect(!query.isSequence)
}
