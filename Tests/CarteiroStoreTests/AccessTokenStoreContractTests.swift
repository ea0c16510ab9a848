import CarteiroDomain
import CarteiroStore
import CarteiroStoreTesting
import CarteiroTesting
import Foundation
import Testing

@Suite("Access tokens: one contract, both backends")
struct AccessTokenStoreContractTests {
    private static func hash(_ seed: Character) -> String { String(repeating: seed, count: 64) }

    @Test(arguments: Backend.allCases)
    func tokenIsFoundByItsHashWithEveryField(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let token = try AccessToken(name: "ana", scope: .agent, tokenHash: Self.hash("a"), createdAt: fixture.clock.now())
            try await fixture.store.accessTokens.create(token)
            #expect(try await fixture.store.accessTokens.token(hash: Self.hash("a")) == token)
            #expect(try await fixture.store.accessTokens.token(hash: Self.hash("A")) == token, "hex case does not matter")
            #expect(try await fixture.store.accessTokens.token(hash: Self.hash("b")) == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func aSecondTokenWithTheSameHashIsADuplicate(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            try await fixture.store.accessTokens.create(
                try AccessToken(name: "ana", scope: .agent, tokenHash: Self.hash("a"), createdAt: fixture.clock.now()))
            let error = await #expect(throws: StoreError.self) {
                try await fixture.store.accessTokens.create(
                    try AccessToken(name: "bia", scope: .admin, tokenHash: Self.hash("a"), createdAt: fixture.clock.now()))
            }
            #expect(error?.isDuplicate == true)
            #expect(try await fixture.store.accessTokens.list().map(\.name) == ["ana"])
        }
    }

    @Test(arguments: Backend.allCases)
    func revokingByNameRevokesEveryActiveTokenOfThatNameOnly(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let tokens = fixture.store.accessTokens
            for (name, seed) in [("ana", "1"), ("ana", "2"), ("bia", "3")] {
                try await tokens.create(
                    try AccessToken(name: name, scope: .agent, tokenHash: Self.hash(Character(seed)), createdAt: fixture.clock.now()))
            }
            #expect(try await tokens.revoke(name: "ana") == 2)
            #expect(try await tokens.revoke(name: "ana") == 0, "already revoked")
            #expect(try await tokens.token(hash: Self.hash("1"))?.revoked == true)
            #expect(try await tokens.token(hash: Self.hash("2"))?.revoked == true)
            #expect(try await tokens.token(hash: Self.hash("3"))?.revoked == false)
        }
    }

    @Test(arguments: Backend.allCases)
    func revokingByIDRevokesThatTokenOnceAndUnknownIDsAreFalse(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let tokens = fixture.store.accessTokens
            let token = try AccessToken(name: "ana", scope: .admin, tokenHash: Self.hash("c"), createdAt: fixture.clock.now())
            try await tokens.create(token)
            #expect(try await tokens.revoke(id: token.id))
            #expect(try await !tokens.revoke(id: token.id))
            #expect(try await !tokens.revoke(id: AccessTokenID()))
            #expect(try await tokens.list().map(\.revoked) == [true])
        }
    }

    @Test(arguments: Backend.allCases)
    func expiryAndLastUseAreKeptAndListed(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let now = fixture.clock.now()
            let expiring = try AccessToken(
                name: "ci", scope: .reports, tokenHash: Self.hash("d"), createdAt: now, expiresAt: now.addingTimeInterval(90 * 86_400),
                lastUsedAt: now.addingTimeInterval(-60))
            let lasting = try AccessToken(name: "ana", scope: .agent, tokenHash: Self.hash("e"), createdAt: now)
            try await fixture.store.accessTokens.create(expiring)
            try await fixture.store.accessTokens.create(lasting)
            let found = try #require(try await fixture.store.accessTokens.token(hash: Self.hash("d")))
            #expect(found.expiresAt == now.addingTimeInterval(90 * 86_400))
            #expect(found.lastUsedAt == now.addingTimeInterval(-60))
            #expect(found.isActive(at: now.addingTimeInterval(90 * 86_400 - 1)))
            #expect(!found.isActive(at: now.addingTimeInterval(90 * 86_400)))
            let listed = try await fixture.store.accessTokens.list()
            #expect(Set(listed) == [expiring, lasting])
            #expect(listed.first { $0.id == lasting.id }?.expiresAt == nil)
            #expect(listed.first { $0.id == lasting.id }?.lastUsedAt == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func recordingAUseKeepsTheLatestTimeAndUnknownIDsAreFalse(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let tokens = fixture.store.accessTokens
            let now = fixture.clock.now()
            let token = try AccessToken(name: "ana", scope: .agent, tokenHash: Self.hash("f"), createdAt: now)
            try await tokens.create(token)
            #expect(try await tokens.recordUse(id: token.id, at: now.addingTimeInterval(120)))
            #expect(try await tokens.token(hash: Self.hash("f"))?.lastUsedAt == now.addingTimeInterval(120))
            #expect(try await tokens.recordUse(id: token.id, at: now.addingTimeInterval(60)), "the token exists")
            #expect(try await tokens.list().first?.lastUsedAt == now.addingTimeInterval(120), "an earlier use does not move it back")
            #expect(try await tokens.recordUse(id: token.id, at: now.addingTimeInterval(180)))
            #expect(try await tokens.list().first?.lastUsedAt == now.addingTimeInterval(180))
            #expect(try await !tokens.recordUse(id: AccessTokenID(), at: now))
        }
    }

    @Test(arguments: Backend.allCases)
    func recordingAUseOfARevokedTokenLeavesItRevoked(_ backend: Backend) async throws {
        try await StoreFixture.with(backend) { fixture in
            let tokens = fixture.store.accessTokens
            let token = try AccessToken(name: "ana", scope: .agent, tokenHash: Self.hash("7"), createdAt: fixture.clock.now())
            try await tokens.create(token)
            #expect(try await tokens.revoke(id: token.id))
            #expect(try await tokens.recordUse(id: token.id, at: fixture.clock.now().addingTimeInterval(5)))
            let found = try #require(try await tokens.token(hash: Self.hash("7")))
            #expect(found.revoked)
            #expect(found.lastUsedAt == fixture.clock.now().addingTimeInterval(5))
        }
    }
}
