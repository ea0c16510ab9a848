import CarteiroConversations
import CarteiroDomain
import CarteiroTesting
import Foundation
import Logging
import Testing

/// How agent tokens are judged at sign-in (`AgentAuthenticator`) and while a session is open
/// (`AgentTokenWatch`), on the SQLite store with a manual clock.
@Suite struct AgentTokenTests {
    private func makeToken(_ fixture: ConversationFixture, scope: AccessToken.Scope, expiresIn: TimeInterval? = nil) async throws -> (
        String, AccessToken
    ) {
        let secret = SecretToken.generate()
        let now = fixture.clock.now()
        let token = try AccessToken(
            name: "ana", scope: scope, tokenHash: SecretToken.hash(secret), createdAt: now, expiresAt: expiresIn.map(now.addingTimeInterval))
        try await fixture.store.accessTokens.create(token)
        return (secret, token)
    }

    @Test func theAuthenticatorTellsAMissingOrInvalidTokenFromAValidOneOfAnotherScope() async throws {
        try await ConversationFixture.with(.sqlite) { fixture in
            let authenticator = AgentAuthenticator(tokens: fixture.store.accessTokens, clock: fixture.clock, cacheLifetime: .zero)
            let (agentSecret, agent) = try await makeToken(fixture, scope: .agent)
            let (adminSecret, admin) = try await makeToken(fixture, scope: .admin)
            let (reportsSecret, reports) = try await makeToken(fixture, scope: .reports)
            let (expiringSecret, _) = try await makeToken(fixture, scope: .agent, expiresIn: 60)
            #expect(try await authenticator.authenticate(nil, scope: .agent) == .unauthorized)
            #expect(try await authenticator.authenticate("", scope: .agent) == .unauthorized)
            #expect(try await authenticator.authenticate("unknown", scope: .agent) == .unauthorized)
            #expect(try await authenticator.authenticate(agentSecret, scope: .agent) == .accepted(agent))
            #expect(try await authenticator.authenticate(adminSecret, scope: .agent) == .accepted(admin))
            #expect(try await authenticator.authenticate(reportsSecret, scope: .agent) == .forbidden(reports))
            #expect(try await authenticator.authenticate(expiringSecret, scope: .agent).token != nil)
            fixture.clock.advance(by: .seconds(60))
            #expect(try await authenticator.authenticate(expiringSecret, scope: .agent) == .unauthorized, "expired")
            #expect(try await fixture.store.accessTokens.revoke(id: agent.id))
            #expect(try await authenticator.authenticate(agentSecret, scope: .agent) == .unauthorized, "revoked")
            #expect(try await fixture.store.accessTokens.revoke(id: reports.id))
            #expect(try await authenticator.authenticate(reportsSecret, scope: .agent) == .unauthorized, "revoked beats another scope")
        }
    }

    @Test func aSignInRecordsTheTokensLastUseAtMostOnceAMinute() async throws {
        try await ConversationFixture.with(.sqlite) { fixture in
            let authenticator = AgentAuthenticator(tokens: fixture.store.accessTokens, clock: fixture.clock)
            let (secret, token) = try await makeToken(fixture, scope: .agent)
            let logger = Logger(label: "test")
            let first = fixture.clock.now()
            await authenticator.recordUse(of: token, logger: logger)
            #expect(try await fixture.store.accessTokens.token(hash: SecretToken.hash(secret))?.lastUsedAt == first)
            fixture.clock.advance(by: .seconds(30))
            await authenticator.recordUse(of: token, logger: logger)
            #expect(try await fixture.store.accessTokens.token(hash: SecretToken.hash(secret))?.lastUsedAt == first, "within the minute")
            fixture.clock.advance(by: .seconds(31))
            await authenticator.recordUse(of: token, logger: logger)
            #expect(try await fixture.store.accessTokens.token(hash: SecretToken.hash(secret))?.lastUsedAt == fixture.clock.now())
        }
    }

    @Test func theWatchEndsASessionWhoseTokenIsRevokedOnItsNextCheckAndLeavesTheOthers() async throws {
        try await ConversationFixture.with(.sqlite) { fixture in
            let watch = AgentTokenWatch(tokens: fixture.store.accessTokens, clock: fixture.clock, logger: Logger(label: "test"))
            let (_, ana) = try await makeToken(fixture, scope: .agent)
            let (_, bia) = try await makeToken(fixture, scope: .agent)
            let anaSession = watch.watch(ana)
            let biaSession = watch.watch(bia)
            await watch.check()
            #expect(watch.count == 2, "both tokens are active")
            #expect(try await fixture.store.accessTokens.revoke(id: ana.id))
            await watch.check()
            #expect(watch.count == 1)
            var endings: [AgentTokenWatch.Ending] = []
            for await ending in anaSession.ending { endings.append(ending) }
            #expect(endings == [.revoked])
            watch.unwatch(biaSession)
            #expect(watch.count == 0)
        }
    }

    @Test func theWatchEndsASessionWhoseTokenExpires() async throws {
        try await ConversationFixture.with(.sqlite) { fixture in
            let watch = AgentTokenWatch(tokens: fixture.store.accessTokens, clock: fixture.clock, logger: Logger(label: "test"))
            let (_, token) = try await makeToken(fixture, scope: .agent, expiresIn: 10)
            let session = watch.watch(token)
            await watch.check()
            #expect(watch.count == 1)
            fixture.clock.advance(by: .seconds(10))
            await watch.check()
            var endings: [AgentTokenWatch.Ending] = []
            for await ending in session.ending { endings.append(ending) }
            #expect(endings == [.expired])
        }
    }
}
