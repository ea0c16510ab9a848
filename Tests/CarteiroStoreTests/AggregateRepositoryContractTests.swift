import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

@Suite("Aggregate repositories: one contract, both backends")
struct AggregateRepositoryContractTests {
    @Test(arguments: Backend.allCases)
    func storedContactComesBackFieldForField(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            var contact = try makeContact("Ana.Souza@Example.com.br", name: "Ana Souza", at: fixture.clock.now())
            contact.tags = ["vip", "fibra"]
            contact.attributes = ["plano": "Fibra 500", "cidade": "São Paulo"]
            let stored = try await fixture.store.contacts.insert(contact)
            #expect(stored.version == 1)
            let loaded = try #require(try await fixture.store.contacts.get(contact.id))
            #expect(loaded.email == contact.email)
            #expect(loaded.name == "Ana Souza")
            #expect(loaded.tags == ["vip", "fibra"])
            #expect(loaded.attributes["cidade"] == "São Paulo")
            #expect(loaded.createdAt == contact.createdAt)
            #expect(loaded.status == .pending)
            #expect(loaded.version == 1)
            #expect(try await fixture.store.contacts.get(ContactID()) == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func sameEmailInAnotherCaseIsATypedDuplicate(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            _ = try await fixture.store.contacts.insert(try makeContact("maria@example.com", at: fixture.clock.now()))
            let error = await #expect(throws: StoreError.self) {
                _ = try await fixture.store.contacts.insert(try makeContact("MARIA@Example.COM", at: fixture.clock.now()))
            }
            #expect(error?.kind == .duplicate)
            #expect(error?.field == "email")
            #expect(try await fixture.store.contacts.count() == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func contactIsFoundByEmailCaseInsensitively(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let contact = try await fixture.store.contacts.insert(try makeContact("joao@example.com", at: fixture.clock.now()))
            let found = try await fixture.store.contacts.find(email: try EmailAddress("JOAO@example.com"))
            #expect(found?.id == contact.id)
        }
    }

    @Test(arguments: Backend.allCases)
    func updateFromAnOldVersionIsAConflictAndWritesNothing(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let stored = try await fixture.store.contacts.insert(try makeContact("pedro@example.com", at: fixture.clock.now()))
            var first = stored
            first.name = "Pedro (first writer)"
            var second = stored
            second.name = "Pedro (second writer)"
            let updated = try await fixture.store.contacts.update(first)
            #expect(updated.version == 2)
            let error = await #expect(throws: StoreError.self) { _ = try await fixture.store.contacts.update(second) }
            #expect(error?.kind == .conflict)
            #expect(try await fixture.store.contacts.get(stored.id)?.name == "Pedro (first writer)")
        }
    }

    @Test(arguments: Backend.allCases)
    func changedIndexedFieldsAreFoundByTheirNewValue(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            var contact = try await fixture.store.contacts.insert(try makeContact("lia@example.com", at: fixture.clock.now()))
            try contact.confirm(.init(at: fixture.clock.now(), method: .emailReply, evidence: "<reply-1@mail.example.com>"))
            contact = try await fixture.store.contacts.update(contact)
            let confirmed = try await fixture.store.contacts.find("status", equals: "confirmed", page: .first)
            let pending = try await fixture.store.contacts.find("status", equals: "pending", page: .first)
            #expect(confirmed.items.map(\.id) == [contact.id])
            #expect(pending.items.isEmpty)
            #expect(confirmed.items.first?.consent?.evidence == "<reply-1@mail.example.com>")
        }
    }

    @Test(arguments: Backend.allCases)
    func failedInsertAppendsNoneOfItsEvents(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let first = try makeContact("bia@example.com", at: fixture.clock.now())
            let signedUp = DomainEvent(
                occurredAt: fixture.clock.now(),
                payload: .contactSignedUp(.init(contactID: first.id, email: first.email, locale: "pt-BR", source: "api")))
            _ = try await fixture.store.contacts.insert(first, events: [signedUp])
            let duplicate = try makeContact("Bia@example.com", at: fixture.clock.now())
            let duplicateEvent = DomainEvent(
                occurredAt: fixture.clock.now(),
                payload: .contactSignedUp(.init(contactID: duplicate.id, email: duplicate.email, locale: "pt-BR", source: "api")))
            await #expect(throws: StoreError.self) { _ = try await fixture.store.contacts.insert(duplicate, events: [duplicateEvent]) }
            let events = try await fixture.store.events.read(after: 0, limit: 10)
            #expect(events.map(\.id) == [signedUp.id])
        }
    }

    /// On SQLite, concurrent writes share one transaction (group commit): a write that fails must
    /// be rolled back alone, and every other write of the same commit kept with its events.
    @Test(arguments: Backend.allCases)
    func concurrentInsertsWithDuplicatesKeepEveryUniqueContactAndOnlyItsEvents(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            try await withKnownIssue("nx-27017: concurrent transactions fail with 'no such savepoint' and keep their writes", isIntermittent: true) {
                try await Self.insertConcurrentlyWithDuplicates(fixture)
            } when: {
                backend == .mongodb
            }
        }
    }

    private static func insertConcurrentlyWithDuplicates(_ fixture: StoreFixture) async throws {
        let store = fixture.store
        let now = fixture.clock.now()
        // 120 inserts at once; every third repeats the email of the one before it (in another case).
        let emails = (0..<120).map { index in index % 3 == 2 ? "Bulk\(index - 1)@Example.com" : "bulk\(index)@example.com" }
        let outcomes = try await withThrowingTaskGroup(of: (String, StoreError.Kind?).self) { group in
            for email in emails {
                group.addTask {
                    let contact = try makeContact(email, at: now)
                    let event = DomainEvent(
                        occurredAt: now, payload: .contactSignedUp(.init(contactID: contact.id, email: contact.email, locale: "pt-BR", source: "api")))
                    do {
                        _ = try await store.contacts.insert(contact, events: [event])
                        return (contact.email.canonical, nil)
                    } catch let error as StoreError {
                        return (contact.email.canonical, error.kind)
                    }
                }
            }
            return try await group.reduce(into: [(String, StoreError.Kind?)]()) { $0.append($1) }
        }
        let stored = Set(outcomes.filter { $0.1 == nil }.map(\.0))
        let refused = outcomes.filter { $0.1 != nil }
        #expect(stored == Set((0..<120).filter { $0 % 3 != 2 }.map { "bulk\($0)@example.com" }))
        #expect(refused.count == 40)
        #expect(refused.allSatisfy { $0.1 == .duplicate })
        let events = try await store.events.read(after: 0, limit: 500)
        #expect(events.count == 80, "one event per stored contact, none for a refused one")
        let read = try await store.contacts.list(page: try PageRequest(limit: 500)).items.map(\.email.canonical)
        #expect(Set(read) == stored)
        #expect(read.count == 80)
    }

    @Test(arguments: Backend.allCases)
    func pagingSeesEveryEarlierContactOnceWhileOthersAreInserted(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let originals = try (0..<240).map { try makeContact("page\($0)@example.com", at: fixture.clock.now()) }
            try await fixture.store.contacts.insertMany(originals)
            let store = fixture.store
            let clock = fixture.clock
            let seen = try await withThrowingTaskGroup(of: [ContactID].self) { group in
                group.addTask {
                    for index in 0..<120 {
                        _ = try await store.contacts.insert(try makeContact("late\(index)@example.com", at: clock.now()))
                    }
                    return []
                }
                group.addTask {
                    var ids: [ContactID] = []
                    var cursor: String?
                    repeat {
                        let page = try await store.contacts.list(page: try PageRequest(limit: 25, cursor: cursor))
                        ids += page.items.map(\.id)
                        cursor = page.nextCursor
                        try await Task.sleep(for: .milliseconds(2))
                    } while cursor != nil
                    return ids
                }
                var all: [ContactID] = []
                for try await ids in group { all += ids }
                return all
            }
            #expect(Set(seen).count == seen.count, "no contact seen twice")
            #expect(Set(originals.map(\.id)).isSubset(of: Set(seen)), "every contact that existed before paging began was seen")
            #expect(seen == seen.sorted(), "pages come in one stable order")
        }
    }
}
