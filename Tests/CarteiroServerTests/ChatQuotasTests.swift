import CarteiroDomain
import Testing

@testable import CarteiroServer

/// The per-minute quotas of what customers make the store keep, with time given, not waited for.
@Suite struct ChatQuotasTests {
    let start = ContinuousClock.now
    let address = IPAddress("192.0.2.1")!
    let conversation = ConversationID(rawValue: "c1")

    @Test func aConversationsQuotaComesBackOverTheMinuteAfterItWasSpent() {
        let quotas = ChatQuotas(limits: .init(conversationBytesPerMinute: 6000), now: start)
        // Each message costs 1,000 + 256.
        for _ in 0..<4 { #expect(quotas.storeMessage(ofBytes: 1000, in: conversation, from: address, at: start) == .allowed) }
        #expect(quotas.storeMessage(ofBytes: 1000, in: conversation, from: address, at: start) == .conversationOverQuota)
        #expect(quotas.storeMessage(ofBytes: 1000, in: ConversationID(rawValue: "c2"), from: address, at: start) == .allowed)
        // 976 bytes are left; the missing 280 come back in 2.8 s of a 6,000-byte minute.
        #expect(quotas.storeMessage(ofBytes: 1000, in: conversation, from: address, at: start + .seconds(2)) == .conversationOverQuota)
        #expect(quotas.storeMessage(ofBytes: 1000, in: conversation, from: address, at: start + .seconds(3)) == .allowed)
    }

    @Test func aMessageRefusedByOneQuotaTakesNothingFromTheOther() {
        let quotas = ChatQuotas(limits: .init(addressBytesPerMinute: 5000, conversationBytesPerMinute: 10_000), now: start)
        #expect(quotas.storeMessage(ofBytes: 2000, in: conversation, from: address, at: start) == .allowed)
        #expect(quotas.storeMessage(ofBytes: 3000, in: conversation, from: address, at: start) == .addressOverQuota)
        // The conversation was charged for the first only: 7,744 of 10,000 are left, enough for
        // 4,856 from another address (had the refused 3,256 been taken, 4,488 would be left).
        #expect(quotas.storeMessage(ofBytes: 4600, in: conversation, from: IPAddress("192.0.2.2")!, at: start) == .allowed)
    }

    @Test func newConversationsAreCountedPerAddressAndAnIPv6ClientByItsSlash64() {
        let quotas = ChatQuotas(limits: .init(conversationsPerMinute: 2), now: start)
        let first = IPAddress("2001:db8:1:2::10")!.limitKey
        let sameSubnet = IPAddress("2001:db8:1:2:ffff::1")!.limitKey
        #expect(quotas.startConversation(from: first, at: start) == .allowed)
        #expect(quotas.startConversation(from: sameSubnet, at: start) == .allowed)
        #expect(quotas.startConversation(from: first, at: start) == .addressOverQuota)
        #expect(quotas.startConversation(from: IPAddress("2001:db8:1:3::10")!.limitKey, at: start) == .allowed)
        #expect(quotas.startConversation(from: first, at: start + .seconds(30)) == .allowed)
    }

    @Test func noLimitIsZero() {
        let quotas = ChatQuotas(limits: .init(), now: start)
        for _ in 0..<1000 { #expect(quotas.storeMessage(ofBytes: 4096, in: conversation, from: address, at: start) == .allowed) }
        #expect(quotas.startConversation(from: address, at: start) == .allowed)
    }
}
