import CarteiroChatProtocol
import CarteiroDomain
import Foundation

extension ServerFrame {
    /// A stored conversation entry as clients see it; agents' frames name the conversation.
    init(entry: ChatMessage, forAgent: Bool) {
        let conversationID = forAgent ? entry.conversationID.rawValue : nil
        switch entry.notice {
        case .queued?:
            self = .handoff(sequence: entry.sequence, state: .queued, conversationID: conversationID)
        case .assigned?:
            self = .handoff(sequence: entry.sequence, state: .assigned, agentName: entry.agentName, conversationID: conversationID)
        case .returnedToBot?:
            self = .handoff(sequence: entry.sequence, state: .returnedToBot, conversationID: conversationID)
        case .closed?:
            self = .closed(sequence: entry.sequence, conversationID: conversationID)
        case nil:
            self = .message(MessagePayload(entry: entry, conversationID: conversationID))
        }
    }
}

extension MessagePayload {
    init(entry: ChatMessage, conversationID: String?) {
        let from: Sender =
            switch entry.author {
            case .customer: .customer
            case .bot: .bot
            case .system: .system
            case .agent: .agent
            }
        self.init(
            id: entry.id.rawValue, conversationID: conversationID, sequence: entry.sequence, from: from, text: entry.text,
            quickReplies: entry.quickReplies.isEmpty ? nil : entry.quickReplies, agentName: entry.agentName, clientID: entry.clientMessageID)
    }
}

extension ChatMessage {
    /// The agent who wrote it, or who took the conversation (an `assigned` notice); nil otherwise.
    var agentName: String? {
        if case .agent(let id) = author { return id }
        return nil
    }
}

extension WaitingConversation {
    init(_ conversation: Conversation) {
        self.init(
            conversationID: conversation.id.rawValue, customer: conversation.customerID, name: conversation.customerName,
            intents: conversation.detectedIntents,
            waitingSince: ISO8601DateFormatter().string(from: conversation.waitingSince ?? conversation.updatedAt), channel: conversation.channel,
            email: conversation.customerEmail?.value)
    }
}
