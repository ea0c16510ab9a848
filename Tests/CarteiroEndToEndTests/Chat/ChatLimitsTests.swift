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
}
