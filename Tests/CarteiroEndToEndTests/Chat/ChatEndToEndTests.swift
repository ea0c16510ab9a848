import CarteiroTesting
import Foundation
import Testing

/// The chat role end to end: `carteiro serve --roles chat` processes, driven from outside by
/// Python's `websockets` (scripts/chat_e2e.py), on the embedded store and on nx-27017.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ChatEndToEndTests {
    @Test func aSupportDialogueFillsTheTechnicianVisitSlotsInOrder() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try await ChatServer.start(store: ["--data-dir", folder.path])
        let result = try await PythonChatClient.run("dialogue", [server.chatURL])
        let frames = result.frames("frames")
        let bot = frames.filter { $0["from"] as? String == "bot" }.compactMap { $0["text"] as? String }
        #expect(bot.count == 3, "\(bot)")
        #expect(bot.first?.contains("endereço") == true)
        #expect(bot.dropFirst().first?.contains("período") == true)
        #expect(bot.last?.contains("Rua das Flores, 123, Centro") == true)
        let periodQuestion = frames.first { ($0["text"] as? String)?.contains("período") == true }
        #expect(periodQuestion?["quick_replies"] as? [String] == ["Manhã", "Tarde", "Noite"])
        // Acks and messages together cover the conversation's sequences once each, in order.
        #expect(frames.sequences == Array(1...6))
        #expect(try await server.stop().exitCode == 0)
    }

    /// Two connections on one conversation sending at once: their turns race for the same
    /// sequences (the loser reads again and stores after the winner), and each connection gets
    /// every entry once, in sequence order, although its own acks and answers and the other's
    /// entries reach it from two places. (Under the 1,000-connection bench, before each outbox
    /// had one writer, an answer now and then overtook its ack; this load is too light to show
    /// that reliably.)
    @Test func burstsFromTwoConnectionsOnOneConversationArriveInSequenceOrderOnBoth() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try await ChatServer.start(store: ["--data-dir", folder.path], extra: ["--chat-burst", "100"])
        let result = try await PythonChatClient.run("burst", [server.chatURL, "4", "30"])
        let connections = try #require(result["connections"] as? [[[String: Any]]])
        #expect(connections.count == 8)
        for frames in connections {
            #expect(frames.ofType("ack").count == 30)
            #expect(frames.sequences == Array(1...120), "in arrival order")
        }
        #expect(try await server.stop().exitCode == 0)
    }

    @Test func aDroppedConnectionResumesWithNothingLostOrRepeated() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try await ChatServer.start(store: ["--data-dir", folder.path])
        let result = try await PythonChatClient.run("resume", [server.chatURL])
        #expect(result.object("resumed")["conversation_id"] as? String == result.object("welcome")["conversation_id"] as? String)
        let seen = try #require(result["seen_before_drop"] as? Int)
        let before = result.frames("first").sequences.filter { $0 <= seen }
        // The resent message's ack repeats the sequence it was stored under (as the protocol says);
        // every other frame is new.
        let after = result.frames("second").filter { $0["client_id"] as? String != "dropped-1" || $0["type"] as? String != "ack" }.sequences
        let all = before + after
        #expect(Set(all).count == all.count, "no sequence twice: \(before) then \(after)")
        #expect(all.sorted() == Array(1...(all.max() ?? 0)), "no sequence missing: \(before) then \(after)")
        // The message sent just before the drop is stored once, whether or not it arrived the first time.
        let dropped = result.frames("second").ofType("ack").filter { $0["client_id"] as? String == "dropped-1" }
        #expect(dropped.count == 1)
        #expect(try await server.stop().exitCode == 0)
    }

    /// A text frame must be UTF-8 (RFC 6455 §8.1): one that is not closes the connection with
    /// 1007 and stores nothing, rather than storing U+FFFD in place of the bytes.
    @Test func invalidUTF8InATextFrameClosesWith1007AndStoresNothing() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try await ChatServer.start(store: ["--data-dir", folder.path])
        let result = try await PythonChatClient.run("invalid-utf8", [server.chatURL])
        #expect(result["close_code"] as? Int == 1007)
        let texts = result.frames("frames").compactMap { $0["text"] as? String }
        #expect(!texts.contains { $0.contains("\u{FFFD}") || $0.contains("tudo bem") }, "\(texts)")
        #expect(result.frames("frames").ofType("ack").first?["sequence"] as? Int == 1, "the bad frame took no sequence")
        #expect(try await server.stop().exitCode == 0)
    }

    @Test func aCustomerAndAnAgentTalkAfterTheHandOff() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let token = try await createToken(name: "Ana", store: ["--data-dir", folder.path])
        let server = try await ChatServer.start(store: ["--data-dir", folder.path])
        let result = try await PythonChatClient.run("handoff", [server.chatURL, server.agentURL, token])
        try expectHandOff(result, agent: "Ana")
        #expect(try await server.stop().exitCode == 0)
    }

    @Test func aConversationSurvivesARestartOnTheEmbeddedStore() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try await expectSurvivesRestart(store: ["--data-dir", folder.path])
    }

    @Test func aConversationSurvivesARestartOnMongoDB() async throws {
        let mongo = try await MongoWireServer.start()
        defer { mongo.stop() }
        let uri = mongo.uri + "?readConcernLevel=local"
        try await expectSurvivesRestart(store: ["--store", uri, "--data-dir", try TemporaryDirectory().path])
    }

    @Test func floodsAndOversizeFramesAreRefusedWhileAnotherClientIsUnaffected() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try await ChatServer.start(store: ["--data-dir", folder.path], extra: ["--chat-rate", "20", "--chat-burst", "40"])
        let result = try await PythonChatClient.run("limits", [server.chatURL])
        #expect(result.object("invalid_json")["code"] as? String == "invalid_json")
        #expect(result.object("unknown_type")["code"] as? String == "unknown_type")
        #expect(result.object("text_too_long")["code"] as? String == "text_too_long")
        #expect(result.object("text_too_long")["client_id"] as? String == "big")
        #expect(result.object("missing_field")["code"] as? String == "missing_field")
        #expect(result.object("still_usable")["type"] as? String == "ack")
        #expect((result["flood_rate_limited_errors"] as? Int ?? 0) > 0)
        #expect(result["flood_close_code"] as? Int == 1008)
        #expect(result.object("good_reply")["from"] as? String == "bot")
        #expect(result["oversize_close_code"] as? Int == 1009)
        #expect(result.object("after_oversize_reply")["from"] as? String == "bot")
        let exit = try await server.stop()
        #expect(exit.exitCode == 0)
        #expect(!exit.standardError.contains("Fatal error"))
    }

    @Test func onlyAllowedOriginsAndAgentsWithATokenMayUpgrade() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try await ChatServer.start(store: ["--data-dir", folder.path], extra: ["--chat-origin", "https://shop.example"])
        let result = try await PythonChatClient.run("origin", [server.chatURL, "https://shop.example", "https://evil.example"])
        #expect(result.object("allowed_welcome")["type"] as? String == "welcome")
        #expect(result["refused_status"] as? Int == 403)
        #expect((result.object("refused_body")["error"] as? [String: Any])?["code"] as? String == "origin_not_allowed")
        #expect(result["agent_without_token_status"] as? Int == 401)
        #expect((result.object("agent_without_token_body")["error"] as? [String: Any])?["code"] as? String == "token_required")
        #expect(try await server.stop().exitCode == 0)
    }

    @Test func aFullProcessRefusesUpgradesAndIdleConnectionsAreClosed() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let server = try await ChatServer.start(
            store: ["--data-dir", folder.path], extra: ["--chat-max-connections", "1", "--chat-idle-seconds", "1"])
        let result = try await PythonChatClient.run("capacity", [server.chatURL])
        #expect(result["second_status"] as? Int == 503)
        #expect((result.object("second_body")["error"] as? [String: Any])?["code"] as? String == "too_many_connections")
        #expect(result["idle_close_code"] as? Int == 1001)
        #expect((result["idle_seconds"] as? Double ?? 0) < 5)
        #expect(result["third"] as? String == "welcome", "the closed connection's place is free again")
        #expect(try await server.stop().exitCode == 0)
    }

    @Test func aRevokedAgentTokenNoLongerOpensTheAgentEndpoint() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let token = try await createToken(name: "Ana", store: ["--data-dir", folder.path])
        let server = try await ChatServer.start(store: ["--data-dir", folder.path])
        let before = try await PythonChatClient.run("agent-status", [server.agentURL, token])
        #expect(before["status"] as? Int == 101)
        #expect(before.object("first")["type"] as? String == "waiting")
        let revoked = try await CarteiroProcess.run(["token", "revoke", "--name", "Ana", "--data-dir", folder.path])
        #expect(revoked.exitCode == 0, "\(revoked.standardError)")
        // The record read at the first upgrade is kept up to 2 s; then the revocation is seen.
        let after = try await agentStatus(server.agentURL, token, becomes: 401)
        #expect(after["status"] as? Int == 401, "\(after)")
        #expect((after["www_authenticate"] as? String)?.hasPrefix("Bearer") == true, "\(after)")
        #expect(after.object("body").object("error")["code"] as? String == "invalid_token", "\(after)")
        let again = try await CarteiroProcess.run(["token", "revoke", "--name", "Ana", "--data-dir", folder.path])
        #expect(again.exitCode == 1)
        #expect(again.standardError.split(separator: "\n").count == 1)
        #expect(try await server.stop().exitCode == 0)
    }

    @Test func unknownExpiredAndOtherScopeTokensAreRefusedAtTheUpgradeWithTheirStatusAndAJSONBody() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = ["--data-dir", folder.path]
        let reports = try await createToken(name: "relatorios", scope: "reports", store: store)
        let admin = try await createToken(name: "root", scope: "admin", store: store)
        let expiring = try await createToken(name: "Ana", store: store, extra: ["--expires-in", "1s"])
        let server = try await ChatServer.start(store: store)
        let unknown = try await PythonChatClient.run("agent-status", [server.agentURL, "not-a-token-at-all"])
        #expect(unknown["status"] as? Int == 401, "\(unknown)")
        #expect((unknown["www_authenticate"] as? String)?.hasPrefix("Bearer") == true, "\(unknown)")
        #expect(unknown.object("body").object("error")["message"] is String, "\(unknown)")
        let otherScope = try await PythonChatClient.run("agent-status", [server.agentURL, reports])
        #expect(otherScope["status"] as? Int == 403, "\(otherScope)")
        #expect(otherScope["www_authenticate"] as? String == nil)
        #expect(otherScope.object("body").object("error")["code"] as? String == "forbidden", "\(otherScope)")
        #expect(try await PythonChatClient.run("agent-status", [server.agentURL, admin])["status"] as? Int == 101, "admin may do everything")
        // Created with --expires-in 1s before the server started: expired by now, or within a second.
        let expired = try await agentStatus(server.agentURL, expiring, becomes: 401)
        #expect(expired["status"] as? Int == 401, "\(expired)")
        #expect(try await server.stop().exitCode == 0)
    }

    @Test func anOpenAgentSessionIsClosedWith4401WithinSecondsOfItsTokenBeingRevoked() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let token = try await createToken(name: "Ana", store: ["--data-dir", folder.path])
        let server = try await ChatServer.start(store: ["--data-dir", folder.path])
        let revoke = [try CarteiroProcess.executableURL().path, "token", "revoke", "--name", "Ana", "--data-dir", folder.path]
        let result = try await PythonChatClient.run("agent-revoked", [server.agentURL, token] + revoke)
        #expect(result.object("first")["type"] as? String == "waiting", "\(result)")
        #expect(result["code"] as? Int == 4401, "\(result)")
        #expect(result["reason"] as? String == "token revoked", "\(result)")
        // The watch re-reads the tokens every 2 s.
        #expect((result["seconds"] as? Double ?? .infinity) < 5, "\(result)")
        #expect(try await server.stop().exitCode == 0)
    }

    /// Two chat processes on one nx-27017: the customer on one, the agent on the other, each sees
    /// the other's messages, and the bot answered each customer message once.
    @Test func twoChatProcessesOnOneMongoDBShareConversations() async throws {
        let mongo = try await MongoWireServer.start()
        defer { mongo.stop() }
        let uri = mongo.uri + "?readConcernLevel=local"
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let first = try await ChatServer.start(store: ["--store", uri, "--data-dir", folder.path])
        let second = try await ChatServer.start(store: ["--store", uri, "--data-dir", folder.path])
        let token = try await createToken(name: "Ana", store: ["--store", uri])
        let result = try await PythonChatClient.run("handoff", [first.chatURL, second.agentURL, token])
        try expectHandOff(result, agent: "Ana")
        // The bot answered "oi" and the hand-off request once each, before the agent took over.
        let customer = result.frames("customer")
        let botMessages = customer.filter { $0["from"] as? String == "bot" }
        #expect(botMessages.count == 2, "\(botMessages)")
        #expect(Set(botMessages.compactMap { $0["id"] as? String }).count == botMessages.count)
        #expect(customer.sequences.count == Set(customer.sequences).count)
        #expect(try await first.stop().exitCode == 0)
        #expect(try await second.stop().exitCode == 0)
    }

    // MARK: Helpers

    /// `agent-status` until it answers `status`, or `within` passed (then the last answer).
    private func agentStatus(_ url: String, _ token: String, becomes status: Int, within: Duration = .seconds(6)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + within
        while true {
            let result = try await PythonChatClient.run("agent-status", [url, token])
            if result["status"] as? Int == status || ContinuousClock.now > deadline { return result }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    private func createToken(name: String, scope: String = "agent", store: [String], extra: [String] = []) async throws -> String {
        let result = try await CarteiroProcess.run(
            ["token", "create", "--name", name, "--scope", scope] + store + extra, environment: nxEnvironment, timeout: .seconds(30))
        #expect(result.exitCode == 0, "\(result.standardError)")
        let token = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count == 22 && !token.contains("\n"), "only the token is printed: \(result.standardOutput)")
        return token
    }

    private func expectHandOff(_ result: [String: Any], agent: String) throws {
        let conversation = try #require(result["conversation"] as? String)
        #expect(result.object("assigned")["agent_name"] as? String == agent)
        #expect(result.object("from_agent")["agent_name"] as? String == agent)
        #expect(result.object("from_agent")["text"] as? String == "Olá Bia, sou a Ana. Como posso ajudar?")
        #expect(result.object("from_customer")["conversation_id"] as? String == conversation)
        #expect(result.object("from_customer")["text"] as? String == "minha internet caiu")
        #expect(result.object("closed")["type"] as? String == "closed")
        #expect(result.object("refused_claim")["code"] as? String == "conversation_closed")
        let history = result.object("history")["messages"] as? [[String: Any]] ?? []
        #expect(history.contains { $0["text"] as? String == "quero falar com um atendente" })
        let customerSequences = result.frames("customer").sequences
        #expect(customerSequences == Array(1...(customerSequences.max() ?? 0)), "the customer saw every entry once, in order")
    }

    private func expectSurvivesRestart(store: [String]) async throws {
        var server = try await ChatServer.start(store: store)
        let started = try await PythonChatClient.run("start", [server.chatURL, "quero agendar uma visita técnica"])
        let token = try #require(started.object("welcome")["resume"] as? String)
        let last = try #require(started["last_sequence"] as? Int)
        #expect(started.frames("frames").contains { ($0["text"] as? String)?.contains("endereço") == true })
        #expect(try await server.stop().exitCode == 0)

        server = try await ChatServer.start(store: store)
        let resumed = try await PythonChatClient.run("resume-and-say", [server.chatURL, token, "\(last)", "Rua das Flores, 123, Centro"])
        #expect(resumed.object("welcome")["conversation_id"] as? String == started.object("welcome")["conversation_id"] as? String)
        #expect(resumed.object("welcome")["sequence"] as? Int == last)
        let bot = resumed.frames("frames").filter { $0["from"] as? String == "bot" }.compactMap { $0["text"] as? String }
        #expect(bot.last?.contains("período") == true, "the slot flow continues after the restart: \(bot)")
        #expect(resumed.frames("frames").sequences == Array((last + 1)...(last + 2)))
        #expect(try await server.stop().exitCode == 0)
    }
}
