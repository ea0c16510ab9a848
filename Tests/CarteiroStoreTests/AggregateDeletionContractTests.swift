import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

@Suite("Deleting aggregates, segments and template revisions: one contract, both backends")
struct AggregateDeletionContractTests {
    @Test(arguments: Backend.allCases)
    func deletingRemovesTheAggregateAndFreesItsUniqueValuesAndAppendsItsEvents(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            let segment = try Segment(name: "Clientes VIP", filter: SegmentFilter(tagsAll: ["vip"]), createdAt: fixture.clock.now())
            _ = try await store.segments.insert(segment)
            let other = try await store.segments.insert(try Segment(name: "Outros", filter: SegmentFilter(), createdAt: fixture.clock.now()))
            let before = try await store.events.read(after: 0, limit: 100).count
            let event = DomainEvent(
                occurredAt: fixture.clock.now(),
                payload: .contactUnsubscribed(.init(contactID: ContactID(), email: try EmailAddress("ana@example.com"), reason: "test")))
            #expect(try await store.segments.delete(segment.id, events: [event]))
            #expect(try await store.segments.get(segment.id) == nil)
            #expect(try await store.segments.findUnique("name", "clientes vip") == nil, "its index entries went with it")
            #expect(try await store.events.read(after: 0, limit: 100).count == before + 1, "the delete's events are appended with it")
            #expect(try await store.segments.delete(segment.id) == false, "a second delete finds nothing")
            #expect(try await store.segments.get(other.id) != nil, "the others stay")
            // The name is free again.
            _ = try await store.segments.insert(try Segment(name: "Clientes VIP", filter: SegmentFilter(), createdAt: fixture.clock.now()))
            #expect(try await store.segments.count() == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func segmentFiltersComeBackFieldForField(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let filter = SegmentFilter(
                statuses: [.confirmed], listIDs: [ContactListID(rawValue: "l1")], tagsAll: ["fibra"], tagsAny: ["sp", "rj"], tagsNone: ["churn"],
                attributes: [try .init(name: "idade", op: .gte, value: "30", kind: .number), try .init(name: "plano", op: .exists, value: nil)],
                engagement: [try .init(event: .opened, withinDays: 30), try .init(event: .clicked, withinDays: 7, negated: true)],
                createdAfter: Date(timeIntervalSince1970: 1_700_000_000))
            let segment = try await fixture.store.segments.insert(try Segment(name: "Ativos", filter: filter, createdAt: fixture.clock.now()))
            let loaded = try #require(try await fixture.store.segments.get(segment.id))
            #expect(loaded.filter == filter)
            #expect(loaded.name == "Ativos")
        }
    }

    @Test(arguments: Backend.allCases)
    func templateRevisionsAreFoundByTemplateInRevisionOrderAndArchivingOneTwiceIsADuplicate(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let store = fixture.store
            var template = try Template(name: "Boas-vindas", subject: "Olá {{name}}", htmlBody: nil, textBody: "Oi", createdAt: fixture.clock.now())
            template = try await store.templates.insert(template)
            for revision in 2...12 {
                _ = try await store.templateRevisions.insert(TemplateRevision(of: template))
                try template.revise(name: "Boas-vindas", subject: "Olá {{name}} \(revision)", htmlBody: nil, textBody: "Oi", at: fixture.clock.now())
                template = try await store.templates.update(template)
            }
            let archived = try await store.templateRevisions.find("template", equals: template.id.rawValue, page: .first).items
            #expect(archived.map(\.revision) == Array(1...11), "revision 10 sorts after 9")
            #expect(archived.last?.subject == "Olá {{name}} 11")
            await #expect(throws: StoreError.self) {
                _ = try await store.templateRevisions.insert(TemplateRevision(of: try #require(try await store.templates.get(template.id))))
                _ = try await store.templateRevisions.insert(TemplateRevision(of: try #require(try await store.templates.get(template.id))))
            }
        }
    }
}
