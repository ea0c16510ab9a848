import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

@Suite("Aggregate repositories: batch look-up, count by field, delete, typed attributes, erasure — both backends")
struct AggregateLookupContractTests {
    @Test(arguments: Backend.allCases)
    func findAnyOfReturnsEachMatchOnceInIdOrderWhateverTheNumberOfValues(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let contacts = try (0..<1_200).map { index in
                var contact = try makeContact("batch\(index)@example.com", at: fixture.clock.now())
                contact.tags = index % 2 == 0 ? ["even", "all"] : ["all"]
                return contact
            }
            try await fixture.store.contacts.insertMany(contacts)
            let wanted = (0..<1_200).filter { $0 % 3 == 0 }.map { "batch\($0)@example.com" } + ["nobody@example.com"]
            let found = try await fixture.store.contacts.find("email", anyOf: wanted.reversed())
            #expect(Set(found.map(\.email.canonical)) == Set((0..<1_200).filter { $0 % 3 == 0 }.map { "batch\($0)@example.com" }))
            #expect(found.count == 400)
            #expect(found.map(\.id) == found.map(\.id).sorted(), "in identifier order")
            let byTag = try await fixture.store.contacts.find("tag", anyOf: ["even", "all"])
            #expect(byTag.count == 1_200, "a contact holding two of the values comes once")
            #expect(try await fixture.store.contacts.find("email", anyOf: []).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func countByFieldCountsTheIndexedValue(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let contacts = try (0..<30).map { index in
                var contact = try makeContact("count\(index)@example.com", at: fixture.clock.now())
                contact.tags = index < 12 ? ["list:a"] : ["list:b"]
                return contact
            }
            try await fixture.store.contacts.insertMany(contacts)
            #expect(try await fixture.store.contacts.count("tag", equals: "list:a") == 12)
            #expect(try await fixture.store.contacts.count("tag", equals: "list:b") == 18)
            #expect(try await fixture.store.contacts.count("tag", equals: "list:c") == 0)
            var moved = try #require(try await fixture.store.contacts.get(contacts[0].id))
            moved.tags = ["list:b"]
            _ = try await fixture.store.contacts.update(moved)
            #expect(try await fixture.store.contacts.count("tag", equals: "list:a") == 11)
        }
    }

    @Test(arguments: Backend.allCases)
    func deletedAggregateIsGoneWithItsIndexEntriesAndItsUniqueValueIsFreeAgain(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let list = try await fixture.store.contactLists.insert(try ContactList(name: "Clientes", createdAt: fixture.clock.now()))
            #expect(try await fixture.store.contactLists.delete(list.id))
            #expect(try await fixture.store.contactLists.get(list.id) == nil)
            #expect(try await fixture.store.contactLists.count("name", equals: "clientes") == 0)
            #expect(try await !fixture.store.contactLists.delete(list.id))
            _ = try await fixture.store.contactLists.insert(try ContactList(name: "clientes", createdAt: fixture.clock.now()))
            #expect(try await fixture.store.contactLists.count() == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func typedAttributesComeBackWithTheirTypes(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            var contact = try makeContact("typed@example.com", at: fixture.clock.now())
            contact.attributes = [
                "age": .number(31), "ratio": .number(0.25), "vip": .boolean(true), "since": .date("2024-02-29"), "city": .string("Recife"),
            ]
            _ = try await fixture.store.contacts.insert(contact)
            let loaded = try #require(try await fixture.store.contacts.get(contact.id))
            #expect(loaded.attributes == contact.attributes)
        }
    }

    @Test(arguments: Backend.allCases)
    func erasedContactFreesNoAddressButIsFoundByItsHash(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            var contact = try await fixture.store.contacts.insert(try makeContact("Erase.Me@example.com", name: "Eva", at: fixture.clock.now()))
            try contact.erase(at: fixture.clock.now())
            _ = try await fixture.store.contacts.update(contact)
            #expect(try await fixture.store.contacts.find(email: try EmailAddress("erase.me@example.com")) == nil)
            let hash = try EmailAddress("ERASE.ME@example.com").erasureHash
            let found = try await fixture.store.contacts.find("erased", equals: hash, page: .first)
            #expect(found.items.map(\.id) == [contact.id])
            #expect(found.items.first?.name == nil)
            let suppression = try await SuppressionList.load(from: fixture.store.contacts)
            #expect(suppression.contains(try EmailAddress("erase.me@EXAMPLE.com")))
        }
    }
}
