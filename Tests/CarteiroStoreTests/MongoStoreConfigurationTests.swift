import CarteiroStore
import MongoKit
import Testing

@Suite struct MongoStoreConfigurationTests {
    @Test func concernsComeFromTheConnectionStringWithMajorityAsDefault() {
        let defaults = MongoStore.concerns(fromURI: "mongodb://db:27017/carteiro")
        #expect(defaults.writeConcern == .majority)
        #expect(defaults.readConcern == .majority)
        let given = MongoStore.concerns(fromURI: "mongodb://db:27017/carteiro?w=1&readConcernLevel=local")
        #expect(given.writeConcern == .nodes(1))
        #expect(given.readConcern == .local)
    }
}
