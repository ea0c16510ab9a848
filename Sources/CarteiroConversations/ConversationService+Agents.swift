import CarteiroChat
public import CarteiroDomain
import Foundation

extension ConversationService {
    /// Conversations waiting for an agent, longest waiting first.
    public func waiting(limit: Int = 100) async throws(ConversationError) -> [Conversation] {
        let page = try await guarded {
            try await dependencies.conversations.find(
                "status", equals: Conversation.Status.waitingAgent.rawValue, page: try PageRequest(limit: limit))
        }
        return page.items.sorted { ($0.waitingSince ?? $0.updatedAt) < ($1.waitingSince ?? $1.updatedAt) }
    }

    /// Open conversations the agent owns (for an agent who reconnects).
    public func owned(by agent: String) async throws(ConversationError) -> [Conversation] {
        let page = try await guarded {
            try await dependencies.conversations.find(
                "owner", equals: Conversation.Owner.agent(id: agent).indexValue, page: try PageRequest(limit: 1000))
        }
        return page.items.filter { $0.status != .closed }
    }

    /// Gives a waiting conversation to `agent`. Of agents claiming at once exactly one wins (the
    /// store's version check); the others get `already_claimed`.
    @discardableResult
    public func claim(_ id: ConversationID, agent: String) async throws(ConversationError) -> (Conversation, ChatMessage) {
        guard var conversation = try await guarded({ try await dependencies.conversations.get(id) }) else { throw .unknownConversation() }
        guard conversation.status == .waitingAgent else {
            throw conversation.status == .closed ? .conversationClosed() : .alreadyClaimed()
        }
        do {
            try conversation.assign(toAgent: agent, at: dependencies.clock.now())
        } catch {
            throw .alreadyClaimed()
        }
        let updated: Conversation
        do {
            updated = try await dependencies.conversations.update(conversation)
        } catch let error as StoreError where error.isConflict {
            throw .alreadyClaimed()
        } catch {
            throw failed("claiming a conversation", error)
        }
        return (updated, try await appendNotice(.assigned, to: updated, agent: agent))
    }

    /// A message from the agent who owns the conversation (once per client id). In an email
    /// conversation it is stored, then sent to the customer by email; a resend of a message whose
    /// email failed sends it.
    public func postAgentMessage(to id: ConversationID, agent: String, clientID: String, text: String) async throws(ConversationError) -> ChatMessage
    {
        guard text.utf8.count <= ChatMessage.maximumTextBytes else { throw .textTooLong() }
        let conversation = try await requireOwned(id, by: agent)
        let byEmail = conversation.channel == Conversation.emailChannel
        if byEmail, dependencies.emailAnswers == nil { throw .emailUnavailable() }
        let now = dependencies.clock.now()
        var candidateID: ChatMessageID?
        let stored = try await appendNext(to: conversation.id) { sequence throws(ConversationError) in
            let message = try Self.makeMessage(
                conversationID: id, sequence: sequence, author: .agent(id: agent), text: text, clientID: clientID, at: now)
            candidateID = message.id
            return message
        }
        if stored.id == candidateID { await dependencies.hub.publish(stored) }
        if byEmail, let answers = dependencies.emailAnswers {
            do {
                try await answers.send(stored, in: id)
            } catch {
                _ = failed("sending an email answer", error)
                throw .emailNotSent("\(error)")
            }
        }
        return stored
    }

    /// Hands the conversation back to the bot, which starts afresh from its fallback count.
    @discardableResult
    public func returnToBot(_ id: ConversationID, agent: String) async throws(ConversationError) -> ChatMessage {
        _ = try await requireOwned(id, by: agent)
        let now = dependencies.clock.now()
        let updated = try await modify(id) { conversation throws(ConversationError) in
            guard conversation.owner == .agent(id: agent) else { throw .notYourConversation() }
            do { try conversation.returnToBot(at: now) } catch { throw .conversationClosed() }
            var state = DialogueStateCoding.decode(conversation.botState) ?? DialogueState()
            state.consecutiveFallbacks = 0
            state.activeFlow = nil
            conversation.botState = DialogueStateCoding.encode(state)
        }
        guard let updated else { throw .unknownConversation() }
        return try await appendNotice(.returnedToBot, to: updated, agent: agent)
    }

    /// Closes the conversation (`chat.closed`); the customer can read it but not write to it.
    @discardableResult
    public func close(_ id: ConversationID, agent: String) async throws(ConversationError) -> ChatMessage {
        let now = dependencies.clock.now()
        let updated = try await modify(id) { conversation throws(ConversationError) in
            // An agent closes what it owns or what waits for an agent.
            if case .agent(let owner) = conversation.owner, owner != agent { throw .notYourConversation() }
            do { try conversation.close(at: now) } catch { throw .conversationClosed() }
        }
        guard let updated else { throw .unknownConversation() }
        let event = DomainEvent(occurredAt: now, payload: .chatClosed(.init(conversationID: id, closedBy: "agent:\(agent)")))
        return try await appendNotice(.closed, to: updated, agent: agent, events: [event])
    }

    private func requireOwned(_ id: ConversationID, by agent: String) async throws(ConversationError) -> Conversation {
        guard let conversation = try await guarded({ try await dependencies.conversations.get(id) }) else { throw .unknownConversation() }
        guard conversation.status != .closed else { throw .conversationClosed() }
        guard conversation.owner == .agent(id: agent) else { throw .notYourConversation() }
        return conversation
    }
}
