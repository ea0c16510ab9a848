import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

/// A send goes where it was told: a job routed to one group of relays is claimed only by a
/// worker serving that route; a job without a route by anyone.
@Suite("Email job routes: one contract, both backends")
struct EmailJobRouteContractTests {
    private func jobs(_ count: Int, route: String?, at now: Date) throws -> [EmailJob] {
        let send = SendID()
        return try (0..<count).map {
            EmailJob(sendID: send, recipient: try EmailAddress("r\($0)@example.com"), stream: .bulk, route: route, dueAt: now, createdAt: now)
        }
    }

    @Test(arguments: Backend.allCases)
    func aClaimerGetsJobsOfItsRouteAndUnroutedOnesNeverAnotherRoutes(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let now = fixture.clock.now()
            let smtp = try jobs(5, route: "relays:smtp://127.0.0.1:2599", at: now)
            let outbox = try jobs(4, route: "relays:file:///srv/outbox", at: now)
            let any = try jobs(3, route: nil, at: now)
            _ = try await fixture.store.emailJobs.enqueue(smtp + outbox + any, events: [])

            let byOutbox = try await fixture.store.emailJobs.claim(
                ClaimRequest(owner: "outbox", limit: 100, leaseDuration: .seconds(60), routes: ["relays:file:///srv/outbox"], now: now))
            #expect(Set(byOutbox.map(\.id)) == Set((outbox + any).map(\.id)))
            #expect(byOutbox.first { $0.id == outbox[0].id }?.route == "relays:file:///srv/outbox", "the route is stored with the job")

            let byOther = try await fixture.store.emailJobs.claim(
                ClaimRequest(owner: "other", limit: 100, leaseDuration: .seconds(60), routes: ["bulk-relays"], now: now))
            #expect(byOther.isEmpty, "no job of another route")

            let bySMTP = try await fixture.store.emailJobs.claim(
                ClaimRequest(owner: "smtp", limit: 100, leaseDuration: .seconds(60), routes: ["relays:smtp://127.0.0.1:2599"], now: now))
            #expect(Set(bySMTP.map(\.id)) == Set(smtp.map(\.id)))
        }
    }

    @Test(arguments: Backend.allCases)
    func anExpiredLeaseIsTakenOverOnlyByAClaimerOfTheSameRoute(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let now = fixture.clock.now()
            let routed = try jobs(2, route: "bulk-relays", at: now)
            _ = try await fixture.store.emailJobs.enqueue(routed, events: [])
            let first = try await fixture.store.emailJobs.claim(
                ClaimRequest(owner: "a", limit: 10, leaseDuration: .seconds(30), routes: ["bulk-relays"], now: now))
            #expect(first.count == 2)
            let later = now.addingTimeInterval(31)
            let elsewhere = try await fixture.store.emailJobs.claim(
                ClaimRequest(owner: "b", limit: 10, leaseDuration: .seconds(30), routes: ["other"], now: later))
            #expect(elsewhere.isEmpty)
            let sameRoute = try await fixture.store.emailJobs.claim(
                ClaimRequest(owner: "c", limit: 10, leaseDuration: .seconds(30), routes: ["bulk-relays"], now: later))
            #expect(Set(sameRoute.map(\.id)) == Set(routed.map(\.id)))
        }
    }

    @Test(arguments: Backend.allCases)
    func aClaimWithoutRoutesTakesJobsOfEveryRoute(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let now = fixture.clock.now()
            let all = try jobs(2, route: "x", at: now) + jobs(2, route: nil, at: now)
            _ = try await fixture.store.emailJobs.enqueue(all, events: [])
            let claimed = try await fixture.store.emailJobs.claim(ClaimRequest(owner: "any", limit: 10, leaseDuration: .seconds(30), now: now))
            #expect(claimed.count == 4)
        }
    }
}
