import CarteiroDomain
import CarteiroStore
import CarteiroTesting
import Foundation
import Testing

/// What one anonymous client can do to the chat (issue 14, part 3), tried from outside against
/// `carteiro serve --roles chat` processes.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ChatLimitsTests {
    /// Before, the place was taken after the upgrade: of 50 refused opens, 21 got a bare 400
    /// from hummingbird-websocket (or an upgrade then a close) instead of the 503.
    @Test func everyUpgradeOfABurstOverTheLimitIsRefusedWith503AndTheJSONBody() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try await ChatServer.start(store: ["--data-dir", folder.path], extra: ["--chat-max-connections", "10"])
        let result = try await PythonChatClient.run("open-at-once", [server.chatURL, "60"])
        let outcomes = result.frames("outcomes")
        #expect(outcomes.count == 60)
        #expect(outcomes.filter { $0["outcome"] as? String == "welcomed" }.count == 10)
        let refused = outcomes.filter { $0["outcome"] as? String != "welcomed" }
        #expect(refused.count == 50)
        for outcome in refused {
            #expect(outcome["status"] as? Int == 503, "\(outcome)")
            #expect((outcome.object("body")["error"] as? [String: Any])?["code"] as? String == "too_many_connections", "\(outcome)")
        }
        #expect(try await server.stop().exitCode == 0)
    }

    @Test func oneClientAddressMayHoldOnlyItsShareOfTheConnections() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try await ChatServer.start(store: ["--data-dir", folder.path], extra: ["--chat-max-connections-per-address", "3"])
        let result = try await PythonChatClient.run("open-from", [server.chatURL, "-", "-", "-", "-"])
        let outcomes = result.frames("outcomes")
        #expect(outcomes.map { $0["outcome"] as? String } == ["welcomed", "welcomed", "welcomed", "refused"])
        #expect(outcomes.last?["status"] as? Int == 503)
        #expect((outcomes.last?.object("body")["error"] as? [String: Any])?["code"] as? String == "too_many_connections")
        #expect(try await server.stop().exitCode == 0)
    }

    /// Through a trusted proxy each forwarded client has its own share, read from the right of
    /// the chain (what a client writes at its left is not believed); from any other peer the
    /// header is ignored.
    @Test func theForwardedAddressCountsOnlyFromATrustedProxy() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let trusting = try await ChatServer.start(
            store: ["--data-dir", folder.path], extra: ["--chat-max-connections-per-address", "2", "--trusted-proxy", "127.0.0.0/8"])
        let behindProxy = try await PythonChatClient.run(
            "open-from",
            [
                trusting.chatURL, "203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.2", "198.51.100.7, 203.0.113.2",
                "10.9.9.9, 203.0.113.2",
            ])
        #expect(
            behindProxy.frames("outcomes").map { $0["outcome"] as? String }
                == ["welcomed", "welcomed", "refused", "welcomed", "welcomed", "refused"])
        #expect(try await trusting.stop().exitCode == 0)

        let untrusting = try await ChatServer.start(
            store: ["--data-dir", folder.path], extra: ["--chat-max-connections-per-address", "2"])
        let direct = try await PythonChatClient.run("open-from", [untrusting.chatURL, "203.0.113.1", "203.0.113.2", "203.0.113.3"])
        #expect(direct.frames("outcomes").map { $0["outcome"] as? String } == ["welcomed", "welcomed", "refused"])
        #expect(try await untrusting.stop().exitCode == 0)
    }

    @Test func aConnectionThatNeverSaysHelloIsClosedAfterTheHelloTimeout() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try await ChatServer.start(store: ["--data-dir", folder.path], extra: ["--chat-hello-seconds", "1"])
        let result = try await PythonChatClient.run("silent", [server.chatURL, "8"])
        #expect(result["close_code"] as? Int == 1008)
        #expect((result["seconds"] as? Double ?? 99) < 3)
        #expect(try await server.stop().exitCode == 0)
    }

    /// Before, ten connections that never said hello filled a process of ten, and every customer
    /// got 503 until the idle timeout (5 minutes) closed them.
    @Test func connectionsThatNeverSayHelloCannotKeepACustomerOut() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        // Evictable after a fifth of the hello timeout: 0.6 s.
        let server = try await ChatServer.start(
            store: ["--data-dir", folder.path], extra: ["--chat-max-connections", "10", "--chat-hello-seconds", "3"])
        let result = try await PythonChatClient.run("crowd", [server.chatURL, "10", "1"])
        #expect(result.object("customer")["type"] as? String == "welcome", "\(result)")
        #expect((result["silent_refused"] as? [Int])?.isEmpty == true)
        // The one that waited longest made room; the others wait for their hello timeout.
        let silent = result["silent"] as? [Any] ?? []
        #expect(silent.first as? Int == 1013, "\(silent)")
        #expect(silent.dropFirst().allSatisfy { $0 as? String == "open" }, "\(silent)")
        #expect(try await server.stop().exitCode == 0)
    }

    /// Customer messages the store holds for each conversation, after the server stopped.
    private func storedCustomerMessages(in folder: TemporaryDirectory, conversations: [String]) async throws -> [Int] {
        let store = try SQLiteStore(configuration: .inDirectory(folder.path))
        var counts: [Int] = []
        for id in conversations {
            let entries = try await store.chatMessages.messages(in: ConversationID(rawValue: id), after: 0, limit: 1000)
            counts.append(entries.filter { $0.author == .customer }.count)
        }
        await store.close()
        return counts
    }

    /// Before, a conversation stored whatever its connections' frame limits let through: 100
    /// connections stored about 19,000 messages of 4 KB in 22 s.
    @Test func aConversationStoresOnlyItsBytesPerMinuteAndTheRestIsRefusedUnstored() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try await ChatServer.start(store: ["--data-dir", folder.path], extra: ["--chat-conversation-bytes-per-minute", "16384"])
        let result = try await PythonChatClient.run("fill", [server.chatURL, "1", "10", "4000"])
        let connection = try #require(result.frames("connections").first)
        // 3 × (4,000 + 256) = 12,768 fits in 16,384; a fourth would not.
        #expect(connection["acks"] as? Int == 3)
        #expect(connection["refused"] as? [String] == Array(repeating: "rate_limited", count: 7))
        #expect(try await server.stop().exitCode == 0)
        let conversation = try #require(connection["conversation_id"] as? String)
        #expect(try await storedCustomerMessages(in: folder, conversations: [conversation]) == [3])
    }

    @Test func oneAddressStoresOnlyItsBytesPerMinuteOverAllItsConversations() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try await ChatServer.start(
            store: ["--data-dir", folder.path], extra: ["--chat-address-bytes-per-minute", "40000", "--chat-conversation-bytes-per-minute", "0"])
        let result = try await PythonChatClient.run("fill", [server.chatURL, "4", "5", "4000"])
        let connections = result.frames("connections")
        // 9 × 4,256 = 38,304 fits in 40,000: five from the first conversation, four from the second.
        #expect(connections.map { $0["acks"] as? Int } == [5, 4, 0, 0])
        #expect(connections.flatMap { $0["refused"] as? [String] ?? [] }.allSatisfy { $0 == "rate_limited" })
        #expect(try await server.stop().exitCode == 0)
        let stored = try await storedCustomerMessages(in: folder, conversations: connections.compactMap { $0["conversation_id"] as? String })
        #expect(stored == [5, 4, 0, 0])
    }

    @Test func oneAddressStartsOnlyItsConversationsPerMinuteButMayResumeThem() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try await ChatServer.start(store: ["--data-dir", folder.path], extra: ["--chat-conversations-per-minute", "3"])
        let result = try await PythonChatClient.run("hellos", [server.chatURL, "5"])
        let hellos = result.frames("hellos")
        #expect(hellos.map { $0["type"] as? String } == ["welcome", "welcome", "welcome", "error", "error"])
        #expect(hellos.last?["code"] as? String == "rate_limited")
        #expect(result.object("resumed")["type"] as? String == "welcome")
        #expect(try await server.stop().exitCode == 0)
    }
}
