import CarteiroChatProtocol
import Foundation
import Testing

@Suite("Chat frames")
struct FrameCodingTests {
    @Test("customer frames round-trip", arguments: [
        CustomerFrame.hello(resume: "r-1", lastSequence: 7, locale: "pt-BR", name: "Ana"),
        .hello(),
        .message(clientID: "c1", text: "minha internet caiu 😢 \"urgente\""),
        .typing,
        .ack(sequence: 12),
    ])
    func customerRoundTrip(frame: CustomerFrame) throws {
        #expect(try CustomerFrame(jsonText: frame.jsonText) == frame)
    }

    @Test("agent frames round-trip", arguments: [
        AgentFrame.list, .claim(conversationID: "k"), .history(conversationID: "k", afterSequence: 3),
        .message(conversationID: "k", clientID: "a1", text: "Olá, sou a Bia"), .typing(conversationID: "k"),
        .returnToBot(conversationID: "k"), .close(conversationID: "k"),
    ])
    func agentRoundTrip(frame: AgentFrame) throws {
        #expect(try AgentFrame(jsonText: frame.jsonText) == frame)
    }

    @Test("server frames round-trip", arguments: [
        ServerFrame.welcome(conversationID: "k", resume: "tok", sequence: 4),
        .ack(clientID: "c1", sequence: 5),
        .ack(clientID: "a1", sequence: 6, conversationID: "k"),
        .message(MessagePayload(id: "m", sequence: 6, from: .bot, text: "Oi!", quickReplies: ["Sim", "Não"])),
        .message(MessagePayload(id: "m2", conversationID: "k", sequence: 7, from: .agent, text: "Olá", agentName: "Bia", clientID: "a1")),
        .handoff(sequence: 8, state: .assigned, agentName: "Bia"),
        .handoff(sequence: 9, state: .returnedToBot, conversationID: "k"),
        .typing(from: .agent),
        .closed(sequence: 10),
        .error(code: .rateLimited, message: "slow down", clientID: "c9"),
        .waiting([WaitingConversation(conversationID: "k", customer: "anon-1", intents: ["human_agent"], waitingSince: "2026-11-24T20:00:00Z")]),
        .claimed(conversationID: "k"),
        .history(conversationID: "k", messages: [MessagePayload(id: "m", conversationID: "k", sequence: 1, from: .customer, text: "oi")]),
    ])
    func serverRoundTrip(frame: ServerFrame) throws {
        #expect(try ServerFrame(jsonText: frame.jsonText) == frame)
    }

    @Test("the wire uses the documented snake_case names")
    func wireNames() throws {
        let object = try JSONSerialization.jsonObject(
            with: Data(ServerFrame.handoff(sequence: 3, state: .returnedToBot, agentName: "Bia", conversationID: "k").jsonText.utf8))
        let fields = try #require(object as? [String: Any])
        #expect(fields["type"] as? String == "handoff")
        #expect(fields["state"] as? String == "returned_to_bot")
        #expect(fields["agent_name"] as? String == "Bia")
        #expect(fields["conversation_id"] as? String == "k")
        #expect(fields["sequence"] as? Int == 3)
        #expect(CustomerFrame.hello(resume: "x", lastSequence: 2).jsonText.contains("\"last_sequence\":2"))
        #expect(!CustomerFrame.hello().jsonText.contains("resume"), "absent optionals are left out")
    }

    @Test("frames a browser writes by hand decode")
    func handWritten() throws {
        #expect(try CustomerFrame(jsonText: #"{"type":"message","client_id":"1","text":"oi","extra":true}"#) == .message(clientID: "1", text: "oi"))
        #expect(try AgentFrame(jsonText: #" { "conversation_id" : "k", "type" : "return_to_bot" } "#) == .returnToBot(conversationID: "k"))
    }

    @Test("bad frames name the protocol error code", arguments: [
        ("not json", ChatErrorCode.invalidJSON),
        ("[1,2]", .invalidJSON),
        (#"{"text":"oi"}"#, .missingField),
        (#"{"type":"shout"}"#, .unknownType),
        (#"{"type":"message","text":"oi"}"#, .missingField),
        (#"{"type":"message","client_id":"1"}"#, .missingField),
        (#"{"type":"ack","sequence":"three"}"#, .invalidJSON),
        (#"{"type":42}"#, .invalidJSON),
    ])
    func badFrames(text: String, code: ChatErrorCode) {
        #expect(throws: FrameDecodingError.self) { try CustomerFrame(jsonText: text) }
        do {
            _ = try CustomerFrame(jsonText: text)
        } catch {
            #expect(error.code == code, "\(text): \(error.message)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test("an unknown enum value in a server frame is an error, not a crash")
    func unknownEnumValue() {
        #expect(throws: FrameDecodingError.self) { try ServerFrame(jsonText: #"{"type":"typing","from":"robot"}"#) }
    }

    @Test("sequence is exposed for frames that belong to the conversation")
    func sequences() {
        #expect(ServerFrame.message(MessagePayload(id: "m", sequence: 4, from: .bot, text: "x")).sequence == 4)
        #expect(ServerFrame.closed(sequence: 9).sequence == 9)
        #expect(ServerFrame.typing(from: .agent).sequence == nil)
    }

    @Test func handWrittenFramesAreTheDocumentedJSON() throws {
        let payload = MessagePayload(
            id: "m/1", conversationID: "k", sequence: 7, from: .bot, text: "Olá \"Ana\"\n😀 </script>", quickReplies: ["Manhã", "Tarde"],
            agentName: nil, clientID: nil)
        let text = ServerFrame.message(payload).jsonText
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(fields["type"] as? String == "message")
        #expect(fields["id"] as? String == "m/1")
        #expect(fields["conversation_id"] as? String == "k")
        #expect(fields["sequence"] as? Int == 7)
        #expect(fields["from"] as? String == "bot")
        #expect(fields["text"] as? String == "Olá \"Ana\"\n😀 </script>")
        #expect(fields["quick_replies"] as? [String] == ["Manhã", "Tarde"])
        #expect(fields["agent_name"] == nil && fields["client_id"] == nil, "absent optionals are left out")
        #expect(try ServerFrame(jsonText: text) == .message(payload))
    }
}
